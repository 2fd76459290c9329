#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# A client bonds two links to a server: ping and TCP (both ways) cross the tunnel, and
# black-holing one link leaves the tunnel working on the other.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require iperf3 ping
lab_topology --paths 2
tttd_lab_keys 1
tttd_lab_server
tttd_lab_client 0
tttd_lab_wait_connected 0
client=${LAB_NS_CLIENT[0]}

loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 20 0.05)
lab_log "ping through the tunnel: $loss% loss"
[[ $loss == 0 ]] || lab_fail "ping through the tunnel lost $loss%"

lab_iperf_server iperf "$LAB_NS_SERVER"
rate=$(lab_iperf "$client" "$TTTD_SERVER_TUN" 5) || lab_fail "iperf3 through the tunnel failed"
lab_log "TCP through the tunnel: $rate Mbit/s"
awk -v r="$rate" 'BEGIN { exit !(r > 20) }' || lab_fail "TCP through the tunnel: only $rate Mbit/s"
# the other way, right after: the upload's queue and the busy CPU it left
# behind must not have taught the server's pacer a tiny capacity
down=$(lab_iperf "$client" "$TTTD_SERVER_TUN" 5 -R) || lab_fail "iperf3 -R through the tunnel failed"
lab_log "TCP the other way (server to client): $down Mbit/s"
awk -v d="$down" -v u="$rate" 'BEGIN { exit !(d > u / 4) }' || lab_fail "TCP server to client: only $down Mbit/s against $rate the other way"

# both links carried traffic (the scheduler uses both)
for i in 0 1; do
  bytes=$(ip netns exec "$client" cat "/sys/class/net/wan$i/statistics/tx_bytes")
  lab_log "wan$i sent $bytes bytes"
  (( bytes > 1000000 )) || lab_fail "wan$i carried almost nothing ($bytes bytes)"
done

# black-hole one path while pinging: the tunnel goes on over the other
for strategy in adaptive balance-rr; do
  lab_path_blackhole 0 1 off
  sleep 1
  ip netns exec "$client" ping -n -q -i 0.05 -c 100 -W 1 "$TTTD_SERVER_TUN" > "$LAB_DIR/ping-$strategy.txt" 2>&1 &
  pinger=$!
  sleep 1
  lab_path_blackhole 0 1 on
  wait "$pinger" || true
  loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$LAB_DIR/ping-$strategy.txt")
  lab_log "$strategy: ping while wan1 is black-holed: $loss% loss"
  awk -v l="$loss" 'BEGIN { exit !(l <= 10) }' || lab_fail "$strategy: the tunnel lost $loss% with one link black-holed"
  if [[ $strategy == adaptive ]]; then
    # switch the running client: later pings go round-robin
    lab_kill tttd-c0
    lab_wait_exit tttd-c0 5 || true
    lab_path_blackhole 0 1 off
    TTTD_CLIENT_STRATEGY=balance-rr tttd_lab_client 0
    tttd_lab_wait_connected 0
  fi
done
tttd_lab_pass
