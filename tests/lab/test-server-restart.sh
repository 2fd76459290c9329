#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# A server killed with SIGKILL and started again forgets every session; the
# client, whose keys are still valid and to whom the new server sends nothing,
# finds its session dead from the silence and shakes hands again within
# seconds (not when its rekey timer says so, two minutes later); while the
# server is away, its handshakes back off instead of flooding.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping nft
lab_topology --paths 2
tttd_lab_keys 1
tttd_lab_server
tttd_lab_client 0
tttd_lab_wait_connected 0
client=${LAB_NS_CLIENT[0]}

# the server's namespace counts the client's handshake initiations (message
# type 1 in the second byte of the UDP payload)
ip netns exec "$LAB_NS_SERVER" nft -f - <<NFT
table inet count {
  counter initiations {}
  chain input {
    type filter hook input priority -10;
    udp dport $TTTD_PORT @th,72,8 1 counter name initiations
  }
}
NFT
initiations () {
  ip netns exec "$LAB_NS_SERVER" nft -j list counter inet count initiations |
    python3 -c 'import json,sys; print([o for o in json.load(sys.stdin)["nftables"] if "counter" in o][0]["counter"]["packets"])'
}
tunnel_ping () { ip netns exec "$client" ping -n -q -c 1 -W 1 -I ttt0 "$TTTD_SERVER_TUN" >/dev/null 2>&1; }

# kill -9, the server back after PAUSE seconds (systemd's RestartSec=2s);
# back_ms: the milliseconds from the new start until a ping through the
# client's tunnel is answered
restart_server () {
  local pause=$1 t_kill t_start t_back
  lab_kill tttd-server KILL
  lab_wait_exit tttd-server 5 || true
  t_kill=$(lab__now_us)
  sleep "$pause"
  t_start=$(lab__now_us)
  tttd_lab_server
  lab_wait_for 30 tunnel_ping || lab_fail "the client never came back after the server restarted (see $LAB_DIR/tttd-c0.log)"
  t_back=$(lab__now_us)
  lab_log "kill -9, server started again after ${pause} s: tunnel back $(( (t_back - t_start) / 1000 )) ms after the start, $(( (t_back - t_kill) / 1000 )) ms after the kill"
  back_ms=$(( (t_back - t_start) / 1000 ))
}

# idle tunnel (probes at the idle rate)
sleep 3
restart_server 2
(( back_ms < 10000 )) || lab_fail "the client came back only $back_ms ms after the server restarted (bound 10000)"
tttd_log_has tttd-c0 'no answer from the server on any link' || lab_fail "the client did not log why it shook hands again"

# busy tunnel: pings every 50 ms through the kill
ip netns exec "$client" ping -n -q -i 0.05 -w 20 -I ttt0 "$TTTD_SERVER_TUN" >/dev/null 2>&1 &
pinger=$!
sleep 2
restart_server 2
kill "$pinger" 2>/dev/null || true
wait "$pinger" 2>/dev/null || true
(( back_ms < 10000 )) || lab_fail "busy: the client came back only $back_ms ms after the server restarted (bound 10000)"

# the server away for 30 s: handshakes back off (four 0.5 s apart, then 1,
# 2, 4 and every 8 s: about 10)
before=$(initiations)
lab_kill tttd-server KILL
lab_wait_exit tttd-server 5 || true
sleep 30
sent=$(( $(initiations) - before ))
lab_log "handshake initiations while the server was away for 30 s: $sent"
(( sent >= 2 )) || lab_fail "the client stopped trying while the server was away ($sent initiations in 30 s)"
(( sent <= 12 )) || lab_fail "the client flooded the absent server with $sent initiations in 30 s"
t_start=$(lab__now_us)
tttd_lab_server
lab_wait_for 30 tunnel_ping || lab_fail "the client never came back after a 30 s absence"
lab_log "after a 30 s absence: tunnel back $(( ($(lab__now_us) - t_start) / 1000 )) ms after the start (the backoff is at 8 s)"

tttd_lab_pass
