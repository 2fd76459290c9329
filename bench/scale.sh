#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# bench/scale.sh: one tttd server and N simulated clients (bench/clients, one
# process, one UDP socket and one source address per client) on one lab
# path. Prints: the server's memory per client (RSS of a 1-peer server, of
# the N-peer server before any session, with N sessions up, during traffic,
# after they closed), handshakes completed and lost, how long all took, the
# server's CPU time per phase, and the packets per second it forwarded.
#
# Source addresses: the server allows 5 handshakes/s (burst 10) per source
# address, so client i sends from 198.18.64.1 + i, added to the client
# namespace's wan0 (the router routes 198.18.64.0/18 back); every client
# starts its handshake at once (the worst case), and retries as tttd does.
#
# Phases: all N connect at once; idle (probes only, at the 200 ms of a
# link's first 30 s without data); quiet (probes at the 1 s tttd sends once
# a link has carried no data for 30 s, --quiet S); dormant (one probe
# every 5 s, once idle 2 minutes: the steady state of idle clients,
# --dormant S; 0 leaves either out); all rekey at once (the
# server then keeps the previous keys too, as it does between rekeys in
# steady state); traffic; the same traffic while the server reloads its
# configuration (SIGHUP: the longest silence is its stall); all close.
# --bus runs the server on a private D-Bus (one object per peer) instead of
# --no-bus; --reload 0 leaves the reload out.
#
#   sudo bench/scale.sh [--clients N] [--seconds S] [--pps P] [--idle S] [--quiet S]
#                       [--dormant S] [--size BYTES] [--reload S] [--bus]
#
# Goals (issue 18): all keyed; <= 4 KiB per configured peer without a
# session; <= 16 KiB per active session; idle probing (dormant) <= 5% of a
# core, at 10,000 clients.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=1000 seconds=10 pps=10 idle=5 quiet=10 dormant=15 size=84 hs_timeout=30 bus=0 reload=15
budget=175   # seconds for the whole bench; what is left bounds each step
while (( $# )); do
  case $1 in
    --clients) clients=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pps) pps=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --quiet) quiet=$2; shift 2 ;;
    --dormant) dormant=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --bus) bus=1; shift ;;
    --reload) reload=$2; shift 2 ;;
    *) echo "scale: unknown option $1" >&2; exit 2 ;;
  esac
done
(( clients >= 2 && clients <= 16000 )) || { echo "scale: --clients 2..16000" >&2; exit 2; }
source tests/lab/lab.sh
source tests/lab/tttd.sh
source bench/lib.sh
tttd_find_build
CLIENTS_BIN=$TTTD_BUILD_DIR/bench/clients
[[ -x $CLIENTS_BIN ]] || ninja -C "$TTTD_BUILD_DIR" bench/clients >/dev/null \
  || { echo "scale: cannot build $CLIENTS_BIN" >&2; exit 1; }

lab_init
lab_require ss getconf
lab_topology --paths 1
client=${LAB_NS_CLIENT[0]}
hz=$(getconf CLK_TCK)
SOURCE_BASE=198.18.64.1

# client i's source address, 198.18.64.1 + i
for (( i = 0; i < clients; i++ )); do
  n=$(( 64 * 256 + 1 + i ))
  echo "address add 198.18.$(( n / 256 )).$(( n % 256 ))/32 dev wan0"
done | ip -n "$client" -batch - || lab_fail "source addresses"
ip -n "$LAB_NS_ROUTER" route add 198.18.64.0/18 via "${LAB_CLIENT_ADDR[0,0]}" dev c0p0

tttd_lab_keys 0
"$CLIENTS_BIN" --generate "$clients" "$LAB_DIR/keys/clients.keys" > "$LAB_DIR/peers.conf"

