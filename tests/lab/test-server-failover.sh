#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# Two servers of one user base (the same private key and peers, each in its
# own namespace behind the router) and a client with server=A;B. Server A
# is killed with SIGKILL under traffic: the client finds its session dead,
# A leaves its handshakes unanswered, and it moves to B, where the tunnel
# works again within seconds (the goal: 5 s). It stays on B when A comes
# back, and when B dies in turn it wraps around to A. Without the move the
# tunnel stays dark and the test fails.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping
lab_topology --paths 2
lab_server_add 1
ns_b=$(lab_server_ns 1)
addr_a=$LAB_SERVER_ADDR
addr_b=$(lab_server_addr 1)
client=${LAB_NS_CLIENT[0]}

tttd_lab_keys 1
server_a () { tttd_lab_server; }
server_b () { TTTD_SERVER_NAME=tttd-server-b TTTD_SERVER_NS=$ns_b TTTD_SERVER_ADDR=$addr_b tttd_lab_server; }
server_a
server_b
TTTD_CLIENT_SERVER="$addr_a:$TTTD_PORT;$addr_b:$TTTD_PORT" tttd_lab_client 0
tttd_lab_wait_connected 0
tttd_log_has tttd-server 'peer c0 connected' || lab_fail "the client did not start on the first server= endpoint"
tttd_log_has tttd-server-b 'peer c0 connected' && lab_fail "the client talked to the second server before the first failed"

tunnel_ping () { ip netns exec "$client" ping -n -q -c 1 -W 1 -I ttt0 "$TTTD_SERVER_TUN" >/dev/null 2>&1; }

# fail_over SERVER-NAME RUN-FOR INTERVAL DELAY: ping through the tunnel
# every INTERVAL s for RUN-FOR s (timestamped replies), kill -9 the server
# DELAY s into it; back_ms: from the kill to the first reply after it
fail_over () {
  local name=$1 run_for=$2 interval=$3 delay=$4 out=$LAB_DIR/ping-$1.txt pinger t_kill
  ip netns exec "$client" ping -n -D -i "$interval" -w "$run_for" -I ttt0 "$TTTD_SERVER_TUN" > "$out" 2>&1 &
  pinger=$!
  lab_on_cleanup "kill $pinger 2>/dev/null"
  sleep "$delay"
  lab_kill "$name" KILL
  t_kill=$(lab__now_us)
  lab_wait_exit "$name" 5 || true
  wait "$pinger" || true
  # replies: "[seconds.micros] 64 bytes from ..."; one that came within
  # 20 ms of the kill left the dead server before it
  read -r before back_ms < <(awk -v kill="$t_kill" '
    /bytes from/ { t = substr($1, 2, length($1) - 2); gsub(/\./, "", t); t = t + 0
                   if (t <= kill) before++
                   else if (back < 0 && t > kill + 20000) back = int((t - kill) / 1000) }
    BEGIN { back = -1 }
    END { print before + 0, back }' "$out")
  (( delay == 0 || before > 0 )) || lab_fail "no reply through the tunnel before $name was killed (see $out)"
}

# under traffic (a ping every 100 ms): kill -9 A, the client moves to B
fail_over tttd-server 15 0.1 3
(( back_ms >= 0 )) || lab_fail "the tunnel never came back after server A was killed (see $LAB_DIR/tttd-c0.log)"
lab_log "kill -9 of server A under pings every 100 ms: tunnel back through B $back_ms ms after the kill (goal 5000)"
(( back_ms <= 10000 )) || lab_fail "the client came back only $back_ms ms after server A died (bound 10000)"
tttd_log_has tttd-c0 "server $addr_a:$TTTD_PORT does not answer; trying $addr_b:$TTTD_PORT" \
  || lab_fail "the client did not log its move to server B"
tttd_log_has tttd-server-b 'peer c0 connected' || lab_fail "server B never saw the client"
[[ $(grep -c 'does not answer; trying' "$LAB_DIR/tttd-c0.log") == 1 ]] \
  || lab_fail "the client moved more than once for one dead server"

# A is back: the client keeps its working session on B
server_a
sleep 5
tunnel_ping || lab_fail "the tunnel through B stopped working when A came back"
tttd_log_has tttd-server 'peer c0 connected' && lab_fail "the client left a working server B for A"

# idle tunnel (past the 30 s without data after which probes go once a
# second, and past the links' settling after that switch): kill -9 B,
# pings start at the kill; the client wraps around to A
sleep 34
fail_over tttd-server-b 12 0.2 0
(( back_ms >= 0 )) || lab_fail "the tunnel never came back after server B was killed (see $LAB_DIR/tttd-c0.log)"
lab_log "kill -9 of server B on an idle tunnel, pings every 200 ms from the kill: tunnel back through A $back_ms ms after the kill (goal 5000)"
(( back_ms <= 10000 )) || lab_fail "the client came back only $back_ms ms after server B died (bound 10000)"
tttd_log_has tttd-c0 "server $addr_b:$TTTD_PORT does not answer; trying $addr_a:$TTTD_PORT" \
  || lab_fail "the client did not wrap around to server A"
tttd_log_has tttd-server 'peer c0 connected' || lab_fail "server A never saw the client again"

tttd_lab_pass
