# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# nm.sh: a real NetworkManager in a lab namespace, on a private system bus
# (recipe: shared/notes/lab.md). Source lab.sh and tttd.sh first.
#
#   nm_start NS          # NM_BUS is the bus address for nmcli, tttd, busctl
#   nm_cli ARGS...       # nmcli against it
#   nm_stop / nm_start   # a NetworkManager restart

nm_start () {
  local ns=$1 dir=$LAB_DIR/nm
  lab_require NetworkManager nmcli dbus-daemon unshare
  mkdir -p "$dir/connections" && chmod 700 "$dir/connections"
  if [[ -z ${NM_BUS:-} ]]; then
    NM_BUS=$(tttd_lab_bus nm)
    export NM_BUS
  fi
  cat > "$dir/NetworkManager.conf" <<CONF
[main]
plugins=keyfile
no-auto-default=*
[keyfile]
path=$dir/connections
[logging]
level=INFO
CONF
  mkdir -p /run/NetworkManager /var/lib/NetworkManager
  NM_NS=$ns
  # a read-only /sys makes NetworkManager take devices as initialised without
  # udev; its state lives in tmpfs, away from the host's
  lab_spawn networkmanager "$ns" unshare -m --propagation private sh -c "
    mount -o remount,ro /sys &&
    mount -t tmpfs tmpfs /run/NetworkManager &&
    mount -t tmpfs tmpfs /var/lib/NetworkManager &&
    exec env DBUS_SYSTEM_BUS_ADDRESS=$NM_BUS NetworkManager --no-daemon --config=$dir/NetworkManager.conf"
  lab_wait_for 15 nm_cli general status || lab_fail "NetworkManager did not start (see $LAB_DIR/networkmanager.log)"
}

nm_stop () {
  lab_kill networkmanager TERM
  lab_wait_exit networkmanager 10 || true
}

nm_cli () { DBUS_SYSTEM_BUS_ADDRESS=$NM_BUS ip netns exec "$NM_NS" nmcli "$@"; }

# nm_device_state IFACE: NetworkManager's state number (100: activated)
nm_device_state () { nm_cli -g GENERAL.STATE device show "$1" 2>/dev/null | cut -d' ' -f1; }
nm_activated () { [[ $(nm_device_state "$1") == 100 ]]; }

# nm_plug NAME NET: a veth "modem" NAME in the client with 198.18.NET.2/24,
# its far end on the router (198.18.NET.1), and a NetworkManager profile
nm_plug () {
  local name=$1 net=$2 peer=m$2
  ip link add "$name" netns "$NM_NS" type veth peer name "$peer" netns "$LAB_NS_ROUTER"
  ip -n "$LAB_NS_ROUTER" addr add "198.18.$net.1/24" dev "$peer"
  ip -n "$LAB_NS_ROUTER" link set "$peer" up
  nm_manage "$name" "$net"
}

# nm_manage NAME NET: NetworkManager manages NAME with 198.18.NET.2/24
nm_manage () {
  local name=$1 net=$2
  ip -n "$NM_NS" link set "$name" up
  lab_wait_for 5 nm_cli device set "$name" managed yes || lab_fail "NetworkManager does not see $name"
  if ! nm_cli -g NAME connection show | grep -qx "$name"; then
    nm_cli connection add type ethernet ifname "$name" con-name "$name" ipv4.method manual \
      ipv4.addresses "198.18.$net.2/24" ipv4.gateway "198.18.$net.1" ipv6.method disabled \
      ${NM_PROFILE_EXTRA:-} >/dev/null || lab_fail "cannot add a profile for $name"
  fi
}
