#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/cellular.sh: bonding on real cellular and lossy links. Each scenario
# emulates 2 or 3 links (recorded LTE capacity traces with Mahimahi's mm-link
# semantics, fixed links with random or bursty loss, outages) and measures,
# from the same trace offsets (every trace clock starts over before each
# flow), one TCP flow up and one down through:
#  - each link alone (raw TCP, bound to its interface);
#  - kernel MPTCP over all links (mptcpize run iperf3);
#  - tttd with adaptive and each other strategy in turn (--strategies).
# Beside every flow: ping p50/p95 (every 100 ms; through the tunnel for
# tttd, on link 0 for MPTCP, on the link itself for raw), the sender's TCP
# retransmissions (iperf3 --json) and, for tttd, the sending daemon's
# tx-queue-full counter (tttctl --json status). Ratios: against the sum of
# the raw links and against the best single link, same direction.
#
# Traces come from $TTTD_TRACES, else ../shared/traces beside the source
# tree, else tests/lab/traces (which carries the ATT-LTE-driving-2016 pair).
#
# BENCH_VERBOSE=1 also prints, per link and direction, what its trace
# allows in each second of the stretch played, and beside every tttd flow
# the sending daemon's capacity estimate of each link once a second, and
# both daemons' reorder and recovery counters.
#
#   sudo bench/cellular.sh --list
#   sudo bench/cellular.sh [--scenario NAME[,NAME...]] [--seconds N] [--strategies LIST]
#                          [--cc NAME] [--no-mptcp] [--csv FILE]
# --csv appends one line per row: scenario, links (traces, offsets, scale,
# queue, RTT), what was measured, then up and down figures and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20 cc= scenarios= mptcp_on=1 list=0 csv=
strategies=adaptive,balance-rr,weighted,lowest-rtt,redundant,active-backup
while (( $# )); do
  case $1 in
    --scenario) scenarios=$2; shift 2 ;;
    --list) list=1; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --strategies) strategies=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --no-mptcp) mptcp_on=0; shift ;;
    --csv) csv=$(realpath "$2"); shift 2 ;;
    *) echo "cellular: unknown option $1" >&2; exit 2 ;;
  esac
done

# a link: KEY=VALUE words. trace links: up=FILE down=FILE offset=MS (down's;
# up-offset=MS for the uplink) scale=K queue=BYTES rtt=MS [outage=EVERY,FOR,FIRST];
# fixed links: rate=RATE rtt=MS [queue=MSms] [loss=PCT] [gilbert=PCT,BURST]
TM=TMobile-LTE-driving.down ATT_UP=ATT-LTE-driving-2016.up ATT_DOWN=ATT-LTE-driving-2016.down
declare -A SCENARIO_INFO SCENARIO_LINKS
scenario () { SCENARIO_INFO[$1]=$2; SCENARIO_LINKS[$1]=$3; SCENARIO_ORDER+=("$1"); }
SCENARIO_ORDER=()
# offsets: TMobile down from 70 s (about 14.5 Mbit/s over the next 20 s);
# TMobile has no uplink trace, so its uplink plays a slow stretch of the
# downlink (from 210 s, about 4.5 Mbit/s); ATT 2016 both ways from 60 s,
# doubled (about 5 Mbit/s up, 12 down)
TM_LINK="up=$TM up-offset=210000 down=$TM offset=70000 scale=1 rtt=40"
ATT_LINK="up=$ATT_UP down=$ATT_DOWN offset=60000 scale=2 rtt=60"
scenario lte-deep "TMobile LTE + ATT LTE x2, deep queues (250 kB)" \
  "$TM_LINK queue=250000
$ATT_LINK queue=250000"
scenario lte-shallow "TMobile LTE + ATT LTE x2, shallow queues (30 kB)" \
  "$TM_LINK queue=30000
$ATT_LINK queue=30000"
for pct in 1 2 5; do
  scenario "lossy-$pct" "40 Mbit/s 10 ms clean + 20 Mbit/s 40 ms with $pct% random loss each way" \
    "rate=40mbit rtt=10
rate=20mbit rtt=40 loss=$pct"
done
scenario lossy-ge "40 Mbit/s 10 ms clean + 20 Mbit/s 40 ms with 1% Gilbert-Elliott loss, bursts of 5" \
  "rate=40mbit rtt=10
rate=20mbit rtt=40 gilbert=1,5"
scenario outage "steady 20 Mbit/s 20 ms + steady 20 Mbit/s 30 ms with a 2 s outage every 6 s (first at 3 s)" \
  "up=steady:20mbit down=steady:20mbit queue=100000 rtt=20