# scale_config FILE PEERS: a server for the first PEERS clients
scale_config () {
  {
    echo "[tttd]"
    echo "mode=server"
    echo "tun=ttt0"
    echo "address=$TTTD_SERVER_TUN/16"
    echo "private-key-file=$LAB_DIR/keys/server.key"
    echo "[server]"
    echo "listen=$LAB_SERVER_ADDR:$TTTD_PORT"
    head -n $(( 3 * $2 )) "$LAB_DIR/peers.conf"
  } > "$1"
}

# scale_left MAX: seconds left of the budget, at most MAX
scale_left () { local left=$(( budget - SECONDS - 10 )); (( left < 1 )) && left=1; echo $(( left < $1 ? left : $1 )); }
scale__listening () { [[ -n $(ip netns exec "$LAB_NS_SERVER" ss -Hlun "sport = :$TTTD_PORT" 2>/dev/null) ]]; }
rss_kib () { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# scale_server NAME PEERS: start it, wait until it listens; sets
# server_pid and startup_s
scale_server () {
  local t0
  scale_config "$LAB_DIR/$1.conf" "$2"
  t0=$(lab__now_us)
  if (( bus )); then
    lab_spawn "$1" "$LAB_NS_SERVER" env DBUS_SYSTEM_BUS_ADDRESS="$TTTD_SERVER_BUS" "$TTTD_BIN" --config "$LAB_DIR/$1.conf"
  else
    lab_spawn "$1" "$LAB_NS_SERVER" "$TTTD_BIN" --config "$LAB_DIR/$1.conf" --no-bus
  fi
  lab_wait_for "$(scale_left 60)" scale__listening \
    || lab_fail "$1 did not listen after $(( $(lab__now_us) / 1000000 - t0 / 1000000 )) s (see $LAB_DIR/$1.log)"
  startup_s=$(awk -v t=$(( $(lab__now_us) - t0 )) 'BEGIN { printf "%.2f", t / 1e6 }')
  server_pid=$(lab_pid "$1")
}

echo "bench/scale: $clients simulated clients, one server ($( (( bus )) && echo "on D-Bus" || echo "--no-bus")), one path; then ${pps} echo requests/s per client for ${seconds} s"
(( bus )) && TTTD_SERVER_BUS=$(tttd_lab_bus server)
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), load average $(cut -d " " -f 1-3 /proc/loadavg)"

# a server with one peer: what is not per client
scale_server tttd-base 1
sleep 1
base_rss=$(rss_kib "$server_pid")
base_vmas=$(wc -l < "/proc/$server_pid/maps")
lab_kill tttd-base
lab_wait_exit tttd-base 10 || lab_fail "the 1-peer server did not stop"
lab_wait_for 5 bash -c "! ip -n $LAB_NS_SERVER link show ttt0"

# the server with every peer
scale_server tttd-server "$clients"
startup_cpu=$(cpu_ticks "$server_pid")
sleep 1
ip netns exec "$client" timeout "$(scale_left 1000)" "$CLIENTS_BIN" \
  --server "$LAB_SERVER_ADDR:$TTTD_PORT" --server-key "$(tttd_pubkey server)" \
  --keys "$LAB_DIR/keys/clients.keys" --count "$clients" --source-base "$SOURCE_BASE" \
  --handshake-timeout "$hs_timeout" --idle-seconds "$idle" --quiet-seconds "$quiet" --dormant-seconds "$dormant" --rekey --seconds "$seconds" --pps "$pps" \
  --reload-seconds "$reload" \
  --size "$size" --server-pid "$server_pid" > "$LAB_DIR/clients.out" 2> "$LAB_DIR/clients.log" || true
lab__alive "$server_pid" || lab_fail "the server died (see $LAB_DIR/tttd-server.log)"
declare -A R=()
while IFS='=' read -r key value; do [[ -n $key ]] && R[$key]=$value; done < "$LAB_DIR/clients.out"
while IFS='=' read -r key value; do R[$key]=$value; done < <("$CLIENTS_BIN" --sizes)
[[ -n ${R[clients]:-} ]] || { cat "$LAB_DIR/clients.log" >&2; lab_fail "the simulator reported nothing"; }
connected=$(grep -c 'connected from' "$LAB_DIR/tttd-server.log" || true)

