#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# route-all through the bond and out of the server's NAT; the tunnel MTU
# follows a 1280-byte link; the kill switch; addresses from the server's
# pool; and the machine's routing left exactly as it was found, also after
# a SIGKILL (by the next start, and by tttd --cleanup).
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping iperf3 tcpdump nft
lab_topology --paths 2 --clients 2 --internet
# path 1 of client 0 carries 1280-byte packets at most
for side in client router; do
  ip -n "$(lab_path_ns 0 1 "$side")" link set "$(lab_path_iface 0 1 "$side")" mtu 1280
done
tttd_lab_keys 2
snapshot () {
  { ip -n "$1" rule; ip -n "$1" -6 rule; ip -n "$1" route show table all; ip -n "$1" -6 route show table all
    # the lab's own table (black-holing) is not tttd's business
    ip netns exec "$1" nft list ruleset | awk '/^table netdev tlab/ { skip = 1 } !skip { print } skip && /^}/ { skip = 0 }'
    ip netns exec "$1" sysctl net.ipv4.ip_forward; } 2>&1 | sort
}
client=${LAB_NS_CLIENT[0]}
snapshot "$client" > "$LAB_DIR/client.before"
snapshot "$LAB_NS_SERVER" > "$LAB_DIR/server.before"

# both clients take their tunnel address from the server's pool
TTTD_POOLED="0 1" tttd_lab_server "nat=true" "pool=198.19.0.0/24"
for c in 0 1; do TTTD_POOLED="0 1" tttd_lab_client "$c" "route-all=true" "kill-switch=true"; done
for c in 0 1; do tttd_lab_wait_connected "$c"; done
a0=$(ip -n "$client" -4 -o addr show ttt0 | awk '{ print $4 }')
a1=$(ip -n "${LAB_NS_CLIENT[1]}" -4 -o addr show ttt0 | awk '{ print $4 }')
lab_log "pool: client 0 got $a0, client 1 got $a1"
[[ -n $a0 && -n $a1 && $a0 != "$a1" ]] || lab_fail "the pool gave '$a0' and '$a1'"

# route-all: the internet host answers, sees the server's address, and the
# links carry nothing but the tunnel's UDP
for i in 0 1; do
  lab_spawn "cap-wan$i" "$client" tcpdump -n -l -i "wan$i" "not (udp and port $TTTD_PORT) and not arp"
done
lab_spawn cap-inet "$LAB_NS_INET" tcpdump -n -l -i up0 icmp
sleep 1
for c in 0 1; do
  loss=$(lab_ping_loss "${LAB_NS_CLIENT[c]}" "$LAB_INET_ADDR" 10 0.05)
  [[ $loss == 0 ]] || lab_fail "client $c lost $loss% of its pings to the internet host"
done
sleep 0.5
for name in cap-wan0 cap-wan1 cap-inet; do lab_kill "$name" INT; lab_wait_exit "$name" 5 || true; done
seen=$(grep -c "ICMP echo request" "$LAB_DIR/cap-inet.log" || true)
from_server=$(grep -c "IP $LAB_SERVER_ADDR > $LAB_INET_ADDR: ICMP echo request" "$LAB_DIR/cap-inet.log" || true)
lab_log "the internet host saw $seen echo requests, $from_server of them from the server's address"
(( seen == 20 && from_server == 20 )) || lab_fail "the internet host did not see the clients behind the server's NAT"
leaks=$(cat "$LAB_DIR/cap-wan0.log" "$LAB_DIR/cap-wan1.log" | grep -c " IP6\? " || true)
lab_log "packets on the client's links other than the tunnel's: $leaks"
(( leaks == 0 )) || lab_fail "traffic left the client outside the tunnel: $(head -3 "$LAB_DIR/cap-wan0.log" "$LAB_DIR/cap-wan1.log")"

