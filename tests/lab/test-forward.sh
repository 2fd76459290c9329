#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# nat=true forwards clients to the Internet only: not to each other, not to
# a private or link-local network behind the server (here the cloud
# metadata address 169.254.169.254 on a network of the server's own; the
# lab's 198.18.0.0/15 is the Internet); [server] forward-to= opens them, on
# a reload.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping nft
lab_topology --paths 1 --clients 2 --internet
tttd_lab_keys 2
metadata=169.254.169.254
lan=$LAB_PREFIX-lan
lab__ns_add "$lan" 0
lab__veth lan0 "$LAB_NS_SERVER" up0 "$lan"
lab__addr "$LAB_NS_SERVER" lan0 169.254.169.1/24
lab__addr "$lan" up0 "$metadata/24"

tttd_lab_server "nat=true"
for c in 0 1; do tttd_lab_client "$c" "route-all=true"; done
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
tttd_lab_pass
