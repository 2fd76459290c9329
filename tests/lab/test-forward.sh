#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# nat=true forwards clients to the Internet only: not to each other, not to
# a private or link-local network behind the server (here the cloud
# metadata address 169.254.169.254 on a network of the server's own; the
# lab's 198.18.0.0/15 is the Internet); [server] forward-to= opens them, on
# a reload. TCP to the Internet host carries partial checksums through the
# tunnel, and each end joins a batch's segments for its TUN write (GRO):
# what leaves the server must have whole ones.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping nft iperf3 ethtool nstat python3
lab_topology --paths 1 --clients 2 --internet
tttd_lab_keys 2
metadata=169.254.169.254
lan=$LAB_PREFIX-lan
lab__ns_add "$lan" 0
lab__veth lan0 "$LAB_NS_SERVER" up0 "$lan"
lab__addr "$LAB_NS_SERVER" lan0 169.254.169.1/24
lab__addr "$lan" up0 "$metadata/24"

TTTD_SERVER_BUS=$(tttd_lab_bus server)
tttd_lab_server "nat=true"
CLIENT_BUS=$(tttd_lab_bus client0)
TTTD_CLIENT_BUS=$CLIENT_BUS tttd_lab_client 0 "route-all=true"
tttd_lab_client 1 "route-all=true"
for c in 0 1; do tttd_lab_wait_connected "$c"; done
client=${LAB_NS_CLIENT[0]}
other=$(tttd_client_tun 1)
# the server itself reaches both: what fails below is the forwarding only
for target in "$other" "$metadata"; do
  loss=$(lab_ping_loss "$LAB_NS_SERVER" "$target" 3 0.2)
  [[ $loss == 0 ]] || lab_fail "the server does not reach $target ($loss% loss)"
done

reach () {
  local internet metadata_loss other_loss
  internet=$(lab_ping_loss "$client" "$LAB_INET_ADDR" 10 0.05)
  other_loss=$(lab_ping_loss "$client" "$other" 5 0.1)
  metadata_loss=$(lab_ping_loss "$client" "$metadata" 5 0.1)
  lab_log "$1: ping loss to the Internet $internet%, to client 1 ($other) $other_loss%, to $metadata $metadata_loss%"
  [[ $internet == 0 ]] || lab_fail "$1: client 0 lost $internet% of its pings to the Internet host"
  [[ $other_loss == "$2" ]] || lab_fail "$1: client 1 ping loss $other_loss%, expected $2%"
  [[ $metadata_loss == "$3" ]] || lab_fail "$1: $metadata ping loss $metadata_loss%, expected $3%"
}
reach "by default" 100 100
rejected=$(ip netns exec "$LAB_NS_SERVER" nft list chain inet tttd_ttt0 forward | grep -c 'counter packets [1-9]' || true)
(( rejected >= 2 )) || lab_fail "the forward chain's reject rules counted nothing: $(ip netns exec "$LAB_NS_SERVER" nft list chain inet tttd_ttt0 forward)"

# forward-to= opens both, on a reload
sed -i "s|^nat=true$|nat=true\nforward-to=198.19.0.0/24;$metadata|" "$LAB_DIR/server.conf"
lab_kill tttd-server HUP
lab_wait_for 5 tttd_log_has tttd-server "configuration reloaded" || lab_fail "the reload failed (see $LAB_DIR/tttd-server.log)"
reach "forward-to=198.19.0.0/24;$metadata" 0 0

# TCP both ways between client 0 and the Internet host, through the
# server's NAT: tttd carries TSO segments with partial checksums, and the
# server's kernel finishes them on the way out. With checksum offload off on
# its uplink it does so in software, before the wire, and the Internet host
# verifies every segment: none may be bad
counter () { tttd_ctl "${2:-$TTTD_SERVER_BUS}" --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('$1', 0))"; }
bad_segments () { ip netns exec "$LAB_NS_INET" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ { print $2 }'; }
ip netns exec "$LAB_NS_SERVER" ethtool -K up0 tx off >/dev/null
lab_iperf_server iperf "$LAB_NS_INET"
for dir in up down; do
  args=()
  [[ $dir == down ]] && args=(-R)
  mbps=$(lab_iperf "$client" "$LAB_INET_ADDR" 2 "${args[@]}") || lab_fail "no TCP $dir between client 0 and the Internet host"
  lab_log "TCP $dir between client 0 and the Internet host: $mbps Mbit/s"
done
bad=$(bad_segments)
[[ $bad == 0 ]] || lab_fail "the Internet host got $bad TCP segments with a bad checksum"
for name in rx-csum-partial tx-csum-partial; do
  n=$(counter "$name")
  lab_log "server $name: $n"
  (( n > 0 )) || lab_fail "the server's $name is 0: no partial checksums crossed the tunnel"
done
# the upload's segments joined on the server, the download's on the client
for end in server client; do
  bus=$TTTD_SERVER_BUS
  [[ $end == client ]] && bus=$CLIENT_BUS
  packets=$(counter tun-gro-packets "$bus")
  segments=$(counter tun-gro-segments "$bus")
  lab_log "$end: $segments segments written to TUN as $packets TSO packets"
  (( packets > 0 && segments >= 2 * packets )) || lab_fail "the $end joined no segments for its TUN ($packets packets, $segments segments)"
done
tttd_lab_pass
