#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/profile.sh: where the client tttd spends its CPU during one TCP
# flow up over one unshaped path (the lab topology of bench/speed.sh):
# `perf record -g` on the client daemon while the flow runs, then the
# symbols with the most self time (perf report --no-children), and the share
# of tttd_l4_checksum, userspace TCP/UDP checksums, on its own line.
#
#   sudo bench/profile.sh [--seconds N] [--symbols N]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 symbols=20
while (( $# )); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --symbols) symbols=$2; shift 2 ;;
    *) echo "profile: unknown option $1" >&2; exit 2 ;;
  esac
done
source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build

lab_init
LAB_DUMP_LOGS=0
lab_require iperf3 perf
lab_topology --paths 1
client=${LAB_NS_CLIENT[0]}
lab_iperf_server iperf "$LAB_NS_SERVER"
tttd_lab_keys 1
tttd_lab_server
tttd_lab_client 0
tttd_lab_wait_connected 0
sleep 1
cpid=$(lab_pid tttd-c0)
# bounded: perf stops by itself a second before the flow ends
perf record -q -g -o "$LAB_DIR/perf.data" -p "$cpid" -- sleep $(( seconds > 2 ? seconds - 2 : 1 )) \
  >"$LAB_DIR/perf-record.log" 2>&1 &
perf_pid=$!
sleep 1
mbps=$(lab_iperf "$client" "$TTTD_SERVER_TUN" "$seconds" -C cubic || echo 0)
wait "$perf_pid" || true
echo "bench/profile: client tttd, one TCP flow up (cubic) over one path, ${seconds} s: $mbps Mbit/s"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
report=$(perf report -i "$LAB_DIR/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
         grep -E '^ +[0-9.]+%' | sed 's/[ -]*$//')
head -n "$symbols" <<<"$report"
share=$(awk '$3 == "tttd_l4_checksum" { print $1 }' <<<"$report")
bench_row "tttd_l4_checksum (self)" "${share:-0%} (goal: not in the profile)"
