#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# Build the libFuzzer targets with clang and run each for a while on its
# seed corpus; fails on the first crash, leak, sanitizer report or timeout.
#
#   tests/fuzz/run-fuzzers.sh [BUILDDIR [SECONDS [TARGET...]]]
#
# BUILDDIR defaults to build-fuzz in the source tree, SECONDS to 20 per
# target, TARGET to all of packet, handshake, response, cookie, config, gso, gro, csum,
# recover and http. NINJA_JOBS sets ninja's -j (default 1). New inputs found go to
# BUILDDIR/fuzz-corpus/, crashes to BUILDDIR/fuzz-artifacts/; the committed
# seeds are not touched.
set -eu

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${1:-$srcdir/build-fuzz}
seconds=${2:-20}
[ $# -gt 2 ] && shift 2 || set --
targets=${*:-packet handshake response cookie config gso gro csum recover http}

if [ ! -f "$builddir/build.ninja" ]; then
  # no -Werror here: the gcc build enforces warnings, this one hunts crashes
  CC=clang meson setup "$builddir" "$srcdir" -Dfuzzing=true -Db_lundef=false -Dwerror=false
else
  meson configure "$builddir" -Dfuzzing=true
fi

build_targets=
for t in $targets; do
  build_targets="$build_targets tests/fuzz/fuzz-$t"
done
# shellcheck disable=SC2086
ninja -C "$builddir" -j "${NINJA_JOBS:-1}" $build_targets

status=0
for t in $targets; do
  work="$builddir/fuzz-corpus/$t"
  artifacts="$builddir/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  dict=
  [ -f "$srcdir/tests/fuzz/$t.dict" ] && dict="-dict=$srcdir/tests/fuzz/$t.dict"
  echo "== fuzz-$t: ${seconds}s"
  # shellcheck disable=SC2086
  if ! "$builddir/tests/fuzz/fuzz-$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" $dict \
      "$work" "$srcdir/tests/fuzz/corpus/$t" 2>"$builddir/fuzz-$t.log"; then
    echo "fuzz-$t FAILED (see $builddir/fuzz-$t.log and $artifacts/)" >&2
    tail -n 40 "$builddir/fuzz-$t.log" >&2
    status=1
    continue
  fi
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' \
    "$builddir/fuzz-$t.log" || true
done
exit $status
