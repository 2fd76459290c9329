#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# The Debian package under a real systemd: two Debian containers booted with
# systemd-nspawn (a server and a client, joined by a veth in namespaces the
# test made), the package installed with apt as the README says, and then
# only what a user would type: systemctl, journalctl, busctl, tttctl.
#
#   TTTD_DEB=path/tttd_VERSION_ARCH.deb tests/system/test-system.sh
#
# Without TTTD_DEB it builds one with tools/build-deb. Needs root,
# debootstrap and systemd-container (exit 77 without them); the first run
# builds the Debian root (SYS_CACHE, see system.sh), later runs reuse it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/system.sh"
srcdir=${TTTD_SOURCE_DIR:-$here/../..}

SERVER_TUN=198.19.0.1
CLIENT_TUN=198.19.0.2
# how long a client may take to be back after its server's kill -9
# (systemd restarts the server after RestartSec=2s)
RECOVERY_BOUND_MS=${TTTD_RECOVERY_BOUND_MS:-5000}

sys_init
declare -A pubkey=()

# the package
deb=${TTTD_DEB:-}
if [[ -z $deb ]]; then
  sys_log "building the package (tools/build-deb --no-deps --no-check)"
  rc=0
  "$srcdir/tools/build-deb" --no-deps --no-check "$SYS_DIR/deb" > "$SYS_DIR/build-deb.log" 2>&1 || rc=$?
  # 2: built, but lintian complained (the package is still worth testing)
  if [[ $rc != 0 && $rc != 2 ]]; then
    tail -n 40 "$SYS_DIR/build-deb.log" >&2
    sys_fail "tools/build-deb failed"
  fi
  deb=$(ls "$SYS_DIR"/deb/tttd_*.deb | head -n 1)
fi
[[ -f $deb ]] || sys_fail "no package at $deb"
sys_log "package: $(basename "$deb")"

# the root: systemd, what the package needs (so that apt finds it all
# offline, as the containers have no network but the veth) and the tools
# of the checks
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$')
# shellcheck disable=SC2086
sys_rootfs $depends iproute2 nftables iputils-ping procps
sys_net

sys_boot server
sys_boot client

fail_with_journal () {
  local name=$1
  shift
  sys_log "journal of tttd on $name:"
  sys_run "$name" journalctl -u tttd --no-pager -n 40 -o short-monotonic >&2 || true
  sys_fail "$*"
}

# ---------------------------------------------------------------------------
# the README's first steps, verbatim, in each container (as root: a bare
# Debian has no sudo); "sudoedit FILE" writes the configuration this test
# prepared, "tttctl monitor" (interactive) is left out
readme_steps=$(awk '/^## Using it/ { f = 1 } f && /^```sh/ { b = 1; next } b && /^```/ { exit } b { print }' "$srcdir/README.md")
[[ -n $readme_steps ]] || sys_fail "no first steps in README.md (a \`\`\`sh block under \"## Using it\")"