calc () { awk "BEGIN { $1 }" /dev/null; }
v () { echo "${R[$1]:-0}"; }
kib_per () { calc "printf \"%.1f\", ($1) / $clients"; }
secs () { calc "printf \"%.2f\", ($1) / $hz"; }

per_peer=$(calc "printf \"%.1f\", ($(v before_VmRSS_kib) - $base_rss) / ($clients - 1)")
per_session=$(kib_per "$(v up_VmRSS_kib) - $(v before_VmRSS_kib)")
per_rekeyed=$(kib_per "$(v rekeyed_VmRSS_kib) - $(v before_VmRSS_kib)")
per_client=$(calc "printf \"%.1f\", ($(v rekeyed_VmRSS_kib) - $base_rss) / ($clients - 1)")
goal_kib=$(calc "printf \"%.1f\", 64 + $(v sizeof_TttdReorder) / 1024")
vmas_per=$(calc "printf \"%.2f\", ($(v rekeyed_vmas) - $(v before_vmas)) / $clients")
vmas_peer=$(calc "printf \"%.2f\", ($(v rekeyed_vmas) - $base_vmas) / ($clients - 1)")
idle_s=$(calc "print $(v idle_t) - $(v up_t)")
traffic_s=$(v traffic_s)
# the traffic window, from the server's namespace (tttd writes to TUN what
# clients send: the TUN's rx); udp: every datagram, probes included
delta () { echo $(( $(v "traffic_end_$1") - $(v "traffic_start_$1") )); }
fwd_in=$(delta ttt0_rx_packets) fwd_out=$(delta ttt0_tx_packets)
udp=$(( $(delta up0_rx_packets) + $(delta up0_tx_packets) ))
hs_cpu=$(( $(v up_cpu_ticks) - $(v before_cpu_ticks) ))
rekey_cpu=$(( $(v rekeyed_cpu_ticks) - ${R[idle_cpu_ticks]:-$(v up_cpu_ticks)} ))
idle_cpu=$(( $(v idle_cpu_ticks) - $(v up_cpu_ticks) ))
quiet_s=$(calc "print $(v quiet_t) - $(v quiet_start_t)")
quiet_cpu=$(( $(v quiet_cpu_ticks) - $(v quiet_start_cpu_ticks) ))
quiet_dgrams=$(( $(v quiet_up0_rx_packets) + $(v quiet_up0_tx_packets) - $(v quiet_start_up0_rx_packets) - $(v quiet_start_up0_tx_packets) ))
quiet_pct=$(calc "printf \"%.1f\", $quiet_cpu / $hz / ($quiet_s ? $quiet_s : 1) * 100")
dormant_s=$(calc "print $(v dormant_t) - $(v dormant_start_t)")
dormant_cpu=$(( $(v dormant_cpu_ticks) - $(v dormant_start_cpu_ticks) ))
dormant_dgrams=$(( $(v dormant_up0_rx_packets) + $(v dormant_up0_tx_packets) - $(v dormant_start_up0_rx_packets) - $(v dormant_start_up0_tx_packets) ))
dormant_pct=$(calc "printf \"%.1f\", $dormant_cpu / $hz / ($dormant_s ? $dormant_s : 1) * 100")
# the goals: what a session adds, the larger of up and rekeyed
per_traffic=$(kib_per "$(v traffic_VmRSS_kib) - $(v before_VmRSS_kib)")
session_kib=$(calc "a = $per_session; b = $per_rekeyed; c = $per_traffic; m = (a < b ? b : a); r = (m < c ? c : m); printf \"%.1f\", r")
meets () { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "met" : "MISSED") }'; }
traffic_cpu=$(( $(v traffic_end_cpu_ticks) - $(v traffic_start_cpu_ticks) ))
max_map=$(cat /proc/sys/vm/max_map_count)

