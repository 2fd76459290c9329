#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# A handshake flood spoofed from the real client's own address and port
# (50 initiations a second with a valid mac1, for 30 s) does not lock the
# client out: the server answers it with cookie replies no larger than 64
# bytes, the client proves its address with mac2 and keeps rekeying, and no
# spoofed initiation draws a response.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

FLOOD_RATE=50
FLOOD_SECONDS=30
REKEY=3

lab_init
lab_require ping tcpdump python3 ss ethtool
lab_topology --paths 1 --clients 1
# the capture sees datagrams one by one, not as the server's UDP GSO batches
ip netns exec "$LAB_NS_SERVER" ethtool -K up0 tx-udp-segmentation off gso off >/dev/null
tttd_lab_keys 1
tttd_lab_server
client=${LAB_NS_CLIENT[0]}
TTTD_CLIENT_TTTD_EXTRA="rekey-after-seconds=$REKEY" tttd_lab_client 0
tttd_lab_wait_connected 0

# the real client's source: its link's address and the port of its socket
addr=$(lab_path_addr 0 0 client)
port=$(ip netns exec "$client" ss -Huanp | awk '/"tttd"/ { n = split($4, a, ":"); print a[n]; exit }')
[[ $port =~ ^[0-9]+$ ]] || lab_fail "cannot find the client's UDP port: $(ip netns exec "$client" ss -Huanp)"
lab_log "the real client sends from $addr:$port"

first=$(grep -c "session keys renewed" "$LAB_DIR/tttd-c0.log" || true)
lab_spawn cap-server "$LAB_NS_SERVER" tcpdump -n -i up0 -w "$LAB_DIR/server.pcap" \
  "udp and src port $TTTD_PORT and dst host $addr"
sleep 1
before=$(grep -c "session keys renewed" "$LAB_DIR/tttd-c0.log" || true)
sent=$(ip netns exec "$client" python3 "$LAB_SOURCE_DIR/spoof-init.py" send "$(tttd_pubkey server)" \
         "$addr" "$port" wan0 "$LAB_SERVER_ADDR" "$TTTD_PORT" "$FLOOD_RATE" "$FLOOD_SECONDS")
after=$(grep -c "session keys renewed" "$LAB_DIR/tttd-c0.log" || true)
loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 20 0.05)
sleep 0.5
lab_kill cap-server INT; lab_wait_exit cap-server 5 || true
last=$(grep -c "session keys renewed" "$LAB_DIR/tttd-c0.log" || true)

rekeys=$(( after - before ))
declare -A count=() longest=()
while read -r kind n len; do count[$kind]=$n; longest[$kind]=$len; done \
  < <(python3 "$LAB_SOURCE_DIR/spoof-init.py" answers "$LAB_DIR/server.pcap" "$TTTD_PORT")
cookies=${count[4]:-0} responses=${count[2]:-0}
lab_log "$sent spoofed initiations in ${FLOOD_SECONDS} s: the client rekeyed $rekeys times (every ${REKEY} s), ping loss after $loss%"
lab_log "the server sent $addr:$port $cookies cookie replies (largest ${longest[4]:-0} bytes), $responses responses (largest ${longest[2]:-0} bytes)"
tttd_log_has tttd-c0 "sent a cookie" || lab_fail "the client never got a cookie: the server was not under load"
(( sent >= FLOOD_RATE * FLOOD_SECONDS * 9 / 10 )) || lab_fail "only $sent initiations sent"
(( rekeys >= FLOOD_SECONDS / REKEY / 2 )) || lab_fail "the client rekeyed only $rekeys times in ${FLOOD_SECONDS} s of flood"
[[ $loss == 0 ]] || lab_fail "the tunnel lost $loss% after the flood"
(( cookies > 0 && cookies <= sent + rekeys * 2 )) || lab_fail "$cookies cookie replies to $sent initiations"
(( ${longest[4]:-0} <= 64 )) || lab_fail "a cookie reply of ${longest[4]} bytes"
# every response answered one of the real client's initiations: none went
# to the flood (its initiations cannot authenticate)
(( responses <= last - first + 2 )) || lab_fail "$responses responses for $(( last - first )) handshakes: the flood drew responses"
for kind in "${!count[@]}"; do
  [[ $kind == 2 || $kind == 3 || $kind == 4 ]] || lab_fail "the server sent $addr:$port ${count[$kind]} messages of type $kind"
  [[ $kind == 3 || ${longest[$kind]} -le 116 ]] || lab_fail "a handshake answer of ${longest[$kind]} bytes"
done
tttd_lab_pass
