#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/multipath.sh: bonding on two emulated links, 40 Mbit/s at 10 ms RTT
# and 20 Mbit/s at 40 ms RTT, each figure beside the same run's raw paths
# and kernel MPTCP (mptcpize run iperf3 on the same paths):
#  - one TCP flow through the tunnel against the sum of the raw paths;
#  - ping through the tunnel during that upload (p50/p95) against the best
#    path's idle RTT;
#  - black-holing the active link while pinging every 10 ms: the longest gap;
#  - redundant with 10% random loss on each link: packets delivered;
#  - probe bytes per idle hour per link.
#
# TCP flows use the machine's congestion control (its sysctl) unless --cc
# names one (cubic, bbr): a single BBR flow caps what it has in flight at
# twice its bandwidth times the smallest RTT it saw, which a bond of a fast
# and a slow path (in order) cannot fill; MPTCP runs BBR per subflow.
#
# Failover is measured two ways: pings every 10 ms through the tunnel (with
# adaptive, pings are interactive and travel on both links, so the figure
# that shows failover itself is active-backup's), and one TCP download whose
# path is cut, beside MPTCP's.
#
#   sudo bench/multipath.sh [--seconds N] [--runs N] [--strategy S] [--cc NAME] [--idle N]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 runs=3 strategy=adaptive cc= idle_s=30
while (( $# )); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --strategy) strategy=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --idle) idle_s=$2; shift 2 ;;
    *) echo "multipath: unknown option $1" >&2; exit 2 ;;
  esac
done
source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build

lab_init
LAB_DUMP_LOGS=0
lab_require iperf3 ping tc
lab_topology --paths 2 --emulate
lab_path_emulate 0 0 --rtt 10
lab_path_emulate 0 1 --rtt 40
bench_shape 0 0 40mbit
bench_shape 0 1 20mbit
client=${LAB_NS_CLIENT[0]}
lab_iperf_server iperf "$LAB_NS_SERVER"

ccarg=()
if [[ -n $cc ]]; then ccarg=(-C "$cc"); else cc=$(ip netns exec "$client" sysctl -n net.ipv4.tcp_congestion_control); fi
echo "bench/multipath: 2 links, 40 Mbit/s @ 10 ms and 20 Mbit/s @ 40 ms; one TCP flow ($cc), ${seconds} s x ${runs} runs (medians)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"

# raw paths, one at a time
declare -a raw0 raw1
for (( r = 0; r < runs; r++ )); do
  raw0+=($(lab_iperf "$client" "$LAB_SERVER_ADDR" "$seconds" --bind-dev wan0 "${ccarg[@]}" || echo 0))
  raw1+=($(lab_iperf "$client" "$LAB_SERVER_ADDR" "$seconds" --bind-dev wan1 "${ccarg[@]}" || echo 0))
done
r0=$(bench_median "${raw0[@]}") r1=$(bench_median "${raw1[@]}")
raw_sum=$(awk -v a="$r0" -v b="$r1" 'BEGIN { print a + b }')
idle=$(lab_ping_rtt "$client" "$LAB_SERVER_ADDR" 20 0.05 -I wan0 | awk '{ print $2 }')
bench_row "raw path 0 (40 Mbit/s, 10 ms)" "$r0 Mbit/s"
bench_row "raw path 1 (20 Mbit/s, 40 ms)" "$r1 Mbit/s"
bench_row "raw sum" "$raw_sum Mbit/s"
bench_row "best path idle RTT" "$idle ms"

# kernel MPTCP on the same paths, when the kernel and mptcpize have it
mptcp=n/a mptcp_stall=n/a mptcp_ping=n/a
if command -v mptcpize >/dev/null && ip netns exec "$client" sysctl -qw net.mptcp.enabled=1 2>/dev/null; then
  ip netns exec "$LAB_NS_SERVER" sysctl -qw net.mptcp.enabled=1
  for ns in "$client" "$LAB_NS_SERVER"; do ip -n "$ns" mptcp limits set subflows 4 add_addr_accepted 4; done
  ip -n "$client" mptcp endpoint add "$(lab_path_addr 0 1 client)" dev wan1 subflow
  lab_spawn iperf-mptcp "$LAB_NS_SERVER" mptcpize run iperf3 -s -p 5202
  lab_wait_for 5 lab__listening "$LAB_NS_SERVER" 5202
  declare -a mp mp50s mp95s
  for (( r = 0; r < runs; r++ )); do
    # ping on the best path meanwhile: what MPTCP's queues do to latency
    ip netns exec "$client" ping -n -i 0.1 -w $(( seconds + 1 )) -I wan0 "$LAB_SERVER_ADDR" > "$LAB_DIR/ping-mptcp-$r.txt" 2>&1 &
    pinger=$!
    mp+=($(ip netns exec "$client" timeout $(( seconds + 15 )) mptcpize run iperf3 -c "$LAB_SERVER_ADDR" -p 5202 -t "$seconds" -f m "${ccarg[@]}" 2>/dev/null |
           awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) } END { print v + 0 }'))
    wait "$pinger" || true
    read -r p50 p95 _ <<<"$(bench_ping_stats "$LAB_DIR/ping-mptcp-$r.txt")"
    mp50s+=("$p50"); mp95s+=("$p95")
    sleep 1
  done
  mptcp=$(bench_median "${mp[@]}")
  mptcp_ping="$(bench_median "${mp50s[@]}") / $(bench_median "${mp95s[@]}") ms"
  mptcp_stall=$(BENCH_PORT=5202 bench_tcp_stall "$client" "$LAB_SERVER_ADDR" 8 3 mptcpize run)
  sleep 2
  ip -n "$client" mptcp endpoint flush
  lab_kill iperf-mptcp; lab_wait_exit iperf-mptcp 5 || true
fi
bench_row "kernel MPTCP, one flow" "$mptcp Mbit/s (ratio $(bench_ratio "$mptcp" "$raw_sum"))"

# tttd
tttd_lab_keys 1
TTTD_SERVER_BUS=$(tttd_lab_bus server)
TTTD_CLIENT_BUS=$(tttd_lab_bus client)
TTTD_SERVER_STRATEGY=$strategy tttd_lab_server
TTTD_CLIENT_STRATEGY=$strategy tttd_lab_client 0
tttd_lab_wait_connected 0
sleep 2
declare -a tun p50s p95s
for (( r = 0; r < runs; r++ )); do
  ip netns exec "$client" ping -n -i 0.1 -w $(( seconds + 1 )) "$TTTD_SERVER_TUN" > "$LAB_DIR/ping-load-$r.txt" 2>&1 &
  pinger=$!
  tun+=($(lab_iperf "$client" "$TTTD_SERVER_TUN" "$seconds" "${ccarg[@]}" || echo 0))
  wait "$pinger" || true
  read -r p50 p95 _ <<<"$(bench_ping_stats "$LAB_DIR/ping-load-$r.txt")"
  p50s+=("$p50"); p95s+=("$p95")
done
t=$(bench_median "${tun[@]}")
bench_row "tttd ($strategy), one flow" "$t Mbit/s (ratio $(bench_ratio "$t" "$raw_sum"); goal >= 0.97)"
bench_row "ping through tttd during the upload, p50 / p95" "$(bench_median "${p50s[@]}") / $(bench_median "${p95s[@]}") ms (idle best path $idle ms; goal p95 <= idle + 5)"
bench_row "ping on path 0 during the MPTCP upload, p50 / p95" "$mptcp_ping"
echo "  per run: raw0 ${raw0[*]} | raw1 ${raw1[*]} | tttd ${tun[*]}"
if [[ -n ${BENCH_VERBOSE:-} ]]; then
  tttd_ctl "$TTTD_CLIENT_BUS" --json links | grep -E '"interface"|capacity|tx_bytes|rtt_usec'
  tttd_ctl "$TTTD_CLIENT_BUS" --json status | grep -A30 counters
  tttd_ctl "$TTTD_SERVER_BUS" --json status | grep -A30 counters
fi

# failover and loss, with the same daemons
links_up () { [[ $(tttd_ctl "$TTTD_CLIENT_BUS" --json links | grep -cE '"state" : "(up|standby)"') == 2 ]]; }
strategy_both () {
  tttd_ctl "$TTTD_CLIENT_BUS" set-strategy "$1" >/dev/null
  tttd_ctl "$TTTD_SERVER_BUS" set-strategy "$1" >/dev/null
}
# ping_gap: pings every 10 ms for 6 s through the tunnel, path 0 cut at 2 s
ping_gap () {
  lab_wait_for 20 links_up || lab_fail "the links did not come back up"
  ip netns exec "$client" ping -n -i 0.01 -c 600 -W 1 "$TTTD_SERVER_TUN" > "$LAB_DIR/ping-gap-$1.txt" 2>&1 &
  local pinger=$!
  sleep 2
  lab_path_blackhole 0 0 on
  wait "$pinger" || true
  lab_path_blackhole 0 0 off
  bench_ping_gap "$LAB_DIR/ping-gap-$1.txt" 10
}

lab_wait_for 20 links_up || lab_fail "the links are not up"
tstall=$(bench_tcp_stall "$client" "$TTTD_SERVER_TUN" 8 3)
bench_row "TCP download, path 0 cut: longest stall" "tttd $tstall ms, MPTCP $mptcp_stall ms (100 ms resolution)"
read -r gap lost sent <<<"$(ping_gap adaptive)"
bench_row "ping every 10 ms, path 0 cut ($strategy)" "longest gap $gap ms, $lost of $sent lost"
strategy_both active-backup
sleep 2
read -r gap lost sent <<<"$(ping_gap active-backup)"
bench_row "ping every 10 ms, active link cut (active-backup)" "longest gap $gap ms, $lost of $sent lost (goal <= 150 ms)"

# redundant through 10% random loss on each link, both ways; one-way UDP
lab_wait_for 20 links_up || lab_fail "the links did not come back up"
strategy_both redundant
lab_path_emulate 0 0 --loss 10
lab_path_emulate 0 1 --loss 10
sleep 1
raw_udp=$(bench_udp_delivered "$client" "$LAB_SERVER_ADDR" "$seconds" 5 --bind-dev wan0)
tun_udp=$(bench_udp_delivered "$client" "$TTTD_SERVER_TUN" "$seconds" 5)
bench_row "UDP 5 Mbit/s, 10% loss on each link: delivered" "tttd redundant $tun_udp%, raw path 0 $raw_udp% (goal >= 99%)"
lab_path_emulate 0 0 --loss 0
lab_path_emulate 0 1 --loss 0

# idle: only probes flow; after 30 s without data, links are probed once a
# second (data brings the 50 ms watch back at once)
strategy_both "$strategy"
lab_wait_for 20 links_up || lab_fail "the links did not come back up"
sleep 32
before=$(bench_link_bytes "$TTTD_CLIENT_BUS")
sleep "$idle_s"
after=$(bench_link_bytes "$TTTD_CLIENT_BUS")
probe=$(join <(sort <<<"$before") <(sort <<<"$after") |
        awk -v t="$idle_s" '{ printf "%s%s %.2f MB", sep, $1, ($3 - $2) * 3600 / t / 1e6; sep = ", " }')
bench_row "probe traffic per idle hour, both ways, per link" "$probe (measured over $idle_s s)"
