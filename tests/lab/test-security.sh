#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# No packet without a valid key reaches the server's tunnel device or draws
# an answer: a client with a wrong key gets nothing; garbage, bit-flipped,
# replayed and truncated datagrams from another port get nothing and are
# counted; an authenticated client cannot send as another peer or as the
# server (rx-bad-source), overlapping peers do not pass tttd --check; the
# tunnel works throughout, and survives rekeys under load; a reload that
# changes a peer does not let a recorded initiation of it in again.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping tcpdump python3 busctl
lab_topology --paths 1 --clients 2
tttd_lab_keys 2
TTTD_SERVER_BUS=$(tttd_lab_bus server)
# only client 0 is a peer of the server; client 1's key is unknown to it
# [peer absent] has an address but never connects: client 0 may not use it
TTTD_CLIENT_KEYS=1 tttd_lab_server "[peer absent]" "public-key=$("$TTTCTL_BIN" genkey | "$TTTCTL_BIN" pubkey)" \
  "address=198.19.0.50/32"
counter () {
  DBUS_SYSTEM_BUS_ADDRESS=$TTTD_SERVER_BUS busctl --system --json=short get-property org.tuntuntun.Tttd1 \
    /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Counters |
    python3 -c "import json,sys; print(json.load(sys.stdin)['data'].get('$1', -1))"
}
tun_rx () { ip netns exec "$LAB_NS_SERVER" cat /sys/class/net/ttt0/statistics/rx_packets; }

# 1. the wrong key: no tunnel, and not one datagram back
stranger=$(lab_path_addr 1 0 client)
lab_spawn cap-stranger "$LAB_NS_SERVER" tcpdump -n -l -i up0 "udp and src port $TTTD_PORT and dst host $stranger"
sleep 1
tttd_lab_client 1
sleep 4
loss=$(lab_ping_loss "${LAB_NS_CLIENT[1]}" "$TTTD_SERVER_TUN" 5 0.2)
[[ $loss == 100 ]] || lab_fail "a client with an unknown key reached the server ($loss% loss)"
unknown=$(counter handshake-unknown-key)
lab_log "unknown-key client: no tunnel; the server counted $unknown initiations from an unknown key"
(( unknown >= 2 )) || lab_fail "the server did not count the unknown key's initiations ($unknown)"
lab_kill cap-stranger INT; lab_wait_exit cap-stranger 5 || true
answers=$(grep -c " > $stranger\." "$LAB_DIR/cap-stranger.log" || true)
lab_log "datagrams the server sent to the unknown client: $answers"
(( answers == 0 )) || lab_fail "the server answered a client it cannot authenticate ($answers datagrams)"
lab_kill tttd-c1; lab_wait_exit tttd-c1 5 || true

# 2. hostile datagrams from another port
tttd_lab_client 0
tttd_lab_wait_connected 0
client=${LAB_NS_CLIENT[0]}
lab_spawn cap-real "$client" tcpdump -n -i wan0 -w "$LAB_DIR/real.pcap" "udp and dst port $TTTD_PORT"
sleep 1
lab_ping_loss "$client" "$TTTD_SERVER_TUN" 20 0.02 >/dev/null
sleep 0.5
lab_kill cap-real INT; lab_wait_exit cap-real 5 || true
sleep 1   # let pings and probes settle: only probes flow now, and they never reach ttt0
drops () {
  local total=0 name
  for name in rx-malformed rx-unknown-session rx-auth-failed rx-replayed rx-bad-inner rx-no-buffer \
              handshake-bad-mac handshake-failed handshake-replayed; do
    total=$(( total + $(counter "$name") ))
  done
  echo "$total"
}
before_rx=$(tun_rx)
before_drops=$(drops)
before_auth=$(counter rx-auth-failed) before_replay=$(counter rx-replayed) before_bad=$(counter rx-malformed)
lab_spawn cap-answers "$LAB_NS_SERVER" tcpdump -n -l -i up0 "udp and src port $TTTD_PORT"
sleep 1
port=$(ip netns exec "$client" python3 "$LAB_SOURCE_DIR/inject.py" "$LAB_DIR/real.pcap" "$LAB_SERVER_ADDR" "$TTTD_PORT" 250)
sleep 2
lab_kill cap-answers INT; lab_wait_exit cap-answers 5 || true
after_rx=$(tun_rx)
answers=$(grep -c "\.$port: UDP" "$LAB_DIR/cap-answers.log" || true)
auth=$(( $(counter rx-auth-failed) - before_auth ))
replay=$(( $(counter rx-replayed) - before_replay ))
bad=$(( $(counter rx-malformed) - before_bad ))
dropped=$(( $(drops) - before_drops ))
lab_log "1000 hostile datagrams from port $port: $answers answers, $(( after_rx - before_rx )) packets into ttt0; $dropped dropped and counted ($auth forged, $replay replayed, $bad malformed)"
(( answers == 0 )) || lab_fail "the server answered $answers hostile datagrams"
(( after_rx == before_rx )) || lab_fail "$(( after_rx - before_rx )) packets reached the server's tunnel device"
(( dropped == 1000 )) || lab_fail "$dropped of the 1000 hostile datagrams were counted as dropped"
(( auth > 0 && replay > 0 && bad > 0 )) || lab_fail "a kind of drop went uncounted (forged $auth, replayed $replay, malformed $bad)"
loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 20 0.02)
[[ $loss == 0 ]] || lab_fail "the tunnel lost $loss% after the attack"
lab_log "the tunnel still works: $loss% loss"

