#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# The installed bus policy (data/org.tuntuntun.Tttd1.conf) on a system bus
# built like Debian's: nobody may read tttd's state (State, Links, the
# objects) but every method call is refused by the bus with AccessDenied,
# before tttd sees it; root may call them. The busctl and gdbus commands of
# README.md's "## D-Bus API" section (and of dbus-commands.sh) work verbatim
# against a running client and server, and tttctl's JSON parses.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require busctl gdbus dbus-daemon setpriv python3 timeout
# the system's python (it has GObject introspection); else the one on PATH
PYTHON3=/usr/bin/python3
[[ -x $PYTHON3 ]] || PYTHON3=$(command -v python3)
TOP=$(cd "$LAB_SOURCE_DIR/../.." && pwd)
# TTTD_DBUS_POLICY: another policy file (the installed one); TTTD_README: another README
POLICY=${TTTD_DBUS_POLICY:-$TOP/data/org.tuntuntun.Tttd1.conf}
README=${TTTD_README:-$TOP/README.md}
COMMANDS=$LAB_SOURCE_DIR/dbus-commands.sh
[[ -f $POLICY ]] || lab_fail "no bus policy at $POLICY"
NAME=org.tuntuntun.Tttd1
OBJ=/org/tuntuntun/Tttd1
MANAGER=org.tuntuntun.Tttd1.Manager
LINK0=$OBJ/Link/0

# the sockets live outside $LAB_DIR (mode 700): nobody must reach them
BUS_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/tl-dbus.XXXXXX")
chmod 755 "$BUS_ROOT"
# (the buses go first: they would complain of their config files vanishing)
lab_on_cleanup "lab_kill bus-server; lab_kill bus-client; sleep 0.2; rm -rf '$BUS_ROOT'"

# policy_bus NAME: a private bus with Debian's system bus policy
# (/usr/share/dbus-1/system.conf: own and method calls denied by default,
# replies and signals allowed) whose system.d holds only tttd's installed
# policy file; sets BUS to its address
policy_bus () {
  local dir=$BUS_ROOT/$1
  mkdir -p "$dir/system.d"
  chmod 755 "$dir"
  cp "$POLICY" "$dir/system.d/"
  cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus" />
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Containers1"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus.Debug.Stats"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.systemd1.Activator"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>$dir/system.d</includedir>
</busconfig>
CONF
  lab_spawn "bus-$1" "$LAB_NS_ROUTER" dbus-daemon --nofork --nopidfile --config-file="$dir/bus.conf"
  lab_wait_for 5 test -S "$dir/socket" || lab_fail "bus $1 did not start (see $LAB_DIR/bus-$1.log)"
  chmod 666 "$dir/socket"
  BUS=unix:path=$dir/socket
}

