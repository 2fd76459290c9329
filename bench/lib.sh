# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/lib.sh: what the benchmarks share. Source tests/lab/lab.sh and
# tests/lab/tttd.sh first.

# bench_shape C I RATE: a remote bottleneck on path C,I both ways, as a
# modem or an access link is: tbf in the path's middle namespace, after the
# emulator's delay, with a 50 ms buffer
bench_shape () {
  local mid=${LAB_NS_MID[$1,$2]} dev bps burst
  bps=$(lab__rate_bps "$3")
  burst=$(( bps / 8 / 250 ))
  (( burst < 8192 )) && burst=8192
  for dev in ma mb; do
    ip netns exec "$mid" tc qdisc replace dev "$dev" root tbf rate "${bps}bit" burst "$burst" latency 50ms \
      || lab_fail "tbf on $dev of path $1,$2"
  done
}

# bench_median V...: the median of the numbers given
bench_median () { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench_ratio A B: A / B with 3 decimals
bench_ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "n/a" }'; }

# bench_ping_stats FILE: "p50 p95 max" of the RTTs in a ping output, in ms
bench_ping_stats () {
  sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$1" | sort -g |
    awk '{ v[NR] = $1 }
         END { if (NR == 0) { print "n/a n/a n/a"; exit }
               a = int(NR * 0.5) + 1; if (a > NR) a = NR
               b = int(NR * 0.95) + 1; if (b > NR) b = NR
               printf "%.1f %.1f %.1f\n", v[a], v[b], v[NR] }'
}

bench_row () { printf '  %-52s %s\n' "$1" "$2"; }