# the 1280-byte link sets the tunnel MTU, and TCP gets through
mtu=$(ip -n "$client" -o link show ttt0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
lab_log "tunnel MTU with a 1280-byte link: $mtu"
(( mtu == 1280 - 28 - 48 )) || lab_fail "the tunnel MTU is $mtu, not $(( 1280 - 76 ))"
# forwarded SYNs are clamped to what the tunnel carries, per IP version
ruleset=$(ip netns exec "$client" nft list table inet tttd_ttt0)
for want in "ipv4 oifname \"ttt0\" .* maxseg size set $(( mtu - 40 ))" \
            "ipv6 oifname \"ttt0\" .* maxseg size set $(( mtu - 60 ))" \
            "ipv4 iifname \"ttt0\" .* maxseg size set $(( mtu - 40 ))"; do
  grep -Eq "$want" <<<"$ruleset" || lab_fail "no MSS clamp rule like '$want' in: $ruleset"
done
lab_iperf_server iperf "$LAB_NS_INET"
rate=$(lab_iperf "$client" "$LAB_INET_ADDR" 3) || lab_fail "TCP to the internet host stalled"
lab_log "TCP to the internet host through the tunnel: $rate Mbit/s"
awk -v r="$rate" 'BEGIN { exit !(r > 5) }' || lab_fail "TCP to the internet host: only $rate Mbit/s"
rate=$(lab_iperf "$client" "$LAB_INET_ADDR" 3 -R) || lab_fail "TCP from the internet host stalled"
lab_log "TCP from the internet host through the tunnel: $rate Mbit/s"

# kill switch: every link black-holed, nothing leaves outside the tunnel
for i in 0 1; do lab_path_blackhole 0 "$i" on; done
sleep 1
for i in 0 1; do
  lab_spawn "ks-wan$i" "$client" tcpdump -n -l -i "wan$i" "not (udp and port $TTTD_PORT) and not arp"
done
sleep 1
loss=$(lab_ping_loss "$client" "$LAB_INET_ADDR" 5 0.2)
ip netns exec "$client" timeout 3 bash -c "exec 3<>/dev/tcp/$LAB_INET_ADDR/5201" 2>/dev/null && lab_fail "TCP got out with every link down"
for i in 0 1; do lab_kill "ks-wan$i" INT; lab_wait_exit "ks-wan$i" 5 || true; done
leaks=$(cat "$LAB_DIR/ks-wan0.log" "$LAB_DIR/ks-wan1.log" | grep -c " IP6\? " || true)
lab_log "kill switch, links black-holed: ping loss $loss%, $leaks packets outside the tunnel"
(( leaks == 0 )) || lab_fail "the kill switch leaked $leaks packets"
for i in 0 1; do lab_path_blackhole 0 "$i" off; done

# SIGKILL, restart: the leftovers go, nothing is doubled
rules=$(ip -n "$client" rule | wc -l)
lab_kill tttd-c0 KILL
lab_wait_exit tttd-c0 5 || true
TTTD_POOLED="0 1" tttd_lab_client 0 "route-all=true" "kill-switch=true"
tttd_lab_wait_connected 0
tttd_log_has tttd-c0 "earlier tttd left behind" || lab_fail "the restart did not clean up after the killed client"
(( $(ip -n "$client" rule | wc -l) == rules )) || lab_fail "rules doubled after SIGKILL and restart: $(ip -n "$client" rule)"
(( $(ip netns exec "$client" nft list tables | grep -c tttd) == 1 )) || lab_fail "nftables tables doubled"

# SIGKILL, then tttd --cleanup (the unit's ExecStopPost=): the kill switch,
# rules and routes go, as after a clean stop; a second one finds nothing
lab_kill tttd-c0 KILL
lab_wait_exit tttd-c0 5 || true
ip netns exec "$client" "$TTTD_BIN" --cleanup --config "$LAB_DIR/client0.conf" > "$LAB_DIR/cleanup.log" 2>&1 \
  || lab_fail "tttd --cleanup failed: $(cat "$LAB_DIR/cleanup.log")"
grep -q "removed what the last tttd left: the nftables table inet tttd_ttt0 and [0-9]* routes and rules" "$LAB_DIR/cleanup.log" \
  || lab_fail "tttd --cleanup did not say what it removed: $(cat "$LAB_DIR/cleanup.log")"
lab_log "after SIGKILL: $(cat "$LAB_DIR/cleanup.log")"
snapshot "$client" > "$LAB_DIR/client.cleaned"
diff -u "$LAB_DIR/client.before" "$LAB_DIR/client.cleaned" || lab_fail "the client's routing differs after SIGKILL and tttd --cleanup"
ip netns exec "$client" "$TTTD_BIN" --cleanup --config "$LAB_DIR/client0.conf" > "$LAB_DIR/cleanup2.log" 2>&1 \
  || lab_fail "a second tttd --cleanup failed: $(cat "$LAB_DIR/cleanup2.log")"
[[ ! -s $LAB_DIR/cleanup2.log ]] || lab_fail "a second tttd --cleanup found something: $(cat "$LAB_DIR/cleanup2.log")"
# on a running tttd it removes nothing
ip netns exec "${LAB_NS_CLIENT[1]}" "$TTTD_BIN" --cleanup --config "$LAB_DIR/client1.conf" > "$LAB_DIR/cleanup3.log" 2>&1 \
  && lab_fail "tttd --cleanup beside a running tttd succeeded"
(( $(ip netns exec "${LAB_NS_CLIENT[1]}" nft list tables | grep -c tttd) == 1 )) || lab_fail "tttd --cleanup removed a running tttd's table"
TTTD_POOLED="0 1" tttd_lab_client 0 "route-all=true" "kill-switch=true"
tttd_lab_wait_connected 0

# stop: everything as it was
for name in tttd-c0 tttd-c1 tttd-server; do lab_kill "$name"; done
for name in tttd-c0 tttd-c1 tttd-server; do lab_wait_exit "$name" 10 || lab_fail "$name did not stop"; done
snapshot "$client" > "$LAB_DIR/client.after"
snapshot "$LAB_NS_SERVER" > "$LAB_DIR/server.after"
diff -u "$LAB_DIR/client.before" "$LAB_DIR/client.after" || lab_fail "the client's routing differs after stop"
diff -u "$LAB_DIR/server.before" "$LAB_DIR/server.after" || lab_fail "the server's routing, nftables or forwarding differ after stop"
lab_log "rules, routes, nftables and forwarding are as before"
tttd_lab_pass
