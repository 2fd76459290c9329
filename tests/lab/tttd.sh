# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# tttd.sh: tttd in the lab. Source lab.sh, then this:
#
#   tttd_lab_keys 2                       # a server key and keys for 2 clients
#   tttd_lab_server                       # [peer cN] for every client key
#   tttd_lab_client 0                     # client 0 bonds all its wanI paths
#   tttd_lab_wait_connected 0
#   lab_exec "${LAB_NS_CLIENT[0]}" ping "$TTTD_SERVER_TUN"
#
# Tunnel addresses: server 198.19.0.1/24, client c 198.19.0.(10 + c);
# IPv6 2001:2:0:ff00::1/64 and ::(a + c).

TTTD_SERVER_TUN=198.19.0.1
TTTD_SERVER_TUN6=2001:2:0:ff00::1
TTTD_PORT=5800

tttd_find_build () {
  local candidate
  for candidate in ${TTTD_BUILD_DIR:-} $(ls -td "$LAB_SOURCE_DIR"/../../build*/ 2>/dev/null); do
    if [[ -x $candidate/src/daemon/tttd && -x $candidate/src/ctl/tttctl ]]; then
      TTTD_BUILD_DIR=$(cd "$candidate" && pwd)
      TTTD_BIN=$TTTD_BUILD_DIR/src/daemon/tttd
      TTTCTL_BIN=$TTTD_BUILD_DIR/src/ctl/tttctl
      export TTTD_BUILD_DIR TTTD_BIN TTTCTL_BIN
      return 0
    fi
  done
  lab_fail "tttd is not built: set TTTD_BUILD_DIR (meson compile -C BUILD)"
}

tttd_client_tun () { echo "198.19.0.$(( 10 + $1 ))"; }
tttd_client_tun6 () { printf '2001:2:0:ff00::%x\n' $(( 10 + $1 )); }

# tttd_lab_keys N: $LAB_DIR/keys/server.key and cC.key, mode 600
tttd_lab_keys () {
  local n=$1 c
  tttd_find_build
  mkdir -p "$LAB_DIR/keys"
  (umask 077
   "$TTTCTL_BIN" genkey > "$LAB_DIR/keys/server.key"
   for (( c = 0; c < n; c++ )); do "$TTTCTL_BIN" genkey > "$LAB_DIR/keys/c$c.key"; done)
  TTTD_CLIENT_KEYS=$n
}

tttd_pubkey () { "$TTTCTL_BIN" pubkey < "$LAB_DIR/keys/$1.key"; }

# tttd_lab_bus NAME: a private bus built like Debian's system bus but open
# to all (the D-Bus tests load the real policy instead); prints its address
tttd_lab_bus () {
  local name=$1 dir=$LAB_DIR/bus-$1
  mkdir -p "$dir"
  cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
  lab_spawn "bus-$name" "$LAB_NS_ROUTER" dbus-daemon --nofork --nopidfile --config-file="$dir/bus.conf"
  lab_wait_for 5 test -S "$dir/socket" || lab_fail "bus $name did not start"
  echo "unix:path=$dir/socket"
}

# tttd_lab_server [CONFIG LINES...]: extra lines go at the end of [server];
# groups may follow ("[peer x]" ...). TTTD_SERVER_BUS=address serves D-Bus.
# A second server of the same user base (same key, same peers): set
# TTTD_SERVER_NAME (process and file names, default tttd-server and
# server.conf), TTTD_SERVER_NS and TTTD_SERVER_ADDR (its namespace and
# listening address, default the lab's server)
tttd_lab_server () {
  local name=${TTTD_SERVER_NAME:-tttd-server} ns=${TTTD_SERVER_NS:-$LAB_NS_SERVER}
  local addr=${TTTD_SERVER_ADDR:-$LAB_SERVER_ADDR} conf=$LAB_DIR/server.conf c bus_args=(--no-bus)
  [[ $name == tttd-server ]] || conf=$LAB_DIR/$name.conf
  {
    echo "[tttd]"
    echo "mode=server"
    echo "tun=ttt0"
    echo "address=$TTTD_SERVER_TUN/24$( (( ${LAB_IPV6:-0} )) && echo ";$TTTD_SERVER_TUN6/64")"
    echo "private-key-file=$LAB_DIR/keys/server.key"
    echo "strategy=${TTTD_SERVER_STRATEGY:-adaptive}"
    echo "[server]"
    echo "listen=$addr:$TTTD_PORT$( (( ${LAB_IPV6:-0} )) && echo ";[$LAB_SERVER_ADDR6]:$TTTD_PORT")"
    printf '%s\n' "$@"
    for (( c = 0; c < ${TTTD_CLIENT_KEYS:-0}; c++ )); do
      [[ " ${TTTD_POOLED:-} " == *" $c "* ]] && { printf '[peer c%d]\npublic-key=%s\n' "$c" "$(tttd_pubkey "c$c")"; continue; }
      printf '[peer c%d]\npublic-key=%s\naddress=%s/32%s\n' "$c" "$(tttd_pubkey "c$c")" \
             "$(tttd_client_tun "$c")" "$( (( ${LAB_IPV6:-0} )) && echo ";$(tttd_client_tun6 "$c")/128")"
    done
  } > "$conf"
  [[ -n ${TTTD_SERVER_BUS:-} ]] && bus_args=()
  lab_spawn "$name" "$ns" env ${TTTD_SERVER_BUS:+DBUS_SYSTEM_BUS_ADDRESS=$TTTD_SERVER_BUS} \
    ${TTTD_WRAPPER:-} "$TTTD_BIN" --config "$conf" --verbose ${TTTD_SERVER_DEBUG:+--debug} "${bus_args[@]}"
  lab_wait_for 5 ip -n "$ns" link show ttt0 \
    || lab_fail "the server did not start (see $LAB_DIR/$name.log)"
}