# 3. an authenticated client that lies about its source: as another peer
# (198.19.0.50, the only address of [peer absent]) or as the server itself;
# nothing of it reaches ttt0, all of it is counted as rx-bad-source, and its
# own address still gets through
sleep 1
before_rx=$(tun_rx) before_bad_source=$(counter rx-bad-source)
for source in 198.19.0.50 "$TTTD_SERVER_TUN" "$(tttd_client_tun 0)"; do
  ip netns exec "$client" python3 "$LAB_SOURCE_DIR/spoof.py" "$source" "$TTTD_SERVER_TUN" 20
done
sleep 1
bad_source=$(( $(counter rx-bad-source) - before_bad_source ))
delivered=$(( $(tun_rx) - before_rx ))
lab_log "20 datagrams each from another peer's address, the server's and the client's own: $bad_source counted as rx-bad-source, $delivered into ttt0"
(( bad_source == 40 )) || lab_fail "$bad_source of the 40 forged sources were counted as rx-bad-source"
(( delivered == 20 )) || lab_fail "$delivered packets reached ttt0, expected the client's own 20"

# 4. prefixes that overlap another peer's or hold the server's address:
# tttd --check refuses them, naming file, line and key
sed -e "s|^address=$(tttd_client_tun 0)/32$|address=198.19.0.48/28|" "$LAB_DIR/server.conf" > "$LAB_DIR/overlap.conf"
line=$(grep -n '^address=198.19.0.48/28$' "$LAB_DIR/overlap.conf" | cut -d: -f1)
out=$("$TTTD_BIN" --check --config "$LAB_DIR/overlap.conf" --config-dir "$LAB_DIR/none" 2>&1) && lab_fail "tttd --check accepted overlapping peers"
lab_log "overlapping peers: $out"
[[ $out == *"overlap.conf:$line: [peer c0] address: 198.19.0.48/28 overlaps 198.19.0.50/32 of [peer absent]"* ]] \
  || lab_fail "tttd --check did not name the file, line and key: $out"

# 5. rekeys under load: a key every 2 s, 600 pings at 10 ms
lab_kill tttd-c0; lab_wait_exit tttd-c0 5 || true
TTTD_CLIENT_TTTD_EXTRA="rekey-after-seconds=2" tttd_lab_client 0
tttd_lab_wait_connected 0
loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 600 0.01)
rekeys=$(grep -c "session keys renewed" "$LAB_DIR/tttd-c0.log" || true)
lab_log "600 pings across $rekeys rekeys: $loss% loss"
(( rekeys >= 3 )) || lab_fail "only $rekeys rekeys in 8 s"
[[ $loss == 0 ]] || lab_fail "lost $loss% of the pings across rekeys"

# 6. a reload that changes a peer keeps the timestamp of its last initiation:
# a recorded one replayed after it gets no answer
lab_spawn cap-init "$client" tcpdump -n -i wan0 -w "$LAB_DIR/init.pcap" "udp and dst port $TTTD_PORT"
sleep 3   # a rekey or two
lab_kill cap-init INT; lab_wait_exit cap-init 5 || true
lab_kill tttd-c0; lab_wait_exit tttd-c0 5 || true
sed -i "s|^address=$(tttd_client_tun 0)/32$|address=$(tttd_client_tun 0)/32;198.19.0.60/32|" "$LAB_DIR/server.conf"
lab_kill tttd-server HUP
lab_wait_for 5 tttd_log_has tttd-server "peer c0 changed" || lab_fail "the reload did not change peer c0"
sleep 1.5   # a handshake the client had in flight when it stopped is counted first
before_replayed=$(counter handshake-replayed) before_handshakes=$(counter handshakes)
ip netns exec "$client" python3 - "$LAB_SOURCE_DIR" "$LAB_DIR/init.pcap" "$LAB_SERVER_ADDR" "$TTTD_PORT" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
from inject import datagrams
initiations = [d for d in datagrams(sys.argv[2], int(sys.argv[4])) if len(d) > 1 and d[1] == 1]
assert initiations, 'no initiation captured'
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(initiations[-1], (sys.argv[3], int(sys.argv[4])))
PY
sleep 1
replayed=$(( $(counter handshake-replayed) - before_replayed ))
answered=$(( $(counter handshakes) - before_handshakes ))
lab_log "a recorded initiation replayed after a reload changed its peer: $replayed counted as replayed, $answered answered"
(( replayed == 1 && answered == 0 )) || lab_fail "the reload forgot peer c0's last initiation ($replayed replayed, $answered answered)"
tttd_lab_pass
