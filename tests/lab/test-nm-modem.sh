#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# A ModemManager modem, which veth cannot imitate, from python3-dbusmock's
# NetworkManager template: tttd bonds its IP interface (not its control
# port), takes it as metered, drops it when it is unplugged and takes it
# back when it is plugged in again.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require ping
/usr/bin/python3 -c "import dbusmock" 2>/dev/null || lab_skip "python3-dbusmock is not installed"
lab_topology --paths 1
client=${LAB_NS_CLIENT[0]}
BUS=$(tttd_lab_bus mock)
lab_spawn nm-mock "$LAB_NS_ROUTER" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" /usr/bin/python3 -m dbusmock --system --template networkmanager
lab_wait_for 10 env DBUS_SYSTEM_BUS_ADDRESS="$BUS" busctl --system status org.freedesktop.NetworkManager \
  || lab_fail "the NetworkManager mock did not start"
modem () { DBUS_SYSTEM_BUS_ADDRESS=$BUS /usr/bin/python3 "$LAB_SOURCE_DIR/nm-mock-modem.py" "$@"; }
link_field () {
  tttd_ctl "$BUS" --json links | /usr/bin/python3 -c "
import json, sys
links = [l for l in json.load(sys.stdin) if l['interface'] == '$1']
print(links[0]['$2'] if links else 'none')"
}
has_state () { [[ $(link_field "$1" state) == "$2" ]]; }
gone () { [[ $(link_field "$1" state) == none ]]; }

tttd_lab_keys 1
tttd_lab_server
TTTD_CLIENT_BUS=$BUS TTTD_CLIENT_LINKS= TTTD_CLIENT_NM=1 tttd_lab_client 0
sleep 1
# the modem: control port cdc-wdm0, IP interface wan0 (the lab's path)
modem add wan0 "$(lab_path_addr 0 0 client)/24" "$(lab_path_addr 0 0 router)"
tttd_lab_wait_connected 0 10
lab_wait_for 5 has_state wan0 up || lab_fail "the modem's IP interface wan0 did not come up in the bond"
[[ $(link_field cdc-wdm0 state) == none ]] || lab_fail "tttd bonded the modem's control port"
[[ $(link_field wan0 source) == networkmanager ]] || lab_fail "wan0 is not from NetworkManager"
[[ $(link_field wan0 metered) == True ]] || lab_fail "the modem is not metered"
lab_log "the modem joined as wan0 (its IP interface), metered, from NetworkManager"

loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 10 0.05)
[[ $loss == 0 ]] || lab_fail "the tunnel over the modem lost $loss%"
modem remove
lab_wait_for 3 gone wan0 || lab_fail "the removed modem stayed in the bond"
lab_log "unplugged: it left the bond"
modem add wan0 "$(lab_path_addr 0 0 client)/24" "$(lab_path_addr 0 0 router)"
lab_wait_for 5 has_state wan0 up || lab_fail "the modem did not come back when plugged in again"
loss=$(lab_ping_loss "$client" "$TTTD_SERVER_TUN" 10 0.05)
[[ $loss == 0 ]] || lab_fail "the tunnel over the modem lost $loss% after it came back"
lab_log "plugged in again: it is back, ping $loss% loss"
tttd_lab_pass
