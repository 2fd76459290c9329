#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# The link emulator's trace-driven links, without tttd: a steady trace
# delivers its rate (and twice it scaled by 2), a recorded trace delivers
# what its lines allow over the stretch played, a drop-tail byte queue
# bounds the queueing delay under load, Gilbert-Elliott loss has its mean
# and its bursts, and an outage stops delivery for its length. Needs root;
# exit 77 otherwise.
#
#   sudo LINKEMU=build/tests/lab/linkemu tests/lab/test-lab-trace.sh

set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "test-lab-trace: needs root (skipping)" >&2
  exit 77
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_require ping iperf3 awk python3

fails=0
check () {
  local what=$1
  shift
  if "$@"; then
    echo "ok - $what"
  else
    echo "not ok - $what"
    fails=$(( fails + 1 ))
  fi
}
within () { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }
figure () { echo "# $*"; }

# udp_json NS ADDR SECONDS MBIT [ARGS]: "mbit lost_percent" of a UDP flow of
# 1000-byte datagrams; mbit is what the client's intervals counted (with -R:
# what it received)
udp_json () {
  local ns=$1 addr=$2 seconds=$3 rate=$4
  shift 4
  ip netns exec "$ns" timeout $(( seconds + 15 )) iperf3 -c "$addr" -u -b "${rate}M" -l 1000 \
    -t "$seconds" --json "$@" 2>/dev/null |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
iv = [i["sum"] for i in d["intervals"]]
print("%.3f %.2f" % (sum(i["bytes"] for i in iv) * 8 / sum(i["seconds"] for i in iv) / 1e6,
                     d["end"]["sum"]["lost_percent"]))'
}

# ping_load PATH SECONDS FILE: ping every 20 ms on wanPATH while one TCP
# upload fills it (cubic: it fills a drop-tail queue, BBR would not)
ping_load () {
  ip netns exec "$LAB_NS_CLIENT" ping -n -i 0.02 -w "$2" -I "wan$1" "$LAB_SERVER_ADDR" > "$3" 2>&1 &
  local pinger=$!
  sleep 0.5
  lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" $(( $2 - 1 )) --bind-dev "wan$1" -C cubic >/dev/null || true
  wait "$pinger" || true
}

# "p50 p95 max" of the RTTs in a ping output (the last 2/3: the queue has filled)
rtt_stats () {
  sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$1" |
    awk '{ v[NR] = $1 } END { for (i = int(NR / 3) + 1; i <= NR; i++) print v[i] }' | sort -g |
    awk '{ v[NR] = $1 }
         END { if (NR == 0) { print "n/a n/a n/a"; exit }
               a = int(NR * 0.5) + 1; b = int(NR * 0.95) + 1; if (b > NR) b = NR
               printf "%.1f %.1f %.1f\n", v[a], v[b], v[NR] }'
}

LAB_SEED=7
lab_init
lab_topology --paths 1 --emulate
lab_iperf_server iperf "$LAB_NS_SERVER"
steady=$LAB_DIR/steady-12mbit.trace
lab_trace_constant 12mbit "$steady"
check "12mbit makes one line per ms, period 1 s" \
  eval "[[ \$(wc -l < '$steady') == 997 && \$(tail -n 1 '$steady') == 1000 ]]"

# a steady trace of 12 Mbit/s (IP bytes): TCP goodput is 1448/1500 of it at best
lab_path_emulate 0 0 --rtt 20
lab_path_trace 0 0 both "$steady" --queue 100000
rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 4 --bind-dev wan0)
figure "tcp up through a 12 Mbit/s trace (rtt 20, queue 100 kB): $rate Mbit/s"
check "a 12 Mbit/s trace gives 10..11.9 Mbit/s of TCP" within "$rate" 10 11.9
rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 3 --bind-dev wan0 -R)
figure "tcp down through the same trace: $rate Mbit/s"
check "and downstream too" within "$rate" 10 11.9
lab_path_trace 0 0 up "$steady" --queue 100000 --scale 2
rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 3 --bind-dev wan0)
figure "tcp up through the trace scaled by 2: $rate Mbit/s"
check "scale 2 doubles it (20..23.8 Mbit/s)" within "$rate" 20 23.8
stats=$(lab_emu_stats 0 0)
figure "emulator: ${stats//$'\n'/ | }"
check "the emulator counts used and lost opportunities" \
  eval "[[ '$stats' == *opportunities-used=[1-9]*opportunities-lost=[1-9]* ]]"