up=steady:20mbit down=steady:20mbit queue=100000 rtt=30 outage=6,2,3"
scenario three "TMobile LTE + ATT LTE x2 + fixed 20 Mbit/s 30 ms, 100 kB queues" \
  "$TM_LINK queue=100000
$ATT_LINK queue=100000
rate=20mbit rtt=30 queue=100000"

if (( list )); then
  for s in "${SCENARIO_ORDER[@]}"; do printf '%-12s %s\n' "$s" "${SCENARIO_INFO[$s]}"; done
  exit 0
fi
[[ -n $scenarios ]] || scenarios=$(IFS=,; echo "${SCENARIO_ORDER[*]}")
IFS=, read -r -a scenario_list <<<"$scenarios"
IFS=, read -r -a strategy_list <<<"$strategies"
for s in "${scenario_list[@]}"; do
  [[ -n ${SCENARIO_LINKS[$s]:-} ]] || { echo "cellular: no scenario '$s' (--list)" >&2; exit 2; }
done

source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build

trace_dirs=()
[[ -n ${TTTD_TRACES:-} ]] && trace_dirs+=("$TTTD_TRACES")
trace_dirs+=("$PWD/../shared/traces" "$PWD/tests/lab/traces")

# trace_file NAME: its path, or a steady trace for steady:RATE
trace_file () {
  local d
  if [[ $1 == steady:* ]]; then
    lab_trace_constant "${1#steady:}" "$LAB_DIR/$1.trace"
    echo "$LAB_DIR/$1.trace"
    return 0
  fi
  for d in "${trace_dirs[@]}"; do
    [[ -r $d/$1 ]] && { echo "$d/$1"; return 0; }
  done
  lab_fail "trace $1 not found in ${trace_dirs[*]} (set TTTD_TRACES)"
}

# link_get SPEC KEY [DEFAULT]
link_get () {
  local w
  for w in $1; do [[ $w == "$2="* ]] && { echo "${w#*=}"; return 0; }; done
  echo "${3:-}"
}

# link_setup I SPEC: the emulator of path 0,I; prints the link's description
link_setup () {
  local i=$1 spec=$2 up down rtt queue scale offset up_offset outage loss gilbert rate
  rtt=$(link_get "$spec" rtt 0)
  lab_path_emulate 0 "$i" --clear
  lab_path_emulate 0 "$i" --rtt "$rtt"
  up=$(link_get "$spec" up)
  if [[ -n $up ]]; then
    down=$(link_get "$spec" down) queue=$(link_get "$spec" queue 100000)
    scale=$(link_get "$spec" scale 1) offset=$(link_get "$spec" offset 0)
    up_offset=$(link_get "$spec" up-offset "$offset") outage=$(link_get "$spec" outage)
    lab_path_trace 0 "$i" up "$(trace_file "$up")" --queue "$queue" --offset "$up_offset" --scale "$scale"
    lab_path_trace 0 "$i" down "$(trace_file "$down")" --queue "$queue" --offset "$offset" --scale "$scale"
    if [[ -n $outage ]]; then
      IFS=, read -r o_every o_for o_first <<<"$outage"
      lab_path_outage 0 "$i" "$o_every" "$o_for" ${o_first:+--first "$o_first"}
    fi
    if [[ -n ${BENCH_VERBOSE:-} ]]; then
      echo "link $i up, Mbit/s its trace allows per second: $(trace_rates "$(trace_file "$up")" "$up_offset" "$scale")" >&2
      echo "link $i down, Mbit/s its trace allows per second: $(trace_rates "$(trace_file "$down")" "$offset" "$scale")" >&2
    fi
    echo "link $i: up $up @${up_offset} ms, down $down @${offset} ms, scale $scale, queue $queue B, rtt $rtt ms${outage:+, outage every ${o_every} s for ${o_for} s from ${o_first:-$o_every} s}"
  else
    rate=$(link_get "$spec" rate) queue=$(link_get "$spec" queue 50ms)
    loss=$(link_get "$spec" loss 0) gilbert=$(link_get "$spec" gilbert)
    lab_path_emulate 0 "$i" --rate "$rate" --queue "$queue" --loss "$loss"
    [[ -n $gilbert ]] && lab_path_emulate 0 "$i" --gilbert "$gilbert"
    echo "link $i: fixed $rate, queue $queue, rtt $rtt ms$( [[ $loss != 0 ]] && echo ", $loss% random loss each way")${gilbert:+, Gilbert-Elliott loss ${gilbert/,/% in bursts of } each way}"
  fi
}

