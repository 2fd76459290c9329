#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# IPv6 as the links' transport and inside the tunnel, IPv4 inside over IPv6
# links, and a server listening on both families at once.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping iperf3
lab_topology --paths 2 --clients 2 --ipv6
tttd_lab_keys 2
tttd_lab_server
# client 0 reaches the server over IPv6 links, client 1 over IPv4 ones
TTTD_CLIENT_IPV6=1 tttd_lab_client 0
tttd_lab_client 1
tttd_lab_wait_connected 0
tttd_lab_wait_connected 1
grep -q "usable from \[2001:2:" "$LAB_DIR/tttd-c0.log" || lab_fail "client 0 did not bind its links over IPv6"

for c in 0 1; do
  for target in "$TTTD_SERVER_TUN" "$TTTD_SERVER_TUN6"; do
    loss=$(lab_ping_loss "${LAB_NS_CLIENT[c]}" "$target" 20 0.02)
    lab_log "client $c ($( ((c == 0)) && echo IPv6 || echo IPv4) links) to $target: $loss% loss"
    [[ $loss == 0 ]] || lab_fail "client $c lost $loss% of its pings to $target"
  done
done
lab_iperf_server iperf "$LAB_NS_SERVER"
rate=$(lab_iperf "${LAB_NS_CLIENT[0]}" "$TTTD_SERVER_TUN6" 3) || lab_fail "TCP over IPv6 in IPv6 failed"
lab_log "TCP, IPv6 in the tunnel over IPv6 links: $rate Mbit/s"
awk -v r="$rate" 'BEGIN { exit !(r > 20) }' || lab_fail "TCP over IPv6: only $rate Mbit/s"
tttd_lab_pass