echo
echo "memory (server VmRSS)"
bench_row "server with 1 peer" "$base_rss KiB"
bench_row "with $clients peers, no session (startup ${startup_s} s)" "$(v before_VmRSS_kib) KiB: $per_peer KiB per configured peer"
bench_row "with $clients sessions up" "$(v up_VmRSS_kib) KiB: $per_session KiB per session"
bench_row "after every client rekeyed once (steady state)" "$(v rekeyed_VmRSS_kib) KiB: $per_rekeyed KiB per session"
bench_row "memory per client ((rekeyed - 1-peer server) / N)" "$per_client KiB (goal <= 64 KiB + reorder $(( $(v sizeof_TttdReorder) / 1024 )) KiB = $goal_kib KiB)"
bench_row "during traffic / peak (VmHWM)" "$(v traffic_VmRSS_kib) / $(v traffic_end_VmHWM_kib) KiB"
bench_row "after all closed" "$(v closed_VmRSS_kib) KiB"
bench_row "locked (VmLck) before / up / rekeyed" "$(v before_VmLck_kib) / $(v up_VmLck_kib) / $(v rekeyed_VmLck_kib) KiB"
bench_row "mappings 1 peer / before / up / rekeyed" "$base_vmas / $(v before_vmas) / $(v up_vmas) / $(v rekeyed_vmas) (+$vmas_per per session)"
if awk -v m="$vmas_peer" 'BEGIN { exit !(m > 0.01) }'; then
  bench_row "clients until vm.max_map_count ($max_map)" "about $(calc "printf \"%d\", $max_map / $vmas_peer") ($vmas_peer mappings per rekeyed peer)"
else
  bench_row "clients until vm.max_map_count ($max_map)" "no limit: a peer adds no mapping ($vmas_peer per rekeyed peer)"