as_root () { local bus=$1; shift; env DBUS_SYSTEM_BUS_ADDRESS="$bus" "$@"; }
as_nobody () {
  local bus=$1; shift
  setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ DBUS_SYSTEM_BUS_ADDRESS="$bus" "$@"
}
is_json () { "$PYTHON3" -c 'import json, sys; json.load(sys.stdin)'; }
owned () { as_root "$1" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" State; }
strategy () { as_root "$CLIENT_BUS" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" Strategy; }

lab_topology --paths 1
policy_bus server
SERVER_BUS=$BUS
policy_bus client
CLIENT_BUS=$BUS
tttd_lab_keys 1
TTTD_SERVER_BUS=$SERVER_BUS tttd_lab_server
TTTD_CLIENT_BUS=$CLIENT_BUS tttd_lab_client 0
tttd_lab_wait_connected 0
lab_wait_for 5 owned "$CLIENT_BUS" || lab_fail "the client does not own $NAME on its bus (see $LAB_DIR/tttd-c0.log)"
lab_wait_for 5 owned "$SERVER_BUS" || lab_fail "the server does not own $NAME on its bus (see $LAB_DIR/tttd-server.log)"
connected () { [[ $(owned "$CLIENT_BUS") == 's "connected"' ]]; }
lab_wait_for 10 connected || lab_fail "the client's State is $(owned "$CLIENT_BUS"), not connected"
lab_log "client and server serve $NAME on buses with the installed policy"

# 1. nobody reads
out=$(as_nobody "$CLIENT_BUS" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" State 2>&1) \
  || lab_fail "nobody cannot read State: $out"
[[ $out == 's "connected"' ]] || lab_fail "State as nobody: $out"
out=$(as_nobody "$CLIENT_BUS" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" Links 2>&1) \
  || lab_fail "nobody cannot read Links: $out"
[[ $out == "ao 1 \"$LINK0\"" ]] || lab_fail "Links as nobody: $out"
out=$(as_nobody "$CLIENT_BUS" gdbus call --system --dest "$NAME" --object-path "$OBJ" \
        --method org.freedesktop.DBus.Properties.Get "$MANAGER" Links 2>&1) \
  || lab_fail "nobody cannot Get Links with gdbus: $out"
[[ $out == *"$LINK0"* ]] || lab_fail "Links via gdbus as nobody: $out"
out=$(as_nobody "$CLIENT_BUS" gdbus call --system --dest "$NAME" --object-path "$OBJ" \
        --method org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>&1) \
  || lab_fail "nobody cannot call GetManagedObjects: $out"
[[ $out == *"$LINK0"*"'Interface': <'wan0'>"* ]] || lab_fail "GetManagedObjects as nobody: $out"
as_nobody "$CLIENT_BUS" gdbus call --system --dest "$NAME" --object-path "$LINK0" \
  --method org.freedesktop.DBus.Properties.GetAll org.tuntuntun.Tttd1.Link >/dev/null \
  || lab_fail "nobody cannot GetAll of a link"
as_nobody "$CLIENT_BUS" gdbus introspect --system --dest "$NAME" --object-path "$OBJ" >/dev/null \
  || lab_fail "nobody cannot introspect"
as_nobody "$CLIENT_BUS" gdbus call --system --dest "$NAME" --object-path "$OBJ" \
  --method org.freedesktop.DBus.Peer.Ping >/dev/null || lab_fail "nobody cannot ping"
for what in status links; do
  out=$(as_nobody "$CLIENT_BUS" "$TTTCTL_BIN" --json "$what" 2>&1) || lab_fail "nobody: tttctl --json $what failed: $out"
  is_json <<<"$out" || lab_fail "nobody: tttctl --json $what is not JSON: $out"
done
lab_log "nobody reads State, Links, the objects and tttctl --json status/links"

# 2. nobody changes nothing: the bus refuses every method
before=$(strategy)
denied () {
  local what=$1 out
  shift
  if out=$(as_nobody "$CLIENT_BUS" gdbus call --system --dest "$NAME" "$@" 2>&1); then
    lab_fail "nobody could $what: $out"
  fi
  # tttd would say org.tuntuntun.Tttd1.Error.NotPermitted; the bus says this
  [[ $out == *org.freedesktop.DBus.Error.AccessDenied*"Rejected send message"* ]] \
    || lab_fail "nobody's $what was not refused by the bus: $out"
}
denied SetStrategy --object-path "$OBJ" --method "$MANAGER.SetStrategy" redundant
denied AddLink --object-path "$OBJ" --method "$MANAGER.AddLink" wan9 "@a{sv} {}"
denied RemoveLink --object-path "$OBJ" --method "$MANAGER.RemoveLink" "$LINK0"
denied Reload --object-path "$OBJ" --method "$MANAGER.Reload"
denied SetWeight --object-path "$LINK0" --method org.tuntuntun.Tttd1.Link.SetWeight 5
denied SetPriority --object-path "$LINK0" --method org.tuntuntun.Tttd1.Link.SetPriority 5
denied SetEnabled --object-path "$LINK0" --method org.tuntuntun.Tttd1.Link.SetEnabled false
denied Properties.Set --object-path "$OBJ" --method org.freedesktop.DBus.Properties.Set \
  "$MANAGER" Strategy "<'redundant'>"
if out=$(as_nobody "$CLIENT_BUS" busctl --system call "$NAME" "$OBJ" "$MANAGER" SetStrategy s redundant 2>&1); then
  lab_fail "nobody could SetStrategy with busctl: $out"
fi
[[ $out == *"Rejected send message"* || $out == *"Access denied"* ]] || lab_fail "busctl SetStrategy as nobody: $out"
# a method call without an interface field matches the policy's deny rules too
if "$PYTHON3" -c 'import gi' 2>/dev/null; then
  out=$(as_nobody "$CLIENT_BUS" "$PYTHON3" - "$NAME" "$OBJ" <<'PY' 2>&1
import sys
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
msg = Gio.DBusMessage.new_method_call(sys.argv[1], sys.argv[2], None, "SetStrategy")
msg.set_body(GLib.Variant("(s)", ("redundant",)))
reply, _ = bus.send_message_with_reply_sync(msg, Gio.DBusSendMessageFlags.NONE, 5000, None)
print(reply.get_error_name() or "no error")
PY
  ) || lab_fail "the interface-less call did not run: $out"
  [[ $out == org.freedesktop.DBus.Error.AccessDenied ]] || lab_fail "nobody's SetStrategy without an interface: $out"
else
  lab_log "python3-gi missing: the interface-less call is not tried"
fi
out=$(as_nobody "$CLIENT_BUS" gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.RequestName "$NAME" 4 2>&1) && lab_fail "nobody could request $NAME: $out"
[[ $out == *AccessDenied* ]] || lab_fail "nobody's RequestName $NAME: $out"
rc=0
as_nobody "$CLIENT_BUS" "$TTTCTL_BIN" set-strategy redundant >/dev/null 2>&1 || rc=$?
(( rc == 4 )) || lab_fail "tttctl set-strategy as nobody exited $rc, not 4 (denied)"
[[ $(strategy) == "$before" ]] || lab_fail "the strategy changed: $before -> $(strategy)"
[[ $(as_root "$CLIENT_BUS" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" Links) == "ao 1 \"$LINK0\"" ]] \
  || lab_fail "the links changed"
lab_log "nobody: every method refused by the bus (AccessDenied); tttctl exits 4; nothing changed"

# 3. root may
as_root "$CLIENT_BUS" busctl --system call "$NAME" "$OBJ" "$MANAGER" SetStrategy s redundant \
  || lab_fail "root cannot SetStrategy"
[[ $(strategy) == 's "redundant"' ]] || lab_fail "SetStrategy as root: Strategy is $(strategy)"
as_root "$CLIENT_BUS" gdbus call --system --dest "$NAME" --object-path "$OBJ" \
  --method "$MANAGER.SetStrategy" adaptive >/dev/null || lab_fail "root cannot SetStrategy with gdbus"
[[ $(strategy) == 's "adaptive"' ]] || lab_fail "SetStrategy as root: Strategy is $(strategy)"
lab_log "root: SetStrategy works (busctl and gdbus)"

# 4. the README's commands, verbatim
# run_commands ORIGIN FILE: each command line of FILE on its own, in order
# ("\" continuations joined, comments and blank lines skipped, a "$ "
# prompt and "sudo " dropped), against the client's bus, or the server's
# for Peer objects; monitors run for 2 s
run_commands () {
  local origin=$1 file=$2 line cmd='' n=0 bus out rc
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == *\\ ]]; then
      cmd+="${line%\\} "
      continue
    fi
    cmd+=$line
    cmd=${cmd#"${cmd%%[![:space:]]*}"}
    if [[ -z $cmd || $cmd == \#* ]]; then
      cmd=
      continue
    fi
    cmd=${cmd#\$ }
    cmd=${cmd#sudo }
    if [[ ! $cmd =~ ^(busctl|gdbus|tttctl|dbus-send)[[:space:]] ]]; then
      lab_log "$origin: not a command (output?), skipped: $cmd"
      cmd=
      continue
    fi
    bus=$CLIENT_BUS
    [[ $cmd =~ Tttd1/Peer/|Tttd1\.Peer([^s]|$) ]] && bus=$SERVER_BUS
    rc=0
    if [[ " $cmd " == *" monitor "* ]]; then
      out=$(env DBUS_SYSTEM_BUS_ADDRESS="$bus" PATH="$TTTD_BUILD_DIR/src:$PATH" \
              timeout 2 bash -c "$cmd" 2>&1 </dev/null) || rc=$?
      (( rc == 124 )) || lab_fail "$origin: '$cmd' did not keep watching (exit $rc): $out"
    else
      out=$(env DBUS_SYSTEM_BUS_ADDRESS="$bus" PATH="$TTTD_BUILD_DIR/src:$PATH" \
              timeout 20 bash -o pipefail -c "$cmd" 2>&1 </dev/null) || rc=$?
      (( rc == 0 )) || lab_fail "$origin: '$cmd' failed (exit $rc): $out"
    fi
    n=$(( n + 1 ))
    lab_log "  \$ $cmd  -> $(head -c 160 <<<"$out" | tr -s '\n' ' ')"
    cmd=
  done < "$file"
  (( n > 0 )) || lab_fail "$origin: no commands in $file"
  lab_log "$origin: $n commands ran without an error"
}

restart_client () {
  lab_kill tttd-c0
  lab_wait_exit tttd-c0 5 || true
  TTTD_CLIENT_BUS=$CLIENT_BUS tttd_lab_client 0
  tttd_lab_wait_connected 0
  lab_wait_for 5 owned "$CLIENT_BUS" || lab_fail "the restarted client does not own $NAME"
}

awk '/^## D-Bus API/ { section = 1; next }
     section && /^## / { exit }
     section && /^```/ {
       if (block) block = ""; else block = ($0 ~ /^```(sh|bash)[[:space:]]*$/) ? "sh" : "other"
       next
     }
     section && block == "sh" { print }' "$README" > "$LAB_DIR/readme-dbus.sh"
if grep -q '^## D-Bus API' "$README"; then
  [[ -s $LAB_DIR/readme-dbus.sh ]] || lab_fail "README.md's D-Bus API section has no \`\`\`sh block"
  run_commands README.md "$LAB_DIR/readme-dbus.sh"
  restart_client   # dbus-commands.sh counts link objects from a fresh start
else
  lab_log "README.md has no '## D-Bus API' section yet: only $(basename "$COMMANDS") runs"
fi
run_commands "$(basename "$COMMANDS")" "$COMMANDS"
# what dbus-commands.sh leaves: strategy from the file (Reload), wan0 alone, weight 60, enabled
[[ $(strategy) == 's "adaptive"' ]] || lab_fail "after the commands, Strategy is $(strategy)"
[[ $(as_root "$CLIENT_BUS" busctl --system get-property "$NAME" "$OBJ" "$MANAGER" Links) == "ao 1 \"$LINK0\"" ]] \
  || lab_fail "after the commands, Links is not just $LINK0"
[[ $(as_root "$CLIENT_BUS" busctl --system get-property "$NAME" "$LINK0" org.tuntuntun.Tttd1.Link Weight) == "u 60" ]] \
  || lab_fail "SetWeight did not stick"
tttd_lab_wait_connected 0

# 5. tttctl --json
for what in status links; do
  out=$(tttd_ctl "$CLIENT_BUS" --json "$what" 2>&1) || lab_fail "tttctl --json $what failed: $out"
  is_json <<<"$out" || lab_fail "tttctl --json $what is not JSON: $out"
done
out=$(tttd_ctl "$CLIENT_BUS" --json links)
"$PYTHON3" -c 'import json, sys; links = json.load(sys.stdin); assert [l["interface"] for l in links] == ["wan0"], links' \
  <<<"$out" || lab_fail "tttctl --json links does not list wan0 alone: $out"
for what in status peers; do
  out=$(tttd_ctl "$SERVER_BUS" --json "$what" 2>&1) || lab_fail "server: tttctl --json $what failed: $out"
  is_json <<<"$out" || lab_fail "server: tttctl --json $what is not JSON: $out"
done
lab_log "tttctl --json status/links (client) and status/peers (server) parse"
out=$(tttd_ctl "$SERVER_BUS" --json status)
"$PYTHON3" -c 'import json, sys; s = json.load(sys.stdin); assert s["peers"] == 1, s' \
  <<<"$out" || lab_fail "server: tttctl --json status does not count its one peer: $out"
tttd_ctl "$SERVER_BUS" status | grep -qx 'Peers: *1' || lab_fail "server: tttctl status does not show one peer"

# 6. tttctl's exit statuses come from typed errors: an unknown strategy
# (TTTD_ERROR_UNKNOWN_STRATEGY from tttd) is wrong usage, and changes nothing
rc=0
out=$(tttd_ctl "$CLIENT_BUS" set-strategy bogus 2>&1) || rc=$?
(( rc == 2 )) || lab_fail "tttctl set-strategy bogus exited $rc, not 2 (usage): $out"
[[ $(strategy) == 's "adaptive"' ]] || lab_fail "after set-strategy bogus, Strategy is $(strategy)"
rc=0
tttd_ctl "$CLIENT_BUS" remove-link nosuch0 >/dev/null 2>&1 || rc=$?
(( rc == 1 )) || lab_fail "tttctl remove-link of an unbonded interface exited $rc, not 1"
lab_log "tttctl: --json status counts peers; set-strategy bogus exits 2, remove-link nosuch0 exits 1"

if declare -F tttd_lab_pass >/dev/null; then tttd_lab_pass; else lab_log "PASS"; fi