# trace_rates FILE OFFSET_MS SCALE: Mbit/s per second of the stretch a flow plays
trace_rates () {
  awk -v o="$2" -v k="$3" -v n="$seconds" '
    NR == FNR { last = $1; next }
    { t = $1 - o % last; if (t < 0) t += last; if (t < n * 1000) c[int(t / 1000)]++ }
    END { for (s = 0; s < n; s++) printf "%.1f ", c[s] * 1504 * 8 * k / 1e6 }' "$1" "$1"
}

# estimates BUS SECONDS FILE: the daemon's capacity estimate per link once a second
estimates () {
  local t
  for (( t = 1; t <= $2; t++ )); do
    sleep 1
    tttd_ctl "$1" --json links 2>/dev/null | python3 -c 'import json, sys
print(" ".join("%s=%.1f" % (l["interface"], l.get("capacity_bps", 0) / 1e6) for l in json.load(sys.stdin)))' >> "$3" || true
  done
}

restart_traces () {
  local i
  for (( i = 0; i < LAB_PATHS; i++ )); do
    lab_path_restart 0 "$i"
    lab_emu_send 0 "$i" reset-stats
  done
}

# emulator_use DIR: per link, how much of what its trace offered was
# delivered (bytes, against every opportunity's bytes) and what its queue
# dropped
emulator_use () {
  local i line
  for (( i = 0; i < LAB_PATHS; i++ )); do
    line=$(lab_emu_stats 0 "$i" | grep "^$1 ")
    awk -v i="$i" '{ for (f = 2; f <= NF; f++) { split($f, kv, "="); c[kv[1]] = kv[2] }
      o = (c["opportunities-used"] + c["opportunities-lost"]) * c["opportunity-bytes"]
      printf "link %d: %.0f%% of its capacity used, %s frames dropped by its queue", i,
        (o > 0 ? 100 * c["tx-bytes"] / o : 0), c["drop-queue"]
      for (k in c) if (k ~ /^drop-/ && k != "drop-queue" && c[k] != 0) printf ", %s %s", k, c[k]
      printf "; " }' <<<"$line"
  done
}

# counter BUS NAME: a tttd counter (0 without a bus)
counter () {
  [[ -n $1 ]] || { echo 0; return 0; }
  tttd_ctl "$1" --json status | python3 -c 'import json, sys
print(json.load(sys.stdin).get("counters", {}).get(sys.argv[1], 0))' "$2"
}

# measure ADDR up|down PING_ARGS IPERF_ARGS SENDER_BUS PORT [WRAPPER...]: one
# TCP flow; prints "mbit p50 p95 retransmits tx_queue_full"
measure () {
  local addr=$1 dir=$2 ping_args=$3 iperf_args=$4 bus=$5 port=$6 json ping q0 q1 mbit retr p50 p95 rev=()
  shift 6
  [[ $dir == down ]] && rev=(-R)
  json=$(mktemp -p "$LAB_DIR" flow.XXXXXX) ping=$(mktemp -p "$LAB_DIR" ping.XXXXXX)
  q0=$(counter "$bus" tx-queue-full)
  restart_traces
  # shellcheck disable=SC2086  # the argument strings split into words
  ip netns exec "$client" ping -n -i 0.1 -w "$seconds" $ping_args "$addr" > "$ping" 2>&1 &
  local pinger=$! sampler=
  if [[ -n ${BENCH_VERBOSE:-} && -n $bus ]]; then
    estimates "$bus" "$seconds" "$json.est" &
    sampler=$!
  fi
  ip netns exec "$client" timeout $(( seconds + 20 )) "$@" iperf3 -c "$addr" -p "$port" -t "$seconds" \
    "${rev[@]}" --json "${ccarg[@]}" $iperf_args > "$json" 2>/dev/null || true
  wait "$pinger" || true
  if [[ -n $sampler ]]; then
    wait "$sampler" || true
    echo "    $dir: sender's capacity estimates, Mbit/s per second: $(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); e[kv[1]] = e[kv[1]] " " kv[2] } }
      END { for (l in e) printf "%s:%s; ", l, e[l] }' "$json.est")" >&2
  fi
  [[ -z ${BENCH_VERBOSE:-} ]] || echo "    $dir: $(emulator_use "$dir")" >&2
  # the sending TCP's window and RTT each second (iperf3 reports them where
  # it sends: upload only)
  [[ -z ${BENCH_VERBOSE:-} || $dir == down ]] || python3 -c 'import json, sys
try:
    iv = json.load(open(sys.argv[1]))["intervals"]
    print("    up: sender cwnd KB / srtt ms per second:", " ".join("%d/%d" % (i["streams"][0]["snd_cwnd"] / 1024, i["streams"][0]["rtt"] / 1000) for i in iv))
except Exception:
    pass' "$json" >&2
  q1=$(counter "$bus" tx-queue-full)
  read -r mbit retr <<<"$(python3 -c 'import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    print("%.2f %s" % (e["sum_received"]["bits_per_second"] / 1e6, e["sum_sent"].get("retransmits", "n/a")))
except Exception:
    print("0 n/a")' "$json")"
  read -r p50 p95 _ <<<"$(bench_ping_stats "$ping")"
  [[ -n $bus ]] && q1=$(( q1 - q0 )) || q1=-
  echo "$mbit $p50 $p95 $retr $q1"
  sleep 1
}

