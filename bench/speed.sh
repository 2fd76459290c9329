#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/speed.sh: one path, no shaping: raw veth, Debian's wireguard-go and
# tttd side by side in the same run, over the same veths. Prints, for each:
# one TCP flow's throughput, CPU seconds per GB (both tunnel daemons), the
# RTT it adds to an idle ping, packets per second at 64-byte payloads; then
# ratios tttd / wireguard-go, tttd's idle RSS, and instructions per
# 1400-byte packet from callgrind (bench/packet-cost).
#
#   sudo bench/speed.sh [--seconds N] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 runs=3
while (( $# )); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "speed: unknown option $1" >&2; exit 2 ;;
  esac
done
source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build

lab_init
LAB_DUMP_LOGS=0
lab_require iperf3 ping wireguard-go wg
lab_topology --paths 1
client=${LAB_NS_CLIENT[0]}
lab_iperf_server iperf "$LAB_NS_SERVER"

cpu_ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure NAME ADDR PIDS...: throughput, CPU per GB of the PIDS, added RTT, pps
measure () {
  local name=$1 addr=$2 rates=() t0 t1 bytes mbps cpu pps rtt
  shift 2
  local pids=("$@")
  t0=0; for p in "${pids[@]}"; do t0=$(( t0 + $(cpu_ticks "$p") )); done
  for (( r = 0; r < runs; r++ )); do
    rates+=($(lab_iperf "$client" "$addr" "$seconds" -C cubic || echo 0))
  done
  t1=0; for p in "${pids[@]}"; do t1=$(( t1 + $(cpu_ticks "$p") )); done
  mbps=$(bench_median "${rates[@]}")
  bytes=$(printf '%s\n' "${rates[@]}" | awk -v s="$seconds" '{ b += $1 * 1e6 / 8 * s } END { print b }')
  cpu=$(awk -v t=$(( t1 - t0 )) -v hz="$hz" -v b="$bytes" 'BEGIN { if (b > 0 && t > 0) printf "%.2f", t / hz / (b / 1e9); else print "n/a" }')
  rtt=$(lab_ping_rtt "$client" "$addr" 100 0.02 | awk '{ print $2 }')
  pps=$(ip netns exec "$client" timeout $(( seconds + 15 )) iperf3 -u -l 64 -b 0 -t 5 -c "$addr" 2>/dev/null |
        awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, a, "/"); print int((a[2] - a[1]) / 5) } }')
  printf '%s %s %s %s %s\n' "$name" "$mbps" "$cpu" "$rtt" "${pps:-0}"
}

echo "bench/speed: one path over veth, one TCP flow (cubic), ${seconds} s x ${runs} runs (medians)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
results=()
results+=("$(measure raw "$LAB_SERVER_ADDR")")

# wireguard-go, one interface in each namespace; the UAPI sockets are named
# after the interface, so the two do not collide in /var/run/wireguard
(umask 077; wg genkey > "$LAB_DIR/wgc.key"; wg genkey > "$LAB_DIR/wgs.key")
lab_spawn wg-server "$LAB_NS_SERVER" env WG_PROCESS_FOREGROUND=1 wireguard-go -f wgs0
lab_spawn wg-client "$client" env WG_PROCESS_FOREGROUND=1 wireguard-go -f wgc0
lab_wait_for 5 ip -n "$LAB_NS_SERVER" link show wgs0
lab_wait_for 5 ip -n "$client" link show wgc0
ip netns exec "$LAB_NS_SERVER" wg set wgs0 listen-port 51820 private-key "$LAB_DIR/wgs.key" \
  peer "$(wg pubkey < "$LAB_DIR/wgc.key")" allowed-ips 198.19.1.2/32
ip netns exec "$client" wg set wgc0 private-key "$LAB_DIR/wgc.key" \
  peer "$(wg pubkey < "$LAB_DIR/wgs.key")" allowed-ips 198.19.1.0/24 endpoint "$LAB_SERVER_ADDR:51820"