# a recorded trace from 30 s in: UDP beyond its capacity receives what the
# lines of that stretch carry (1000 of every 1028 IP bytes)
att=$HERE/traces/ATT-LTE-driving-2016.down
lab_path_trace 0 0 down "$att" --queue 60000 --offset 30000
expect=$(awk -v from=30000 -v to=34000 '$1 >= from && $1 < to { n++ } END { printf "%.3f", n * 1504 * 8 / 4 / 1e6 * 1000 / 1028 }' "$att")
read -r got _ <<<"$(udp_json "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 4 20 -R --bind-dev wan0)"
figure "udp down through ATT-LTE-driving-2016.down from 30 s: $got Mbit/s (its lines allow $expect)"
check "a recorded trace delivers what its lines allow (+-20%)" \
  within "$got" "$(awk -v e="$expect" 'BEGIN { print e * 0.8 }')" "$(awk -v e="$expect" 'BEGIN { print e * 1.2 }')"

# the byte queue bounds the queueing delay: 30 kB at 12 Mbit/s is 20 ms
lab_path_trace 0 0 both "$steady" --queue 30000
ping_load 0 5 "$LAB_DIR/ping-30k.txt"
read -r p50 p95 max <<<"$(rtt_stats "$LAB_DIR/ping-30k.txt")"
figure "ping beside an upload, queue 30 kB (rtt 20 + at most 20 ms): p50 $p50 p95 $p95 max $max ms"
check "a 30 kB queue fills (max >= 26 ms) and holds the RTT under load (max <= 46 ms)" \
  within "$max" 26 46
lab_path_trace 0 0 both "$steady" --queue 150000
# longer: a loss on the way (a slow emulator under a sanitizer drops at its
# socket) halves cubic's window, and filling 100 ms of queue again takes it
# seconds
ping_load 0 9 "$LAB_DIR/ping-150k.txt"
read -r p50_deep _ max_deep <<<"$(rtt_stats "$LAB_DIR/ping-150k.txt")"
figure "ping beside an upload, queue 150 kB (at most 100 ms more): p50 $p50_deep max $max_deep ms"
check "a 150 kB queue lets it grow past 60 ms and not past 135 ms" within "$max_deep" 60 135
check "the deeper queue delays more (p50)" within "$p50_deep" "$p50" 1000

# Gilbert-Elliott: 5% in bursts of 5 one way, on a clean path
lab_path_emulate 0 0 --clear
lab_path_loss 0 0 --gilbert 5 5 --dir up
lab_emu_send 0 0 reset-stats
read -r _ lost <<<"$(udp_json "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 4 8 --bind-dev wan0)"
stats=$(lab_emu_stats 0 0 | grep '^up')
burst=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
             END { if (v["bursts"] > 0) printf "%.2f", v["drop-burst"] / v["bursts"] }' <<<"$stats")
figure "gilbert 5%, bursts of 5: $lost% of 4000 datagrams lost, mean burst $burst packets"
check "Gilbert-Elliott loss is near its mean (3..7.5%)" within "$lost" 3 7.5
check "and comes in bursts (mean 3..8 packets)" within "$burst" 3 8
lab_path_loss 0 0 --gilbert off --dir up
lab_path_loss 0 0 5 --dir up
lab_emu_send 0 0 reset-stats
read -r _ lost <<<"$(udp_json "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 2 8 --bind-dev wan0)"
burst=$(lab_emu_stats 0 0 | grep '^up' | sed -n 's/.*drop-loss=\([0-9]*\).*/\1/p')
figure "random 5% for comparison: $lost% lost ($burst drops)"
check "random loss has no bursts counted" eval "[[ \$(lab_emu_stats 0 0 | grep '^up') == *' bursts=0 '* ]]"
lab_path_loss 0 0 0 --dir up

# an outage of 1 s, 1 s after the clock starts: pings every 20 ms; no reply
# arrives for about a second, then the queued ones come at once
lab_path_trace 0 0 both "$steady" --queue 100000
lab_path_outage 0 0 5 1 --first 1
lab_path_restart 0 0
ip netns exec "$LAB_NS_CLIENT" ping -D -n -i 0.02 -c 150 -W 3 -I wan0 "$LAB_SERVER_ADDR" > "$LAB_DIR/ping-outage.txt" 2>&1 || true
gap=$(sed -n 's/^\[\([0-9.]*\)\].*time=.*/\1/p' "$LAB_DIR/ping-outage.txt" |
      awk 'NR > 1 && $1 - last > gap { gap = $1 - last } { last = $1 } END { printf "%.3f", gap }')
answered=$(grep -c 'time=' "$LAB_DIR/ping-outage.txt" || true)
figure "outage 1 s: longest gap between replies $gap s, $answered of 150 answered"
check "an outage of 1 s stops delivery for 0.9..1.2 s" within "$gap" 0.9 1.2
check "and its packets wait in the queue instead of being lost (>= 145 answered)" within "$answered" 145 150

(( fails == 0 )) || lab_fail "$fails check(s) failed"
lab_log PASS
