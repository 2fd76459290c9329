#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# "tttctl monitor" in a real terminal (tmux): while TCP crosses a real tunnel
# both ways, every link gets down, up and rtt graph rows, 60 columns wide on a
# wide terminal, and they are not flat zero (each direction reaches half the
# scale while it carries the load); a 40-column terminal gets every
# line cut to 40 columns and still the graphs; a C locale gets ASCII graphs.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require iperf3 tmux
lab_topology --paths 2
tttd_lab_keys 1
tttd_lab_server
CBUS=$(tttd_lab_bus client)
TTTD_CLIENT_BUS=$CBUS tttd_lab_client 0
tttd_lab_wait_connected 0
client=${LAB_NS_CLIENT[0]}

# a tmux server of its own (its socket in the test's directory)
TMUX_SOCKET=$LAB_DIR/tmux.sock
tm () { tmux -u -S "$TMUX_SOCKET" "$@"; }
lab_on_cleanup "tmux -S '$TMUX_SOCKET' kill-server 2>/dev/null"
monitor () {   # NAME COLUMNS LOCALE
  tm new-session -d -s "$1" -x "$2" -y 30 \
    "env DBUS_SYSTEM_BUS_ADDRESS=$CBUS LC_ALL=$3 LANG=$3 $TTTCTL_BIN monitor; sleep 30"
}
monitor wide 100 C.UTF-8
monitor narrow 40 C.UTF-8
monitor ascii 100 C

lab_iperf_server iperf "$LAB_NS_SERVER"
sleep 2
# the same rate both ways, so that each direction's graphs reach high on
# the shared scale (and a direction drawn from its ACKs alone would not)
lab_iperf "$client" "$TTTD_SERVER_TUN" 4 -b 40M >/dev/null || lab_fail "iperf3 through the tunnel failed"
lab_iperf "$client" "$TTTD_SERVER_TUN" 4 -b 40M -R >/dev/null || lab_fail "iperf3 -R through the tunnel failed"
for s in wide narrow ascii; do tm capture-pane -p -t "$s" > "$LAB_DIR/$s.txt"; done
sed 's/^/  | /' "$LAB_DIR/wide.txt" >&2

# graph FILE LINK ROW: that graph row of the link, its label (7 columns) and scale cut off
graph () {
  awk -v link="$2" -v row="$3" '
    $1 == link { on = 1; next }
    on && /^[^ ]/ { on = 0 }
    on && $1 == row { line = substr($0, 8); sub(/ max .*$/, "", line); print line; exit }' "$1"
}
for link in wan0 wan1; do
  grep -q "^$link up " "$LAB_DIR/wide.txt" || lab_fail "the monitor shows no line for $link (up)"
  for row in down up rtt; do
    g=$(graph "$LAB_DIR/wide.txt" "$link" "$row")
    [[ -n $g ]] || lab_fail "no $row graph for $link"
    (( ${#g} == 60 )) || lab_fail "the $row graph of $link is ${#g} columns wide, not 60: '$g'"
    [[ $g =~ [▂▃▄▅▆▇█] ]] || lab_fail "the $row graph of $link is flat after traffic: '$g'"
    lab_log "$link $row: $g"
  done
done
for row in down up; do
  g=$(graph "$LAB_DIR/wide.txt" wan0 "$row")$(graph "$LAB_DIR/wide.txt" wan1 "$row")
  [[ $g =~ [▅▆▇█] ]] || lab_fail "no $row graph reaches half its scale while 40 Mbit/s went $row: '$g'"
done
grep -q ' max .*Mbit/s' "$LAB_DIR/wide.txt" || lab_fail "the graphs have no Mbit/s scale"
grep -q ' max .* ms' "$LAB_DIR/wide.txt" || lab_fail "the RTT graphs have no ms scale"

long=0
while IFS= read -r line; do (( ${#line} <= 40 )) || long=$(( long + 1 )); done < "$LAB_DIR/narrow.txt"
(( long == 0 )) || lab_fail "$long lines wider than the 40-column terminal"
g=$(graph "$LAB_DIR/narrow.txt" wan0 up)
[[ $g =~ [▂▃▄▅▆▇█] ]] || lab_fail "40 columns: the up graph of wan0 is missing or flat: '$g'"
lab_log "40 columns: wan0 up: $g"

LC_ALL=C grep -q '[^ -~]' "$LAB_DIR/ascii.txt" && lab_fail "the C locale got characters beyond ASCII"
g=$(graph "$LAB_DIR/ascii.txt" wan0 up)
[[ $g =~ [-.~=+*#] ]] || lab_fail "C locale: the up graph of wan0 is missing or flat: '$g'"
lab_log "C locale: wan0 up: $g"
tttd_lab_pass
