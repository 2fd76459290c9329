#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# Loss stays inside the bond: with random loss on one of two links a TCP
# upload of a fixed size finishes sooner with recovery (the defaults) than
# with retransmit=false fec=off, the NACK and retransmission counters move,
# redundant rebuilds pings from FEC repairs through loss on both links, and
# on clean links none of it happens (no NACK, no repair, no retransmission).
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"
source "$(dirname "$0")/../../bench/lib.sh"

lab_init
lab_require iperf3 ping python3 tc
lab_topology --paths 2 --emulate
lab_path_emulate 0 0 --rtt 10
lab_path_emulate 0 1 --rtt 40
bench_shape 0 0 40mbit
bench_shape 0 1 20mbit
client=${LAB_NS_CLIENT[0]}
tttd_lab_keys 1
TTTD_SERVER_BUS=$(tttd_lab_bus server)
TTTD_CLIENT_BUS=$(tttd_lab_bus client)
lab_iperf_server iperf "$LAB_NS_SERVER"

counter () { tttd_ctl "$1" --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('$2', 0))"; }
# the kernel's UDP receive buffer overflows in a namespace
rcvbuf_errors () { ip netns exec "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6; exit }' /proc/net/snmp; }
links_up () { [[ $(tttd_ctl "$TTTD_CLIENT_BUS" --json links | grep -cE '"state" : "(up|degraded)"') == 2 ]]; }
# start on|off STRATEGY
start () {
  local extra=()
  [[ $1 == off ]] && extra=("retransmit=false" "fec=off")
  TTTD_SERVER_STRATEGY=$2 tttd_lab_server "[tttd]" "${extra[@]}"
  TTTD_CLIENT_STRATEGY=$2 TTTD_CLIENT_TTTD_EXTRA=$(printf '%s\n' "${extra[@]}") tttd_lab_client 0
  tttd_lab_wait_connected 0
  lab_wait_for 20 links_up || lab_fail "the links are not up"
}
stop () {
  local name
  for name in tttd-c0 tttd-server; do lab_kill "$name" TERM; lab_wait_exit "$name" 10 || true; done
}
# upload BYTES: seconds (3 decimals) one TCP flow took to send them, 60 at most
upload () {
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$client" timeout 60 iperf3 -c "$TTTD_SERVER_TUN" -n "$1" -C cubic >"$LAB_DIR/upload.txt" 2>&1 \
    || { echo 60; return; }
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
# sum NAME: the counter on both ends
sum () { echo $(( $(counter "$TTTD_CLIENT_BUS" "$1") + $(counter "$TTTD_SERVER_BUS" "$1") )); }
recovery_counters () {
  local name
  for name in nacks-sent retransmits fec-repair-sent recovered-retransmit recovered-fec; do
    printf '%s=%s ' "$name" "$(sum "$name")"
  done
}

# clean links: a flow below the links' rate and pings, in adaptive and in
# redundant; no loss, so nothing is asked for and no repair goes
start on adaptive
ip netns exec "$client" ping -n -q -i 0.02 -c 100 "$TTTD_SERVER_TUN" >/dev/null
lab_iperf "$client" "$TTTD_SERVER_TUN" 3 -b 20M >/dev/null || lab_fail "iperf3 through the clean tunnel failed"
tttd_ctl "$TTTD_CLIENT_BUS" set-strategy redundant >/dev/null
tttd_ctl "$TTTD_SERVER_BUS" set-strategy redundant >/dev/null
ip netns exec "$client" ping -n -q -i 0.02 -c 100 "$TTTD_SERVER_TUN" >/dev/null
sleep 1.5   # counters are published once a second
clean=$(recovery_counters)
# the links lose nothing, but a loaded machine may: datagrams its kernel
# dropped from a full socket buffer, or that a pacer dropped, are lost
# for real and rightly asked for again. A receiver that takes the two
# links' reordering for loss asks for hundreds.
inside=$(( $(sum tx-queue-full) + $(rcvbuf_errors "$client") + $(rcvbuf_errors "$LAB_NS_SERVER") ))
lab_log "clean links: $clean (datagrams dropped inside the machines: $inside)"
for name in nacks-sent retransmits; do
  (( $(sum "$name") <= inside + 5 )) || lab_fail "clean links: $name is more than what was dropped inside ($inside): $clean"
done
(( $(sum fec-repair-sent) == 0 )) || lab_fail "clean links: FEC repairs were sent ($clean)"
tttd_ctl "$TTTD_CLIENT_BUS" set-strategy adaptive >/dev/null
tttd_ctl "$TTTD_SERVER_BUS" set-strategy adaptive >/dev/null

# 5% random loss on the fast link: the same upload with and without recovery
lab_path_emulate 0 0 --loss 5
sleep 3   # the estimators see the loss
t_on=$(upload 30M)
sleep 1.5
lossy=$(recovery_counters)
lab_log "5% loss on wan0, recovery on: 30 MB in $t_on s; $lossy"
(( $(counter "$TTTD_SERVER_BUS" nacks-sent) > 0 )) || lab_fail "the receiver sent no NACK through 5% loss ($lossy)"
(( $(counter "$TTTD_CLIENT_BUS" retransmits) > 0 )) || lab_fail "the sender retransmitted nothing ($lossy)"
(( $(counter "$TTTD_SERVER_BUS" recovered-retransmit) > 0 )) || lab_fail "no retransmission filled a gap ($lossy)"
stop

start off adaptive
lab_path_emulate 0 0 --loss 5
sleep 3
t_off=$(upload 30M)
sleep 1.5
off=$(recovery_counters)
lab_log "5% loss on wan0, retransmit=false fec=off: 30 MB in $t_off s; $off"
(( $(sum nacks-sent) == 0 && $(sum retransmits) == 0 )) || lab_fail "recovery off, yet: $off"
awk -v a="$t_on" -v b="$t_off" 'BEGIN { exit !(a < b) }' \
  || lab_fail "the upload with recovery ($t_on s) was not faster than without ($t_off s)"
lab_path_emulate 0 0 --loss 0
stop

# redundant through 10% loss on each link: FEC repairs rebuild what both
# copies lost
start on redundant
lab_path_emulate 0 0 --loss 10
lab_path_emulate 0 1 --loss 10
sleep 3
ip netns exec "$client" ping -n -q -i 0.02 -c 500 -W 1 "$TTTD_SERVER_TUN" >"$LAB_DIR/ping-fec.txt" 2>&1 || true
sleep 1.5
fec=$(recovery_counters)
lab_log "redundant, 10% loss on each link: $(sed -n 's/.*transmitted, \(.*\) loss.*/\1/p' "$LAB_DIR/ping-fec.txt") loss; $fec"
(( $(sum fec-repair-sent) > 0 )) || lab_fail "no FEC repair through 10% loss ($fec)"
(( $(sum recovered-fec) > 0 )) || lab_fail "no packet rebuilt from a repair ($fec)"
lab_path_emulate 0 0 --loss 0
lab_path_emulate 0 1 --loss 0
tttd_lab_pass
