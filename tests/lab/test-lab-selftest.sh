#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# The lab harness on its own, without tttd: topology, emulated delay, rate,
# loss and black-holing, the kernel fallbacks, and that cleanup leaves nothing
# behind (also after a failure or SIGTERM). Needs root; exit 77 otherwise.
#
#   sudo LINKEMU=build/tests/lab/linkemu tests/lab/test-lab-selftest.sh

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
if [[ $(id -u) -ne 0 ]]; then
  lab_skip "test-lab-selftest: needs root"
fi
lab_require ping iperf3 awk

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tl-selftest.XXXXXX")
STALE_NS=()
on_exit () {
  local ns
  for ns in "${STALE_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap on_exit EXIT

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

# within VALUE LOW HIGH (floats)
within () { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }

figure () { echo "# $*"; echo "$*" >> "$WORK/figures"; }

# cpu ticks of a process: "user system"
cpu_ticks () { awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"; }

# cpu_share "U0 S0" "U1 S1" MICROSECONDS
cpu_share () {
  awk -v a="$1" -v b="$2" -v t="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); s = t / 1e6 * hz / 100
    printf "%.1f%% of a core (user %.1f%%, system %.1f%%)",
      (y[1] + y[2] - x[1] - x[2]) / s, (y[1] - x[1]) / s, (y[2] - x[2]) / s }'
}

# the remembered prefix and pids of a finished run are all gone
nothing_left () {
  local prefix pid
  prefix=$(cat "$WORK/$1.prefix")
  if ip netns list | grep -q "^$prefix-"; then
    echo "# left behind: $(ip netns list | grep "^$prefix-" | tr '\n' ' ')"
    return 1
  fi
  for pid in $(cat "$WORK/$1.pids" 2>/dev/null); do
    if kill -0 "$pid" 2>/dev/null; then
      echo "# process $pid still runs"
      return 1
    fi
  done
  [[ ! -e $(cat "$WORK/$1.dir") ]]
}

remember () {
  local name
  echo "$LAB_PREFIX" > "$WORK/$1.prefix"
  echo "$LAB_DIR" > "$WORK/$1.dir"
  for name in "${!LAB_PIDS[@]}"; do echo "${LAB_PIDS[$name]}"; done > "$WORK/$1.pids"
}

blackholed () { [[ $(lab_ping_loss "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 5 0.05 -I "$1") == 100 ]]; }
clean () { [[ $(lab_ping_loss "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 10 0.02 -I "$1") == 0 ]]; }
answers () { lab_exec "$LAB_NS_CLIENT" ping -n -q -c 1 -W 1 -I "$1" "$LAB_SERVER_ADDR"; }

# 100 pings 5 ms apart: do the replies come back in sequence?
ping_in_order () {
  lab_exec "$LAB_NS_CLIENT" timeout 10 ping -n -c 100 -i 0.005 -W 1 -I "$1" "$LAB_SERVER_ADDR" \
    | awk -F'icmp_seq=' 'NF > 1 { split($2, f, " "); n++; if (f[1] + 0 < last) bad = 1; last = f[1] + 0 }
                         END { exit !(n >= 90 && !bad) }'
}

emulated () {
  local i rtt rate loss pid t0 t1 c0 c1 toggle_us
  LAB_SEED=42
  lab_init
  lab_topology --paths 2 --emulate
  remember emulated

  for i in 0 1; do
    check "ping over wan$i" clean "wan$i"
  done

  lab_path_emulate 0 0 --rtt 10
  lab_path_emulate 0 1 --rtt 40
  rtt=$(lab_ping_rtt "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 20 0.05 -I wan0)
  figure "rtt wan0 (rtt 10 ms set) min/avg/max ms: $rtt"
  check "wan0 rtt within 10..14 ms" within "$(echo "$rtt" | cut -d' ' -f2)" 10 14
  rtt=$(lab_ping_rtt "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 20 0.05 -I wan1)
  figure "rtt wan1 (rtt 40 ms set) min/avg/max ms: $rtt"
  check "wan1 rtt within 40..46 ms" within "$(echo "$rtt" | cut -d' ' -f2)" 40 46

  lab_iperf_server iperf "$LAB_NS_SERVER"
  remember emulated
  lab_path_rate 0 0 40mbit
  lab_path_rate 0 1 20mbit
  pid=$(lab_pid emu-c0p0)
  t0=$(lab__now_us) c0=$(cpu_ticks "$pid")
  rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 3 --bind-dev wan0)
  t1=$(lab__now_us) c1=$(cpu_ticks "$pid")
  figure "tcp wan0 (40mbit, rtt 10) Mbit/s: $rate"
  figure "linkemu cpu at 40 Mbit/s: $(cpu_share "$c0" "$c1" $(( t1 - t0 )))"
  check "wan0 gives >= 80% of 40 Mbit/s" within "$rate" 32 44
  rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 3 --bind-dev wan1)
  figure "tcp wan1 (20mbit, rtt 40) Mbit/s: $rate"
  check "wan1 gives >= 80% of 20 Mbit/s" within "$rate" 16 22
  rate=$(lab_iperf "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 3 --bind-dev wan1 -R)
  figure "tcp wan1 downstream (20mbit, rtt 40) Mbit/s: $rate"
  check "wan1 downstream gives >= 80% of 20 Mbit/s" within "$rate" 16 22
  lab_emu_stats 0 0 | sed 's/^/# emu-c0p0 /'

  lab_path_rate 0 0 off
  lab_path_loss 0 0 10
  loss=$(lab_ping_loss "$LAB_NS_CLIENT" "$LAB_SERVER_ADDR" 200 0.01 -I wan0)
  figure "ping loss wan0 with 10% each way (seed 42, expect ~19%): $loss%"
  check "10% loss each way gives 8..32% ping loss" within "$loss" 8 32
  lab_path_loss 0 0 0

  lab_path_emulate 0 1 --jitter 10
  check "jitter of 10 ms alone keeps replies in order" ping_in_order wan1
  lab_path_emulate 0 1 --jitter 0 --reorder 25 --reorder-delay 10
  check "reorder=25 puts replies out of order" eval '! ping_in_order wan1'
  check "the emulator counted reordered frames" eval '[[ $(lab_emu_stats 0 1) == *reordered=[1-9]* ]]'
  lab_path_clear 0 1

  t0=$(lab__now_us)
  lab_path_blackhole 0 0 on
  toggle_us=$(( $(lab__now_us) - t0 ))
  figure "blackhole toggle took $(( toggle_us / 1000 )) ms"
  check "black-holed wan0 loses every ping" blackholed wan0
  check "wan1 still answers while wan0 is black-holed" clean wan1
  lab_path_blackhole 0 0 off
  check "wan0 answers again within 2 s" lab_wait_for 2 answers wan0
  check "wan0 is clean again" clean wan0

  lab_cleanup
  lab_cleanup
  check "cleanup twice is harmless" nothing_left emulated
  (( fails == 0 ))
}

direct () {
  local c i rate loss
  lab_init
  lab_topology --paths 2 --clients 2 --internet --ipv6
  remember direct
  for (( c = 0; c < 2; c++ )); do
    for (( i = 0; i < 2; i++ )); do
      check "client $c wan$i reaches the server" \
        eval "[[ \$(lab_ping_loss ${LAB_NS_CLIENT[c]} $LAB_SERVER_ADDR 3 0.02 -I wan$i) == 0 ]]"
      check "client $c wan$i reaches the server over IPv6" \
        eval "[[ \$(lab_ping_loss ${LAB_NS_CLIENT[c]} $LAB_SERVER_ADDR6 3 0.02 -I wan$i) == 0 ]]"
    done
  done
  check "client 1 wan1 has its address" \
    eval "lab_exec ${LAB_NS_CLIENT[1]} ip -br addr show wan1 | grep -q '$(lab_path_addr 1 1 client)/24'"
  check "the server reaches the internet host" \
    eval "[[ \$(lab_ping_loss $LAB_NS_SERVER $LAB_INET_ADDR 3 0.02) == 0 ]]"
  check "the server reaches the internet host over IPv6" \
    eval "[[ \$(lab_ping_loss $LAB_NS_SERVER $LAB_INET_ADDR6 3 0.02) == 0 ]]"

  lab_iperf_server iperf "$LAB_NS_SERVER"
  remember direct
  lab_path_rate 1 1 20mbit
  rate=$(lab_iperf "${LAB_NS_CLIENT[1]}" "$LAB_SERVER_ADDR" 3 --bind-dev wan1)
  figure "tcp client 1 wan1 through tbf 20mbit, Mbit/s: $rate"
  check "tbf 20mbit gives 16..22 Mbit/s" within "$rate" 16 22
  rate=$(lab_iperf "${LAB_NS_CLIENT[1]}" "$LAB_SERVER_ADDR" 3 --bind-dev wan1 -R)
  figure "tcp client 1 wan1 downstream through tbf 20mbit, Mbit/s: $rate"
  check "tbf 20mbit downstream gives 16..22 Mbit/s" within "$rate" 16 22
  lab_path_rate 1 1 off

  lab_path_loss 1 0 10
  loss=$(lab_ping_loss "${LAB_NS_CLIENT[1]}" "$LAB_SERVER_ADDR" 200 0.01 -I wan0)
  figure "ping loss with nftables 10% each way: $loss%"
  check "nftables 10% loss gives 5..40% ping loss" within "$loss" 5 40
  lab_path_clear 1 0

  lab_path_blackhole 1 1 on
  check "nftables black hole drops every ping" \
    eval "[[ \$(lab_ping_loss ${LAB_NS_CLIENT[1]} $LAB_SERVER_ADDR 5 0.05 -I wan1) == 100 ]]"
  lab_path_blackhole 1 1 off
  check "and lets them through again" \
    eval "[[ \$(lab_ping_loss ${LAB_NS_CLIENT[1]} $LAB_SERVER_ADDR 5 0.05 -I wan1) == 0 ]]"
  check "delay without --emulate is refused" eval '! (lab_path_emulate 0 0 --delay 5) 2>/dev/null'
  (( fails == 0 ))
}

# a run that fails half way leaves nothing behind
failing () {
  exec 2>/dev/null
  lab_init
  lab_topology --paths 1 --emulate
  lab_spawn sleeper "$LAB_NS_CLIENT" sleep 1000
  remember failing
  false
}

# a run stopped by SIGTERM leaves nothing behind
terminated () {
  exec 2>/dev/null
  lab_init
  lab_topology --paths 1 --emulate
  lab_spawn sleeper "$LAB_NS_SERVER" sleep 1000
  remember terminated
  touch "$WORK/terminated.ready"
  lab_wait_exit sleeper 60
}

# each run in a subshell of its own, with errexit in force (not under || or if)
run () {
  set +e
  ( set -e; "$@" )
  RUN_RC=$?
  set -e
}

run emulated
check "emulated run passed" test "$RUN_RC" -eq 0
check "emulated run leaves nothing behind" nothing_left emulated
run direct
check "direct run passed" test "$RUN_RC" -eq 0
check "direct run leaves nothing behind" nothing_left direct
run failing
check "a failing run exits non-zero" test "$RUN_RC" -ne 0
check "a failing run leaves nothing behind" nothing_left failing

( terminated ) &
pid=$!
# (slow under ASan: the run must be set up, its traps in place, before the signal)
lab_wait_for 60 test -e "$WORK/terminated.ready" || true
check "the run to terminate got ready" test -e "$WORK/terminated.ready"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
check "SIGTERM ends the run with 143 (it ended with $rc)" test "$rc" -eq 143
check "a terminated run leaves nothing behind" nothing_left terminated

# stale namespaces: one of a dead run goes, one of a live bash stays
sleep 0 & dead=$!
wait "$dead"
STALE_NS=("${LAB_MARKER}$dead-srv" "${LAB_MARKER}$$-srv")
ip netns add "${STALE_NS[0]}"
ip netns add "${STALE_NS[1]}"
lab_cleanup_stale 2>/dev/null
check "lab_cleanup_stale removes a dead run's namespace" \
  eval "! ip netns list | grep -q '^${STALE_NS[0]}\\b'"
check "lab_cleanup_stale keeps a live run's namespace" \
  eval "ip netns list | grep -q '^${STALE_NS[1]}\\b'"

echo "# figures:"
sed 's/^/#   /' "$WORK/figures" 2>/dev/null || true
(( fails == 0 ))
