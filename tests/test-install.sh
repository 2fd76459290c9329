#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# test-install.sh BUILDDIR PREFIX MAN: "meson install --destdir" puts every
# file where a distribution expects it (for PREFIX /usr: the FHS and
# Debian/Fedora paths), with sane modes and contents, and nothing in /etc
# but the configuration's empty directory (mode 700).
# MAN is "true" when the man pages are built.

set -euo pipefail

builddir=${1:?usage: test-install.sh BUILDDIR PREFIX MAN}
prefix=${2:?usage: test-install.sh BUILDDIR PREFIX MAN}
man=${3:-true}
meson=${MESON:-meson}

fail () { echo "FAIL: $*"; failures=$((failures + 1)); }
failures=0
checked=()

command -v "$meson" >/dev/null 2>&1 || { echo "SKIP: meson is not in PATH"; exit 77; }

tmp=$(mktemp -d /tmp/tttd-test-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root

"$meson" install -C "$builddir" --no-rebuild --quiet --destdir "$d" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; echo "FAIL: meson install failed"; exit 1; }

p=$d$prefix
share=$p/share

# one path that must exist as a regular file with the given mode
expect () {
  local path=$1 mode=$2 actual
  if [[ ! -f $path ]]; then
    fail "missing ${path#"$d"}"
    return
  fi
  checked+=("${path#"$d"}")
  actual=$(stat -c %a "$path")
  [[ $actual == "$mode" ]] || fail "${path#"$d"} has mode $actual, not $mode"
  echo "ok ${path#"$d"}"
}

# programs
expect "$p/sbin/tttd" 755
expect "$p/bin/tttctl" 755

# systemd: /usr/lib/systemd/system, or /lib/systemd/system on a distribution
# whose systemd.pc says so (Debian 12)
unit=''
for dir in "$p/lib/systemd/system" "$d/lib/systemd/system"; do
  [[ -f $dir/tttd.service ]] && unit=$dir/tttd.service
done
if [[ -z $unit ]]; then
  fail "missing tttd.service in $prefix/lib/systemd/system or /lib/systemd/system"
else
  expect "$unit" 644
  grep -qx "ExecStart=$prefix/sbin/tttd" "$unit" || fail "tttd.service: ExecStart= is not $prefix/sbin/tttd"
  grep -qx 'Type=notify' "$unit" || fail "tttd.service: not Type=notify"
  grep -qx 'BusName=org.tuntuntun.Tttd1' "$unit" || fail "tttd.service: BusName= is not org.tuntuntun.Tttd1"
  grep -q '@[a-z]*@' "$unit" && fail "tttd.service: unsubstituted @variables@"
  # the socket-activated Prometheus scrape, beside it
  unitdir=$(dirname "$unit")
  expect "$unitdir/tttd-metrics.socket" 644
  expect "$unitdir/tttd-metrics@.service" 644
  grep -qx 'Accept=yes' "$unitdir/tttd-metrics.socket" || fail "tttd-metrics.socket: not Accept=yes"
  grep -qx "ExecStart=$prefix/bin/tttctl metrics --http" "$unitdir/tttd-metrics@.service" ||
    fail "tttd-metrics@.service: ExecStart= is not $prefix/bin/tttctl metrics --http"
fi

# D-Bus: policy, activation, interfaces
expect "$share/dbus-1/system.d/org.tuntuntun.Tttd1.conf" 644
activation=$share/dbus-1/system-services/org.tuntuntun.Tttd1.service
expect "$activation" 644
if [[ -f $activation ]]; then
  grep -qx 'Name=org.tuntuntun.Tttd1' "$activation" || fail "activation file: wrong Name="
  service=$(sed -n 's/^SystemdService=//p' "$activation")
  [[ -n $service ]] || fail "activation file: no SystemdService="
  if [[ -n $unit && -n $service && $service != tttd.service ]]; then
    grep -qx "Alias=$service" "$unit" || fail "activation file: SystemdService=$service is no alias of tttd.service"
  fi
fi
for iface in Manager Link Peer; do
  expect "$share/dbus-1/interfaces/org.tuntuntun.Tttd1.$iface.xml" 644
done

# polkit, translated
policy=$share/polkit-1/actions/org.tuntuntun.tttd.policy
expect "$policy" 644
if [[ -f $policy ]]; then
  for action in manage-links set-strategy reload; do
    grep -q "id=\"org.tuntuntun.tttd.$action\"" "$policy" || fail "polkit: no action org.tuntuntun.tttd.$action"
  done
  grep -q 'xml:lang="de"' "$policy" || fail "polkit: no German strings merged"
fi

# translations
expect "$share/locale/de/LC_MESSAGES/tttd.mo" 644

# man pages
if [[ $man == true ]]; then
  expect "$share/man/man8/tttd.8" 644
  expect "$share/man/man1/tttctl.1" 644
  expect "$share/man/man5/tttd.conf.5" 644
  for page in man8/tttd.8 man1/tttctl.1 man5/tttd.conf.5; do
    [[ -f $share/man/$page ]] && grep -q '^\.TH' "$share/man/$page" || fail "$page is not a roff man page"
  done
fi

# bash completion, named after the command
expect "$share/bash-completion/completions/tttctl" 644

# examples: the configuration and the server's sysctl.d file
expect "$share/doc/tttd/examples/tttd.conf" 644
expect "$share/doc/tttd/examples/60-tttd-forwarding.conf" 644

# the configuration's directory, empty and root's alone (the private key
# goes there); no file in it: the administrator's files are the administrator's
etc=$p/etc
[[ $prefix == /usr ]] && etc=$d/etc
if [[ ! -d $etc/tttd ]]; then
  fail "missing the directory ${etc#"$d"}/tttd"
else
  mode=$(stat -c %a "$etc/tttd")
  [[ $mode == 700 ]] || fail "${etc#"$d"}/tttd has mode $mode, not 700"
  echo "ok ${etc#"$d"}/tttd/ (directory)"
fi
if [[ -n $(find "$d" -path "$etc/*" -o -path "$d/etc/*" 2>/dev/null | grep -v "^$etc/tttd$") ]]; then
  fail "installed under ${etc#"$d"}: $(find "$d" -path "$etc/*" -o -path "$d/etc/*" | grep -v "^$etc/tttd$" | sed "s|^$d||" | tr '\n' ' ')"
fi

# the rest, for the log: new files are fine, but should get a line above
find "$d" -type f | sed "s|^$d||" | sort > "$tmp/installed"
printf '%s\n' "${checked[@]}" | sort > "$tmp/checked"
comm -23 "$tmp/installed" "$tmp/checked" | sed 's/^/note: also installed: /'
echo "installed: $(wc -l < "$tmp/installed") files, $(wc -l < "$tmp/checked") checked"

if ((failures > 0)); then
  echo "FAIL: $failures problem(s)"
  cat "$tmp/installed"
  exit 1
fi
echo "PASS"
