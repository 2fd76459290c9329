#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# Three clients share one server at once: each reaches the server, and each
# receives only the packets addressed to it. When the server restarts, it
# says goodbye and every client is back within seconds. A reload that drops
# a peer ends that peer's session only; adding it back lets it in again.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping tcpdump
lab_topology --paths 2 --clients 3
tttd_lab_keys 3
tttd_lab_server
for c in 0 1 2; do tttd_lab_client "$c"; done
for c in 0 1 2; do tttd_lab_wait_connected "$c"; done

for c in 0 1 2; do
  loss=$(lab_ping_loss "${LAB_NS_CLIENT[c]}" "$TTTD_SERVER_TUN" 20 0.02)
  lab_log "client $c reaches the server: $loss% loss"
  [[ $loss == 0 ]] || lab_fail "client $c lost $loss% of its pings to the server"
done

# capture on every client's tunnel device while the server pings each one
for c in 0 1 2; do
  lab_spawn "cap$c" "${LAB_NS_CLIENT[c]}" tcpdump -n -l -i ttt0 icmp
done
sleep 1
for c in 0 1 2; do
  loss=$(lab_ping_loss "$LAB_NS_SERVER" "$(tttd_client_tun "$c")" 10 0.02)
  [[ $loss == 0 ]] || lab_fail "the server lost $loss% of its pings to client $c"
done
sleep 0.5
for c in 0 1 2; do lab_kill "cap$c" INT; lab_wait_exit "cap$c" 5 || true; done
for c in 0 1 2; do
  mine=$(tttd_client_tun "$c")
  requests=$(grep -c "> $mine: ICMP echo request" "$LAB_DIR/cap$c.log" || true)
  foreign=$(grep "ICMP echo request" "$LAB_DIR/cap$c.log" | grep -vc "> $mine:" || true)
  lab_log "client $c saw $requests echo requests for itself and $foreign for others"
  (( requests == 10 )) || lab_fail "client $c saw $requests of the 10 pings for it"
  (( foreign == 0 )) || lab_fail "client $c received $foreign packets addressed to other clients"
done

# clients reach each other through the server (it routes between its peers)
ip netns exec "$LAB_NS_SERVER" sysctl -qw net.ipv4.ip_forward=1
loss=$(lab_ping_loss "${LAB_NS_CLIENT[0]}" "$(tttd_client_tun 2)" 10 0.02)
lab_log "client 0 reaches client 2 through the server: $loss% loss"
[[ $loss == 0 ]] || lab_fail "client 0 could not reach client 2 through the server"

# the server stops: it closes every session, and each client starts over
# at once instead of waiting for its probes to go unanswered
lab_kill tttd-server TERM
lab_wait_exit tttd-server 10 || lab_fail "the server did not stop"
mv "$LAB_DIR/tttd-server.log" "$LAB_DIR/tttd-server-first.log"
for c in 0 1 2; do
  lab_wait_for 2 tttd_log_has "tttd-c$c" "server closed the session" \
    || lab_fail "client $c did not notice the server closing its session"
done
start=$(date +%s%N)
tttd_lab_server
for c in 0 1 2; do tttd_lab_wait_connected "$c" 10; done
lab_log "server restarted: all 3 clients back through the tunnel in $(( ($(date +%s%N) - start) / 1000000 )) ms"

# reload without [peer c2]: c2's session ends, c0 and c1 keep theirs
cp "$LAB_DIR/server.conf" "$LAB_DIR/server.conf.full"
awk '/^\[/ { skip = ($0 == "[peer c2]") } !skip' "$LAB_DIR/server.conf.full" > "$LAB_DIR/server.conf"
lab_kill tttd-server HUP
lab_wait_for 5 tttd_log_has tttd-server "peer c2 removed" || lab_fail "the reload did not remove peer c2"
tttd_log_has tttd-server "peer c[01] removed" && lab_fail "the reload touched peers it should have kept"
for c in 0 1; do
  loss=$(lab_ping_loss "${LAB_NS_CLIENT[c]}" "$TTTD_SERVER_TUN" 10 0.05)
  [[ $loss == 0 ]] || lab_fail "client $c lost $loss% of its pings after a reload that kept it"
done
loss=$(lab_ping_loss "${LAB_NS_CLIENT[2]}" "$TTTD_SERVER_TUN" 5 0.2)
[[ $loss == 100 ]] || lab_fail "client 2 still reaches the server after its peer was removed ($loss% loss)"
cp "$LAB_DIR/server.conf.full" "$LAB_DIR/server.conf"
lab_kill tttd-server HUP
lab_wait_for 5 tttd_log_has tttd-server "peer c2 added" || lab_fail "the reload did not add peer c2 back"
tttd_lab_wait_connected 2 10
lab_log "reload: peer c2 removed (its pings fail, the others lose none), added back, connected again"
tttd_lab_pass