# row NAME "UP..." "DOWN..."
declare -A RAW_SUM RAW_BEST
row () {
  local name=$1 up=($2) down=($3) rs rb
  rs=$(bench_ratio "${up[0]}" "${RAW_SUM[up]}")/$(bench_ratio "${down[0]}" "${RAW_SUM[down]}")
  rb=$(bench_ratio "${up[0]}" "${RAW_BEST[up]}")/$(bench_ratio "${down[0]}" "${RAW_BEST[down]}")
  printf '  %-22s %8s %6s/%-6s %5s %5s | %8s %6s/%-6s %5s %5s | %-11s %s\n' "$name" \
    "${up[0]}" "${up[1]}" "${up[2]}" "${up[3]}" "${up[4]}" \
    "${down[0]}" "${down[1]}" "${down[2]}" "${down[3]}" "${down[4]}" "$rs" "$rb"
  [[ -z $csv ]] || csv_line "$scenario_name" "$links_text" "$name" "${up[@]:0:5}" "${down[@]:0:5}" \
    "${rs%/*}" "${rs#*/}" "${rb%/*}" "${rb#*/}" >> "$csv"
}

csv_line () {
  local f out=
  for f in "$@"; do out+="${out:+,}\"${f//\"/\'}\""; done
  echo "$out"
}

header () {
  printf '  %-22s %8s %13s %5s %5s | %8s %13s %5s %5s | %-11s %s\n' "" "up Mbit" "ping p50/p95" \
    "retr" "txqf" "dn Mbit" "ping p50/p95" "retr" "txqf" "/raw sum" "/best link"
}