# readme_run NAME FROM TO: the README's steps whose line matches FROM up to
# the one that matches TO (empty: to the end)
readme_run () {
  local name=$1 from=$2 to=$3 line cmd on=0
  while IFS= read -r line; do
    [[ $line =~ $from ]] && on=1
    (( on )) || continue
    line=$(sed 's/[[:space:]]\{1,\}#.*$//' <<< "$line")
    # commands joined by ";" one by one (a quoted ";" stays in its command)
    if [[ $line == *[\'\"]* ]]; then cmds=("$line"); else IFS=';' read -ra cmds <<< "$line"; fi
    for cmd in "${cmds[@]}"; do
      cmd=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/^sudo //' <<< "$cmd")
      [[ -n $cmd ]] || continue
      case $cmd in
        'tttctl monitor'*) sys_log "$name: README: $cmd (interactive: left out)"; continue ;;
        sudoedit\ *)
          sys_log "$name: README: $cmd (the prepared configuration)"
          cp "$SYS_DIR/$name.conf" "$(sys_root "$name")${cmd#sudoedit }"
          continue ;;
      esac
      sys_log "$name: README: $cmd"
      sys_sh "$name" "$cmd" > "$SYS_DIR/$name.out" 2>&1 || {
        cat "$SYS_DIR/$name.out" >&2
        fail_with_journal "$name" "the README's step failed: $cmd"
      }
      sed 's/^/    /' "$SYS_DIR/$name.out" >&2
    done
    [[ -n $to && $line =~ $to ]] && break
  done <<< "$readme_steps"
  return 0
}

for name in server client; do
  cp "$deb" "$(sys_root "$name")/root/"
  # the package ships /etc/tttd: check it before the README writes there
  readme_run "$name" 'apt install' 'apt install'
  mode=$(sys_run "$name" stat -c '%a %U:%G %F' /etc/tttd) || sys_fail "$name: the package did not make /etc/tttd"
  [[ $mode == '700 root:root directory' ]] || sys_fail "$name: /etc/tttd is $mode, not 700 root:root directory"
  sys_log "$name: /etc/tttd is $mode"
  readme_run "$name" 'genkey' 'pubkey'
  pubkey[$name]=$(tail -n 1 "$SYS_DIR/$name.out")
  [[ ${pubkey[$name]} =~ ^[A-Za-z0-9+/]{43}=$ ]] || sys_fail "$name: tttctl pubkey printed '${pubkey[$name]}'"
done

cat > "$SYS_DIR/server.conf" <<EOF
[tttd]
mode=server
address=$SERVER_TUN/24
private-key-file=/etc/tttd/private.key

[server]
listen=$SYS_SERVER_ADDR:5800

[peer client]
public-key=${pubkey[client]}
address=$CLIENT_TUN/32
EOF
cat > "$SYS_DIR/client.conf" <<EOF
[tttd]
mode=client
address=$CLIENT_TUN/24
private-key-file=/etc/tttd/private.key

[links]
networkmanager=false
static=eth0

[client]
server=$SYS_SERVER_ADDR:5800
server-public-key=${pubkey[server]}
route-all=true
kill-switch=true
EOF

readme_run server 'sudoedit' 'enable --now'
readme_run client 'sudoedit' ''

tunnel_ping () { sys_run client ping -n -q -c 1 -W "${1:-1}" -I ttt0 "$SERVER_TUN" >/dev/null 2>&1; }
wait_tunnel () {
  local i
  for (( i = 0; i < ${1:-100}; i++ )); do tunnel_ping 0.2 && return 0; sleep 0.1; done
  return 1
}
prop () { sys_run "$1" systemctl show -p "$2" --value tttd; }

# ---------------------------------------------------------------------------
# enable --now: enabled, started, READY (Type=notify: "running" only after
# READY=1) and a STATUS= line; Restart= restarts it after a crash
for name in server client; do
  [[ $(sys_run "$name" systemctl is-enabled tttd) == enabled ]] || sys_fail "$name: tttd is not enabled"
  [[ $(prop "$name" ActiveState)/$(prop "$name" SubState) == active/running ]] \
    || fail_with_journal "$name" "tttd is $(prop "$name" ActiveState)/$(prop "$name" SubState)"
  status=$(prop "$name" StatusText)
  [[ -n $status ]] || fail_with_journal "$name" "tttd sent no STATUS="
  sys_log "$name: active/running, status \"$status\""
  [[ $(prop "$name" Restart) == on-failure ]] || sys_fail "$name: Restart= is $(prop "$name" Restart)"
done
wait_tunnel 100 || fail_with_journal client "no ping through the tunnel"
sys_log "client: ping through ttt0 to $SERVER_TUN answered"
status=$(prop client StatusText)
[[ $status == *"1 link up"* ]] || sys_fail "client: STATUS= says \"$status\" while the tunnel works"

# ---------------------------------------------------------------------------
# the D-Bus API, with busctl
bus_get () { sys_run "$1" busctl get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager "$2"; }
[[ $(bus_get server Mode) == 's "server"' ]] || sys_fail "server: Mode is $(bus_get server Mode)"
[[ $(bus_get client Mode) == 's "client"' ]] || sys_fail "client: Mode is $(bus_get client Mode)"
[[ $(bus_get client TunInterface) == 's "ttt0"' ]] || sys_fail "client: TunInterface is $(bus_get client TunInterface)"
sys_run client busctl tree --list org.tuntuntun.Tttd1 | grep -q '^/org/tuntuntun/Tttd1/Link/' \
  || sys_fail "client: no Link object on the bus"
sys_run client busctl call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager SetStrategy s redundant
[[ $(bus_get client Strategy) == 's "redundant"' ]] || sys_fail "client: SetStrategy did not change Strategy"
if sys_run client busctl call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager \
     SetStrategy s bogus > "$SYS_DIR/bogus.out" 2>&1; then
  sys_fail "client: SetStrategy accepted \"bogus\""
fi
sys_log "busctl: Mode, TunInterface, the Link objects, SetStrategy (and a refused one: $(head -n 1 "$SYS_DIR/bogus.out"))"

# ---------------------------------------------------------------------------
# reload: a good one applies, one tttd refuses fails systemctl reload
sed -i 's/^mode=client$/mode=client\nstrategy=active-backup/' "$(sys_root client)/etc/tttd/tttd.conf"
sys_run client systemctl reload tttd || fail_with_journal client "systemctl reload failed on a good change"
[[ $(bus_get client Strategy) == 's "active-backup"' ]] || sys_fail "client: the reload did not apply strategy=active-backup"
sys_log "reload of a good change: applied"
sed -i 's/^mode=client$/mode=client\nmtu=1300/' "$(sys_root client)/etc/tttd/tttd.conf"
if sys_run client systemctl reload tttd 2> "$SYS_DIR/reload.err"; then
  fail_with_journal client "systemctl reload succeeded on a change that needs a restart (mtu=)"
fi
sys_run client systemctl status tttd --no-pager -n 20 > "$SYS_DIR/status.out" 2>&1 || true
grep -q 'needs a restart' "$SYS_DIR/status.out" || { cat "$SYS_DIR/status.out" >&2; sys_fail "systemctl status does not say why the reload failed"; }
sys_log "reload that needs a restart: refused ($(head -n 1 "$SYS_DIR/reload.err")); status: $(grep -m1 -o '[^:]*needs a restart[^;]*' "$SYS_DIR/status.out")"
[[ $(prop client ActiveState) == active ]] || sys_fail "client: tttd is $(prop client ActiveState) after a refused reload"
tunnel_ping 1 || fail_with_journal client "the tunnel broke after a refused reload"
sed -i '/^mtu=1300$/d' "$(sys_root client)/etc/tttd/tttd.conf"

# ---------------------------------------------------------------------------
# the server killed: systemd restarts it, the client is back within seconds
old_pid=$(prop server MainPID)
restarts=$(prop server NRestarts)
t0=$(date +%s%N)
sys_run server kill -9 "$old_pid"
back=0
for (( i = 0; i < 300; i++ )); do
  pid=$(prop server MainPID)
  if [[ $pid != 0 && $pid != "$old_pid" ]] && tunnel_ping 0.2; then back=1; break; fi
  sleep 0.05
done
(( back )) || fail_with_journal client "the client was not back 30 s after its server's kill -9"
recovery_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sys_log "server kill -9: restarted by systemd (NRestarts $restarts -> $(prop server NRestarts)), client's tunnel back after $recovery_ms ms"
(( recovery_ms < RECOVERY_BOUND_MS )) || fail_with_journal client "the client was back only after $recovery_ms ms (bound $RECOVERY_BOUND_MS)"

# ---------------------------------------------------------------------------
# stop leaves nothing of tttd's: not after a clean stop, not after kill -9
# then stop (the kill switch goes too: see tttd.conf(5))
leftovers () {
  local name=$1
  set +o pipefail
  sys_run "$name" nft list table inet tttd_ttt0 2>/dev/null | sed -n '1s/^/nftables: /p'
  # (ip rule does not filter by protocol: -d shows it)
  sys_run "$name" ip -d rule show | grep -w 'proto 116' | sed 's/^/rule: /'
  sys_run "$name" ip -d -6 rule show | grep -w 'proto 116' | sed 's/^/rule: /'
  sys_run "$name" ip route show table all proto 116 | sed 's/^/route: /'
  sys_run "$name" ip -6 route show table all proto 116 | sed 's/^/route: /'
  sys_run "$name" ip -o link show ttt0 2>/dev/null | sed 's/^/link: /'
  set -o pipefail
  return 0
}
# while it runs, the checks see tttd's things (or they could not fail)
[[ -n $(leftovers client | grep '^nftables') && -n $(leftovers client | grep '^rule') ]] \
  || sys_fail "client: no kill-switch table or rules while tttd runs: the checks below would see nothing anyway"
for name in client server; do
  sys_run "$name" systemctl stop tttd
  left=$(leftovers "$name")
  [[ -z $left ]] || sys_fail "$name: after systemctl stop: $left"
  sys_log "$name: systemctl stop: nothing left"
  sys_run "$name" systemctl start tttd
  [[ $(prop "$name" ActiveState) == active ]] || fail_with_journal "$name" "tttd did not start again"
  sys_run "$name" kill -9 "$(prop "$name" MainPID)"
  sleep 0.3
  sys_run "$name" systemctl stop tttd
  left=$(leftovers "$name")
  [[ -z $left ]] || fail_with_journal "$name" "after kill -9 and systemctl stop: $left"
  sys_run "$name" journalctl -u tttd --no-pager -o cat | grep -q 'removed what the last tttd left' \
    || fail_with_journal "$name" "tttd --cleanup did not say what it removed after the kill"
  sys_log "$name: kill -9 then systemctl stop: nothing left ($(sys_run "$name" journalctl -u tttd --no-pager -o cat | grep -m1 'removed what the last tttd left'))"
done

sys_log "PASS (client back $recovery_ms ms after its server's kill -9)"
