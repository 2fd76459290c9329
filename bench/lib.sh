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

# bench_ping_gap FILE INTERVAL_MS: "longest_gap_ms lost sent" of a ping run
# (ping -i INTERVAL): the longest time between two consecutive answered
# requests, by their sequence numbers, so duplicates count once
bench_ping_gap () {
  local sent
  sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
  sed -n 's/.*icmp_seq=\([0-9]*\) .*time=.*/\1/p' "$1" | sort -n -u |
    awk -v ms="$2" -v sent="${sent:-0}" '
      { if (NR > 1 && $1 - last > gap) gap = $1 - last; last = $1; n++
        if (NR == 1) first = $1 }
      END { if (n == 0) { print "n/a", sent, sent; exit }
            if (first > gap) gap = first
            if (sent - last > gap) gap = sent - last
            printf "%d %d %d\n", gap * ms, sent - n, sent }'
}

# bench_udp_delivered NS ADDR SECONDS MBIT [IPERF ARGS...]: the percent of
# UDP datagrams (1000 bytes, MBIT Mbit/s) the far iperf3 server received
bench_udp_delivered () {
  local ns=$1 addr=$2 seconds=$3 rate=$4
  shift 4
  ip netns exec "$ns" timeout $(( seconds + 15 )) iperf3 -c "$addr" -u -b "${rate}M" -l 1000 -t "$seconds" --json "$@" 2>/dev/null |
    python3 -c 'import json, sys
try:
    s = json.load(sys.stdin)["end"]["sum"]
    print("%.2f" % (100.0 * (s["packets"] - s["lost_packets"]) / s["packets"]))
except Exception:
    print("n/a")'
}

# bench_link_bytes BUS: "interface wire_bytes" per link of a client, both
# directions, with 28 bytes of IPv4 and UDP header per datagram
bench_link_bytes () {
  tttd_ctl "$1" --json links | python3 -c 'import json, sys
for l in json.load(sys.stdin):
    print(l["interface"], l["tx_bytes"] + l["rx_bytes"] + 28 * (l["tx_packets"] + l["rx_packets"]))'
}

# bench_tcp_stall NS ADDR SECONDS AT [WRAPPER...]: one TCP download
# (iperf3 -R, 100 ms intervals) while path 0,0 is black-holed AT seconds in;
# prints the longest stretch in ms (100 ms resolution) in which the flow got
# less than a tenth of its median rate before the cut. The port is 5201, or
# BENCH_PORT.
bench_tcp_stall () {
  local ns=$1 addr=$2 seconds=$3 at=$4 out
  shift 4
  out=$(mktemp -p "$LAB_DIR" stall.XXXXXX)
  ip netns exec "$ns" timeout $(( seconds + 15 )) "$@" iperf3 -c "$addr" -p "${BENCH_PORT:-5201}" -R \
    -t "$seconds" -i 0.1 --json > "$out" 2>/dev/null &
  local pid=$!
  sleep "$at"
  lab_path_blackhole 0 0 on
  wait "$pid" || true
  lab_path_blackhole 0 0 off
  python3 - "$out" "$at" <<'PY'
import json, sys
try:
    iv = [i["sum"] for i in json.load(open(sys.argv[1]))["intervals"]]
except Exception:
    print("n/a"); sys.exit()
at = float(sys.argv[2])
before = sorted(i["bytes"] for i in iv if i["end"] <= at and i["start"] >= 1.0)
if not before:
    print("n/a"); sys.exit()
floor = before[len(before) // 2] / 10
run = best = 0.0
for i in iv:
    if i["start"] < at - 0.2:
        continue
    if i["bytes"] < floor:
        run += i["seconds"]; best = max(best, run)
    else:
        run = 0.0
print("%d" % round(best * 1000))
PY
}