ip -n "$LAB_NS_SERVER" addr add 198.19.1.1/24 dev wgs0; ip -n "$LAB_NS_SERVER" link set wgs0 up
ip -n "$client" addr add 198.19.1.2/24 dev wgc0; ip -n "$client" link set wgc0 up
lab_wait_for 5 ip netns exec "$client" ping -c 1 -W 1 198.19.1.1 || lab_fail "wireguard-go did not connect"
lab_iperf_server iperf-wg "$LAB_NS_SERVER" 5202
results+=("$(measure wireguard-go 198.19.1.1 "$(pgrep -f 'wireguard-go -f wgs0')" "$(pgrep -f 'wireguard-go -f wgc0')")")
lab_kill wg-server; lab_kill wg-client

tttd_lab_keys 1
tttd_lab_server
tttd_lab_client 0
tttd_lab_wait_connected 0
sleep 1
tpids=("$(lab_pid tttd-server)" "$(lab_pid tttd-c0)")
# lab_spawn's pid is ip netns exec's, which execs: the same process
results+=("$(measure tttd "$TTTD_SERVER_TUN" "${tpids[@]}")")

printf '  %-14s %12s %12s %12s %12s\n' "" "TCP Mbit/s" "CPU s/GB" "RTT ms" "pps (64 B)"
for row in "${results[@]}"; do
  read -r n m c r p <<<"$row"
  printf '  %-14s %12s %12s %12s %12s\n' "$n" "$m" "$c" "$r" "$p"
done
read -r _ raw_m _ raw_r _ <<<"${results[0]}"
read -r _ wg_m wg_c wg_r wg_p <<<"${results[1]}"
read -r _ t_m t_c t_r t_p <<<"${results[2]}"
bench_row "tttd / wireguard-go throughput" "$(bench_ratio "$t_m" "$wg_m") (goal >= 3)"
bench_row "tttd / wireguard-go CPU per GB" "$(bench_ratio "$t_c" "$wg_c") (goal <= 0.33)"
bench_row "tttd added RTT (idle ping)" "$(awk -v a="$t_r" -v b="$raw_r" 'BEGIN { printf "%.0f us", (a - b) * 1000 }') (goal <= 150 us)"
bench_row "tttd / wireguard-go pps (64 B)" "$(bench_ratio "$t_p" "$wg_p")"
sleep 5
cpid=$(lab_pid tttd-c0)
bench_row "tttd client RSS, idle" "$(awk '/VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$cpid/status") (goal <= 8 MiB)"
# most of the RSS is shared library pages (libc, GLib, libnm, libnftables
# and what they pull in); what one more tttd costs is its private memory
bench_row "  of which shared with other processes" "$(awk '/^Shared_Clean|^Shared_Dirty/ { s += $2 } END { printf "%.1f MiB", s / 1024 }' "/proc/$cpid/smaps_rollup")"
bench_row "  PSS (shared pages split among their users)" "$(awk '/^Pss:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$cpid/smaps_rollup")"
bench_row "  private (heap, buffers, stacks)" "$(awk '/^Private_Clean|^Private_Dirty/ { s += $2 } END { printf "%.1f MiB", s / 1024 }' "/proc/$cpid/smaps_rollup")"
if [[ -x $TTTD_BUILD_DIR/bench/packet-cost ]] && command -v valgrind >/dev/null; then
  ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$TTTD_BUILD_DIR/bench/packet-cost" 10000 2>&1 |
       awk '/Collected :/ { print $4 }')
  base=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$TTTD_BUILD_DIR/bench/packet-cost" 0 2>&1 |
       awk '/Collected :/ { print $4 }')
  bench_row "instructions per 1400-byte packet (callgrind)" "$(( (ir - base) / 10000 )) (seal + open + framing + scheduling + reorder)"
fi
