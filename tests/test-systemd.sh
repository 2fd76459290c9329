#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# test-systemd.sh BUILDDIR: the unit as installed passes "systemd-analyze
# verify" (its ExecStart, ExecReload and man pages exist), and its exposure
# as rated by "systemd-analyze security --offline" is at most 2.0; the same
# for the metrics socket and its per-connection service.
#
# Exit 77 (skip) unless root and systemd-analyze is there.

set -euo pipefail

builddir=${1:?usage: test-systemd.sh BUILDDIR}
max_exposure=${TTTD_MAX_EXPOSURE:-2.0}

skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAIL: $*"; exit 1; }

[[ $(id -u) == 0 ]] || skip "needs root"
command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze is not installed"
meson=${MESON:-meson}
command -v "$meson" >/dev/null 2>&1 || skip "meson is not in PATH"

tmp=$(mktemp -d /tmp/tttd-test-systemd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
destdir=$tmp/root

# install where a package would, so that the paths in the unit are real
"$meson" install -C "$builddir" --no-rebuild --quiet --destdir "$destdir" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "meson install failed"; }

unit=$(find "$destdir" -path '*/systemd/system/tttd.service' -type f | head -n 1)
[[ -n $unit ]] || fail "tttd.service was not installed"
echo "unit: ${unit#"$destdir"}"

# the unit names its binary by its installed path: point that into DESTDIR
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[[ -n $exec_start ]] || fail "the unit has no ExecStart="
[[ -x $destdir$exec_start ]] || fail "ExecStart=$exec_start is not installed (looked for $destdir$exec_start)"
mkdir -p "$tmp/units"
# (ExecReload= checks the configuration with the same binary first)
grep -qx "ExecReload=$exec_start --check" "$unit" || fail "ExecReload= does not check the configuration first"
# the keys on the heap reach neither swap nor a core dump
grep -qx "MemorySwapMax=0" "$unit" || fail "the unit lets the keys reach swap"
grep -qx "LimitCORE=0" "$unit" || fail "the unit lets the keys reach a core dump"
grep -qx "ExecStopPost=$exec_start --cleanup" "$unit" || fail "ExecStopPost= does not clean up after a crash"
grep -Eq '^ExecReload=.*/tttctl reload$' "$unit" || fail "ExecReload= does not wait for the reload's answer (tttctl reload)"
# every Exec*= of an installed program points into DESTDIR
cp "$unit" "$tmp/units/tttd.service"
for program in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$unit" | sort -u); do
  [[ -x $destdir$program ]] || continue
  sed -i "s|^\(Exec[A-Za-z]*=[-@:+!]*\)$program|\1$destdir$program|" "$tmp/units/tttd.service"
done

# Documentation=man:... is checked with man(1): look in DESTDIR's pages
man_args=()
mandir=$(find "$destdir" -type d -name man8 -path '*/man/*' | head -n 1)
if [[ -n $mandir ]] && command -v man >/dev/null 2>&1; then
  export MANPATH=${mandir%/man8}
else
  echo "note: no man pages installed or no man(1): not checking Documentation="
  man_args=(--man=no)
fi

echo "# systemd-analyze verify"
if ! systemd-analyze verify "${man_args[@]}" "$tmp/units/tttd.service" 2>&1 | tee "$tmp/verify.log"; then
  fail "systemd-analyze verify failed"
fi
# verify exits 0 on some warnings: treat any output about our unit as failure
if grep -q 'tttd.service' "$tmp/verify.log"; then
  fail "systemd-analyze verify complained about tttd.service"
fi

echo "# systemd-analyze security --offline=true"
threshold=$(awk -v m="$max_exposure" 'BEGIN { printf "%d", m * 10 + 0.5 }')
status=0
systemd-analyze security --offline=true --threshold="$threshold" "$tmp/units/tttd.service" \
  > "$tmp/security.log" 2>&1 || status=$?
cat "$tmp/security.log"
score=$(sed -n 's/.*Overall exposure level for tttd.service: \([0-9.]*\).*/\1/p' "$tmp/security.log")
[[ -n $score ]] || fail "no exposure score in the output"
echo "exposure score: $score (limit $max_exposure)"
((status == 0)) || fail "exposure $score is above $max_exposure"

# the metrics socket and the scrape service it starts per connection
unitdir=$(dirname "$unit")
for f in tttd-metrics.socket tttd-metrics@.service; do
  [[ -f $unitdir/$f ]] || fail "$f was not installed"
  sed "s|^ExecStart=\([^ ]*\)|ExecStart=$destdir\1|" "$unitdir/$f" > "$tmp/units/$f"
done
# verify checks the socket together with the template it starts
echo "# systemd-analyze verify tttd-metrics.socket tttd-metrics@.service"
if ! (cd "$tmp/units" && systemd-analyze verify "${man_args[@]}" tttd-metrics.socket tttd-metrics@.service) 2>&1 |
     tee "$tmp/verify-metrics.log"; then
  fail "systemd-analyze verify failed on the metrics units"
fi
grep -q 'tttd-metrics' "$tmp/verify-metrics.log" && fail "systemd-analyze verify complained about the metrics units"
status=0
(cd "$tmp/units" && systemd-analyze security --offline=true --threshold="$threshold" tttd-metrics@scrape.service) \
  > "$tmp/security-metrics.log" 2>&1 || status=$?
score=$(sed -n 's/.*Overall exposure level for tttd-metrics@scrape.service: \([0-9.]*\).*/\1/p' "$tmp/security-metrics.log")
[[ -n $score ]] || { cat "$tmp/security-metrics.log"; fail "no exposure score for tttd-metrics@.service"; }
echo "tttd-metrics@.service exposure score: $score (limit $max_exposure)"
((status == 0)) || fail "tttd-metrics@.service: exposure $score is above $max_exposure"
echo "PASS"