fi
bench_row "sizeof TttdPeer / TttdReorder / TttdKeypair" "$(v sizeof_TttdPeer) / $(v sizeof_TttdReorder) / $(v sizeof_TttdKeypair) bytes (a session adds the reorder buffer, TttdRecover $(v sizeof_TttdRecover), TttdPath $(v sizeof_TttdPath) per link in use; reorder slots $(( $(v sizeof_TttdReorderSlots) / 1024 )) KiB once packets come out of order)"
echo "handshakes"
bench_row "completed / confirmed / lost" "$(v handshakes_completed) / $(v sessions_confirmed) / $(v lost) of $clients (server logged $connected connects)"
bench_row "initiations (retries)" "$(v initiations) ($(v retries))"
bench_row "all keyed / all confirmed after" "$(v all_keyed_s) / $(v all_up_s) s"
bench_row "all $clients rekeyed at once after" "$(v rekey_s) s ($(v rekeys) rekeys)"
bench_row "per client, first initiation to keys p50/p95/max" "$(v handshake_p50_ms) / $(v handshake_p95_ms) / $(v handshake_max_ms) ms"
echo "server CPU"
bench_row "startup (parse $clients peers)" "$(secs "$startup_cpu") s"
bench_row "$clients handshakes" "$(secs "$hs_cpu") s ($(calc "printf \"%.0f\", $hs_cpu / $hz * 1e6 / $clients") us each)"
bench_row "$clients rekeys" "$(secs "$rekey_cpu") s"
(( idle > 0 )) && bench_row "idle, $clients sessions probing (${idle_s} s)" "$(calc "printf \"%.1f\", $idle_cpu / $hz / ($idle_s ? $idle_s : 1) * 100") % of a core"
(( quiet > 0 )) && bench_row "quiet, $clients sessions at 1 probe/s (${quiet_s} s)" "$quiet_pct % of a core ($(calc "printf \"%.0f\", $quiet_dgrams / ($quiet_s ? $quiet_s : 1)") datagrams/s in + out)"
(( dormant > 0 )) && bench_row "dormant, $clients sessions at 1 probe/5 s (${dormant_s} s)" "$dormant_pct % of a core ($(calc "printf \"%.0f\", $dormant_dgrams / ($dormant_s ? $dormant_s : 1)") datagrams/s in + out)"
bench_row "traffic (${traffic_s} s)" "$(calc "printf \"%.1f\", $traffic_cpu / $hz / ($traffic_s ? $traffic_s : 1) * 100") % of a core"
(( reload > 0 )) && bench_row "reload phase (SIGHUP, then $reload s of traffic)" "$(secs "$(( $(v reload_end_cpu_ticks) - $(v reload_start_cpu_ticks) ))") s"
echo "throughput ($size-byte ICMP echo, $pps/s per client, $clients clients)"
bench_row "offered / echoed (simulator)" "$(v data_sent_pps) / $(v data_received_pps) pps (RTT p50/p95: data $(v data_rtt_p50_ms)/$(v data_rtt_p95_ms) ms, probes $(v probe_rtt_p50_ms)/$(v probe_rtt_p95_ms) ms)"
bench_row "server forwarded (TUN in + out)" "$(calc "printf \"%.0f\", ($fwd_in + $fwd_out) / ($traffic_s ? $traffic_s : 1)") pps ($fwd_in in, $fwd_out out)"
bench_row "server UDP datagrams in + out (probes too)" "$(calc "printf \"%.0f\", $udp / ($traffic_s ? $traffic_s : 1)") pps"
bench_row "per server CPU second: forwarded / datagrams" "$(calc "printf \"%.0f / %.0f\", ($traffic_cpu ? ($fwd_in + $fwd_out) / ($traffic_cpu / $hz) : 0), ($traffic_cpu ? $udp / ($traffic_cpu / $hz) : 0)")"
if (( reload > 0 )); then
  reloaded=$(grep -c 'configuration reloaded' "$LAB_DIR/tttd-server.log" || true)
  bench_row "reload under that traffic: longest silence" "$(v reload_gap_ms) ms ($(v reload_data_received) of $(v reload_data_sent) echoes came back; $( (( reloaded )) && echo reloaded || echo 'no reload logged'))"
fi
bench_row "probes sent / answered (whole run)" "$(v probes_sent) / $(v probe_replies)"
bench_row "simulator CPU (whole run; it shares the cores)" "$(v simulator_cpu_s) s"
bench_row "errors (auth, unknown index, bad data, bad responses)" "$(v rx_auth_failed), $(v rx_unknown_index), $(v data_bad), $(v bad_responses)"
bench_row "UDP receive-buffer drops, server / simulator (whole run)" "$(( $(v closed_udp_RcvbufErrors) - $(v before_udp_RcvbufErrors) )) / $(v simulator_udp_RcvbufErrors)"
echo "goals (issue 18, at 10,000 clients)"
bench_row "all keyed" "$(v handshakes_completed) of $clients: $( (( $(v handshakes_completed) == clients )) && echo met || echo MISSED)"
bench_row "per configured peer without a session <= 4 KiB" "$per_peer KiB: $(meets "$per_peer" 4)"
bench_row "per active session <= 16 KiB (most of up, rekeyed, traffic)" "$session_kib KiB: $(meets "$session_kib" 16)"
(( dormant > 0 )) && bench_row "idle probing (dormant) <= 5 % of a core" "$dormant_pct %: $(meets "$dormant_pct" 5) (quiet, idle 30 s - 2 min: $quiet_pct %)"
echo
if (( $(v lost) == 0 && $(v sessions_confirmed) == clients )); then
  lab_log "PASS: $clients clients, no lost handshake"
else
  lab_log "MISS: $(v lost) of $clients sessions never came up"
fi