# tttd_lab_client C [CONFIG LINES...]: client C bonding all its paths as
# static links; extra lines go at the end of [client]. TTTD_CLIENT_BUS=address
# serves D-Bus; TTTD_CLIENT_STRATEGY picks the strategy; TTTD_CLIENT_SERVER
# replaces the server= endpoint list.
tttd_lab_client () {
  local c=$1 conf=$LAB_DIR/client$1.conf i links= server=$LAB_SERVER_ADDR:$TTTD_PORT bus_args=(--no-bus) address
  shift
  for (( i = 0; i < LAB_PATHS; i++ )); do links+="${links:+;}wan$i"; done
  (( ${TTTD_CLIENT_IPV6:-0} )) && server="[$LAB_SERVER_ADDR6]:$TTTD_PORT"
  [[ -n ${TTTD_CLIENT_SERVER:-} ]] && server=$TTTD_CLIENT_SERVER
  address="$(tttd_client_tun "$c")/24"
  (( ${LAB_IPV6:-0} )) && address+=";$(tttd_client_tun6 "$c")/64"
  [[ " ${TTTD_POOLED:-} " == *" $c "* ]] && address=
  {
    echo "[tttd]"
    echo "mode=client"
    echo "tun=ttt0"
    [[ -n $address ]] && echo "address=$address"
    echo "private-key-file=$LAB_DIR/keys/c$c.key"
    echo "strategy=${TTTD_CLIENT_STRATEGY:-adaptive}"
    [[ -n ${TTTD_CLIENT_TTTD_EXTRA:-} ]] && echo "$TTTD_CLIENT_TTTD_EXTRA"
    echo "[links]"
    echo "networkmanager=$( (( ${TTTD_CLIENT_NM:-0} )) && echo true || echo false)"
    echo "static=${TTTD_CLIENT_LINKS-$links}"
    echo "[client]"
    echo "server=$server"
    echo "server-public-key=$(tttd_pubkey server)"
    printf '%s\n' "$@"
  } > "$conf"
  [[ -n ${TTTD_CLIENT_BUS:-} ]] && bus_args=()
  lab_spawn "tttd-c$c" "${LAB_NS_CLIENT[c]}" env ${TTTD_CLIENT_BUS:+DBUS_SYSTEM_BUS_ADDRESS=$TTTD_CLIENT_BUS} \
    ${TTTD_WRAPPER:-} "$TTTD_BIN" --config "$conf" --verbose ${TTTD_CLIENT_DEBUG:+--debug} "${bus_args[@]}"
  lab_wait_for 5 ip -n "${LAB_NS_CLIENT[c]}" link show ttt0 \
    || lab_fail "client $c did not start (see $LAB_DIR/tttd-c$c.log)"
}

tttd__pings () { ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }

# tttd_lab_wait_connected C [SECONDS]: the client reaches the server's tunnel address
tttd_lab_wait_connected () {
  lab_wait_for "${2:-10}" tttd__pings "${LAB_NS_CLIENT[$1]}" "$TTTD_SERVER_TUN" \
    || lab_fail "client $1 never reached $TTTD_SERVER_TUN through the tunnel (see $LAB_DIR/tttd-c$1.log)"
}

# tttd_log_has NAME REGEX: the daemon NAME logged a line matching REGEX
tttd_log_has () { grep -Eq "$2" "$LAB_DIR/$1.log"; }

# tttd_ctl BUS ARGS...: tttctl against a daemon on a lab bus
tttd_ctl () {
  local bus=$1
  shift
  DBUS_SYSTEM_BUS_ADDRESS=$bus "$TTTCTL_BIN" "$@"
}

# tttd_lab_pass: stop every tttd the test started (so that LeakSanitizer
# reports), fail on any sanitizer report in their logs, then log PASS
tttd_lab_pass () {
  local name f
  for name in "${!LAB_PIDS[@]}"; do
    [[ $name == tttd-* ]] && lab_kill "$name" TERM
  done
  for name in "${!LAB_PIDS[@]}"; do
    [[ $name == tttd-* ]] && { lab_wait_exit "$name" 10 || true; }
  done
  for f in "$LAB_DIR"/tttd-*.log; do
    [[ -f $f ]] || continue
    if grep -Eq "ERROR: (Address|Leak)Sanitizer|runtime error:" "$f"; then
      grep -E -A15 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$f" | head -40 >&2
      lab_fail "a sanitizer reported a bug in $(basename "$f" .log)"
    fi
  done
  lab_log "PASS"
}