run_scenario () {
  local name=$1 spec i n=0 lines=() up down best_up=0 best_down=0 s
  mapfile -t lines <<<"${SCENARIO_LINKS[$name]}"
  n=${#lines[@]}
  lab_init
  LAB_DUMP_LOGS=0
  lab_require iperf3 ping python3
  lab_topology --paths "$n" --emulate
  client=${LAB_NS_CLIENT[0]}
  lab_iperf_server iperf "$LAB_NS_SERVER"
  echo
  echo "scenario $name: ${SCENARIO_INFO[$name]}; one TCP flow ($cc) each way, $seconds s"
  scenario_name=$name links_text=
  for (( i = 0; i < n; i++ )); do
    desc=$(link_setup "$i" "${lines[i]}")
    echo "  $desc"
    links_text+="${links_text:+; }$desc"
  done
  [[ -z $csv || -s $csv ]] || csv_line scenario links measured up_mbit up_ping_p50 up_ping_p95 up_retransmits \
    up_tx_queue_full down_mbit down_ping_p50 down_ping_p95 down_retransmits down_tx_queue_full \
    up_over_raw_sum down_over_raw_sum up_over_best down_over_best > "$csv"
  header
  RAW_SUM[up]=0 RAW_SUM[down]=0 RAW_BEST[up]=0 RAW_BEST[down]=0
  declare -a raw_rows=()
  for (( i = 0; i < n; i++ )); do
    up=$(measure "$LAB_SERVER_ADDR" up "-I wan$i" "--bind-dev wan$i" "" 5201 env)
    down=$(measure "$LAB_SERVER_ADDR" down "-I wan$i" "--bind-dev wan$i" "" 5201 env)
    RAW_SUM[up]=$(awk -v a="${RAW_SUM[up]}" -v b="${up%% *}" 'BEGIN { print a + b }')
    RAW_SUM[down]=$(awk -v a="${RAW_SUM[down]}" -v b="${down%% *}" 'BEGIN { print a + b }')
    RAW_BEST[up]=$(awk -v a="${RAW_BEST[up]}" -v b="${up%% *}" 'BEGIN { print (b > a) ? b : a }')
    RAW_BEST[down]=$(awk -v a="${RAW_BEST[down]}" -v b="${down%% *}" 'BEGIN { print (b > a) ? b : a }')
    raw_rows+=("raw link $i|$up|$down")
  done
  for s in "${raw_rows[@]}"; do
    IFS='|' read -r name_ up down <<<"$s"
    row "$name_" "$up" "$down"
  done
  printf '  %-22s %8s %27s | %8s\n' "raw sum" "${RAW_SUM[up]}" "" "${RAW_SUM[down]}"

  if (( mptcp_on )) && command -v mptcpize >/dev/null && ip netns exec "$client" sysctl -qw net.mptcp.enabled=1 2>/dev/null; then
    ip netns exec "$LAB_NS_SERVER" sysctl -qw net.mptcp.enabled=1
    for ns in "$client" "$LAB_NS_SERVER"; do ip -n "$ns" mptcp limits set subflows 8 add_addr_accepted 8; done
    for (( i = 1; i < n; i++ )); do
      ip -n "$client" mptcp endpoint add "$(lab_path_addr 0 "$i" client)" dev "wan$i" subflow
    done
    lab_spawn iperf-mptcp "$LAB_NS_SERVER" mptcpize run iperf3 -s -p 5202
    lab_wait_for 5 lab__listening "$LAB_NS_SERVER" 5202
    up=$(measure "$LAB_SERVER_ADDR" up "-I wan0" "" "" 5202 mptcpize run)
    down=$(measure "$LAB_SERVER_ADDR" down "-I wan0" "" "" 5202 mptcpize run)
    row "kernel MPTCP" "$up" "$down"
    ip -n "$client" mptcp endpoint flush
    lab_kill iperf-mptcp; lab_wait_exit iperf-mptcp 5 || true
  fi

  tttd_lab_keys 1
  TTTD_SERVER_BUS=$(tttd_lab_bus server)
  TTTD_CLIENT_BUS=$(tttd_lab_bus client)
  TTTD_SERVER_STRATEGY=${strategy_list[0]} tttd_lab_server
  TTTD_CLIENT_STRATEGY=${strategy_list[0]} tttd_lab_client 0
  tttd_lab_wait_connected 0 20
  sleep 2
  for s in "${strategy_list[@]}"; do
    tttd_ctl "$TTTD_CLIENT_BUS" set-strategy "$s" >/dev/null
    tttd_ctl "$TTTD_SERVER_BUS" set-strategy "$s" >/dev/null
    sleep 2
    up=$(measure "$TTTD_SERVER_TUN" up "" "" "$TTTD_CLIENT_BUS" 5201 env)
    down=$(measure "$TTTD_SERVER_TUN" down "" "" "$TTTD_SERVER_BUS" 5201 env)
    row "tttd $s" "$up" "$down"
    if [[ -n ${BENCH_VERBOSE:-} ]]; then
      tttd_ctl "$TTTD_CLIENT_BUS" --json links | python3 -c 'import json, sys
for l in json.load(sys.stdin):
    print("    client", " ".join("%s=%s" % (k, v) for k, v in l.items() if k in ("interface", "state") or "capacity" in k or "rtt" in k or "loss" in k))'
      for side in client server; do
        bus=TTTD_${side^^}_BUS
        tttd_ctl "${!bus}" --json status | python3 -c 'import json, sys
c = json.load(sys.stdin).get("counters", {})
print("    %s counters so far:" % sys.argv[1], " ".join("%s=%s" % (k, v) for k, v in sorted(c.items())
      if v and not k.endswith(("-packets", "-bytes", "-csum-partial"))))' "$side"
      done
    fi
  done
  echo "  (ping: ms, every 100 ms beside the flow; retr: the sender's TCP retransmissions; txqf: the sending tttd's tx-queue-full; ratios up/down)"
  lab_cleanup 0
  trap - EXIT INT TERM
}

ccarg=()
if [[ -n $cc ]]; then ccarg=(-C "$cc"); else cc=$(sysctl -n net.ipv4.tcp_congestion_control); fi
echo "bench/cellular: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
for s in "${scenario_list[@]}"; do
  ( run_scenario "$s" )
done
