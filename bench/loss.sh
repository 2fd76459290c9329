#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/loss.sh: loss recovery inside the bond on the two links of
# bench/multipath.sh (40 Mbit/s at 10 ms RTT and 20 Mbit/s at 40 ms):
#  - one TCP flow (adaptive) on clean links, with 2% and with 5% random loss on the faster
#    link, and with 1% Gilbert-Elliott loss in bursts of 5 on it (both ways), with recovery (the defaults: retransmit=true fec=auto) and
#    without (retransmit=false fec=off), against the clean raw paths' sum;
#  - pings every 20 ms through redundant with 10% random loss on each
#    link: lost pings and the FEC overhead, with and without recovery.
#
# TCP flows use the machine's congestion control unless --cc names one
# (cubic halves its window at each loss it sees; BBR barely reacts).
#
#   sudo bench/loss.sh [--seconds N] [--pings N] [--modes "on off"] [--cc NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 pings=3000 modes="on off" cc=
while (( $# )); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    *) echo "loss: unknown option $1" >&2; exit 2 ;;
  esac
done
source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build

lab_init
LAB_DUMP_LOGS=0
lab_require iperf3 ping tc python3
lab_topology --paths 2 --emulate
lab_path_emulate 0 0 --rtt 10
lab_path_emulate 0 1 --rtt 40
bench_shape 0 0 40mbit
bench_shape 0 1 20mbit
client=${LAB_NS_CLIENT[0]}
lab_iperf_server iperf "$LAB_NS_SERVER"
ccarg=()
if [[ -n $cc ]]; then ccarg=(-C "$cc"); else cc=$(ip netns exec "$client" sysctl -n net.ipv4.tcp_congestion_control); fi
echo "bench/loss: 2 links, 40 Mbit/s @ 10 ms and 20 Mbit/s @ 40 ms; one TCP flow ($cc), ${seconds} s; $pings pings every 20 ms"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"

r0=$(lab_iperf "$client" "$LAB_SERVER_ADDR" "$seconds" --bind-dev wan0 "${ccarg[@]}" || echo 0)
r1=$(lab_iperf "$client" "$LAB_SERVER_ADDR" "$seconds" --bind-dev wan1 "${ccarg[@]}" || echo 0)
raw_sum=$(awk -v a="$r0" -v b="$r1" 'BEGIN { print a + b }')
bench_row "raw paths, clean" "$r0 + $r1 = $raw_sum Mbit/s"

tttd_lab_keys 1
TTTD_SERVER_BUS=$(tttd_lab_bus server)
TTTD_CLIENT_BUS=$(tttd_lab_bus client)
counter () { tttd_ctl "$1" --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('$2', 0))"; }
links_up () { [[ $(tttd_ctl "$TTTD_CLIENT_BUS" --json links | grep -cE '"state" : "(up|degraded)"') == 2 ]]; }
# start MODE STRATEGY: both daemons, recovery on (the defaults) or off
start () {
  local extra=()
  [[ $1 == off ]] && extra=("retransmit=false" "fec=off")
  TTTD_SERVER_STRATEGY=$2 tttd_lab_server "[tttd]" "${extra[@]}"
  TTTD_CLIENT_STRATEGY=$2 TTTD_CLIENT_TTTD_EXTRA=$(printf '%s\n' "${extra[@]}") tttd_lab_client 0
  tttd_lab_wait_connected 0
  lab_wait_for 20 links_up || lab_fail "the links are not up"
}
stop () {
  local name
  for name in tttd-c0 tttd-server; do lab_kill "$name" TERM; lab_wait_exit "$name" 10 || true; done
}
show () {
  local bus
  for bus in "$TTTD_CLIENT_BUS" "$TTTD_SERVER_BUS"; do
    tttd_ctl "$bus" --json status | python3 -c "
import json,sys
c = json.load(sys.stdin)['counters']
print('    ' + ', '.join('%s %s' % (k, c.get(k, 0)) for k in ('nacks-sent', 'retransmits', 'recovered-retransmit', 'reorder-lost', 'reorder-timeouts', 'tx-queue-full', 'fec-repair-sent', 'recovered-fec', 'fec-overhead-bytes')))"
  done
}

for mode in $modes; do
  start "$mode" adaptive
  for loss in 0 2 5 ge; do
    if [[ $loss == ge ]]; then
      lab_path_emulate 0 0 --loss 0
      lab_path_loss 0 0 --gilbert 1 5
      what="1% bursty loss (Gilbert-Elliott, bursts of 5)"
    else
      lab_path_emulate 0 0 --loss "$loss"
      what="$loss% loss"
    fi
    sleep 3   # the estimators see the loss
    t=$(lab_iperf "$client" "$TTTD_SERVER_TUN" "$seconds" "${ccarg[@]}" || echo 0)
    bench_row "recovery $mode, $what on path 0: one flow" "$t Mbit/s (ratio $(bench_ratio "$t" "$raw_sum"))"
    [[ -n ${BENCH_VERBOSE:-} ]] && show
  done
  lab_path_loss 0 0 --gilbert off
  lab_path_emulate 0 0 --loss 0
  stop

  start "$mode" redundant
  lab_path_emulate 0 0 --loss 10
  lab_path_emulate 0 1 --loss 10
  sleep 3
  before=$(counter "$TTTD_CLIENT_BUS" fec-overhead-bytes)
  ip netns exec "$client" ping -n -q -i 0.02 -c "$pings" -W 1 -s 56 "$TTTD_SERVER_TUN" > "$LAB_DIR/ping-$mode.txt" 2>&1 || true
  sleep 1.5
  over=$(( $(counter "$TTTD_CLIENT_BUS" fec-overhead-bytes) - before ))
  lost=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$LAB_DIR/ping-$mode.txt")
  # a ping is 84 bytes of IP, 132 sealed, sent on both links
  bench_row "recovery $mode, redundant, 10% loss on each link: pings" \
            "${lost:-n/a}% lost of $pings; client FEC overhead $(awk -v o="$over" -v n="$pings" 'BEGIN { printf "%.0f", 100 * o / (n * 132 * 2) }')% of the sealed ping bytes"
  [[ -n ${BENCH_VERBOSE:-} ]] && show
  lab_path_emulate 0 0 --loss 0
  lab_path_emulate 0 1 --loss 0
  stop
done
