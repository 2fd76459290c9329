# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# lab.sh: the namespace test lab. Source it from a bash script, then
#
#   lab_init                                  # root or exit 77; cleanup on exit
#   lab_topology --paths 2 --emulate          # server, router, client (+ emulators)
#   lab_path_emulate 0 1 --delay 20 --rate 20mbit
#   lab_exec "$LAB_NS_CLIENT" ping -I wan1 "$LAB_SERVER_ADDR"
#
# Layout (c = client, i = path, n = 10 + 8c + i):
#
#   client c: wanI 198.18.n.2/24 --[ mid ns: ma <linkemu> mb ]-- cCpI 198.18.n.1/24 :router
#   router: srv0 198.18.0.254/24 -- up0 198.18.0.1/24 :server
#   router: inet0 198.18.99.1/24 -- up0 198.18.99.2/24 :internet host (--internet)
#   IPv6 (--ipv6): 2001:2:0:<n in hex>::2/64 and ::1, server 2001:2::1, inet 2001:2:0:63::2
#
# Every namespace the lab creates is named "tl<pid>-...", so lab_cleanup_stale
# can find those of crashed runs. Nothing is created in the root namespace.
#
# API (C = client index, I = path index, both from 0):
#   lab_init / lab_cleanup / lab_cleanup_stale [--all] / lab_on_cleanup 'CMD'
#   lab_topology --paths N [--clients M] [--emulate] [--internet] [--ipv6]
#   lab_server_add N (another server host: lab_server_ns N, lab_server_addr N)
#   lab_exec NS CMD... / lab_spawn NAME NS CMD... / lab_pid NAME / lab_kill NAME [SIG]
#   lab_wait_exit NAME TIMEOUT / lab_wait_for TIMEOUT CMD... / lab_log / lab_fail / lab_skip
#   lab_require CMD...
#   lab_path_addr C I client|router [-6] / lab_path_net C I [-6]
#   lab_path_iface C I client|router|mid-a|mid-b / lab_path_ns C I client|router|mid
#   lab_path_rate C I RATE / lab_path_loss C I PCT|--gilbert PCT BURST [--dir D]
#   lab_path_blackhole C I on|off / lab_path_clear C I / lab_path_emulate C I [options]
#   lab_path_trace C I up|down|both FILE [--queue BYTES] [--offset MS] [--scale K]
#   lab_path_outage C I EVERY_S FOR_S [--first S] [--dir D] / lab_path_restart C I
#   lab_trace_constant RATE FILE / lab_emu_send C I CMD / lab_emu_stats C I
#   lab_ping_loss NS ADDR COUNT INTERVAL [ARGS] / lab_ping_rtt NS ADDR COUNT INTERVAL [ARGS]
#   lab_iperf_server NAME NS [PORT] / lab_iperf NS ADDR SECONDS [ARGS]
# Variables: LAB_DIR LAB_PREFIX LAB_NS_SERVER LAB_NS_ROUTER LAB_NS_INET
#   LAB_NS_CLIENT[C] ($LAB_NS_CLIENT is client 0) LAB_NS_MID[C,I] LAB_CLIENT_ADDR[C,I]
#   LAB_CLIENT_ADDR6[C,I] LAB_SERVER_ADDR(6) LAB_ROUTER_ADDR(6) LAB_INET_ADDR(6)
#   LAB_INET_ROUTER_ADDR(6) LAB_PATHS LAB_CLIENTS LAB_EMULATE LAB_IPV6 LAB_INTERNET
#   LAB_LINKEMU LAB_PIDS[NAME]. Inputs: LINKEMU, TTTD_BUILD_DIR, LAB_SEED (default 1),
#   LAB_POLL (seconds between lab_wait_for tries), LAB_DUMP_LOGS=0 (no log tails on failure).
# lab_init's traps replace the caller's EXIT/INT/TERM traps: use lab_on_cleanup.

LAB_MARKER=tl
LAB_SERVER_ADDR=198.18.0.1
LAB_SERVER_ADDR6=2001:2::1
LAB_ROUTER_ADDR=198.18.0.254
LAB_ROUTER_ADDR6=2001:2::fe
LAB_INET_ADDR=198.18.99.2
LAB_INET_ADDR6=2001:2:0:63::2
LAB_INET_ROUTER_ADDR=198.18.99.1
LAB_INET_ROUTER_ADDR6=2001:2:0:63::1
export LAB_SERVER_ADDR LAB_SERVER_ADDR6 LAB_ROUTER_ADDR LAB_ROUTER_ADDR6
export LAB_INET_ADDR LAB_INET_ADDR6 LAB_INET_ROUTER_ADDR LAB_INET_ROUTER_ADDR6

LAB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---------------------------------------------------------------- helpers

lab__now_us () { echo "${EPOCHREALTIME/./}"; }

# "1.5" -> 1500000
lab__to_us () {
  local s=$1 int frac=000000
  int=${s%%.*}
  if [[ $s == *.* ]]; then
    frac=${s#*.}000000
    frac=${frac:0:6}
  fi
  echo $(( 10#${int:-0} * 1000000 + 10#$frac ))
}

lab_log () {
  local t=$(( $(lab__now_us) - ${LAB_START_US:-$(lab__now_us)} ))
  printf '[lab %d.%03ds] %s\n' $(( t / 1000000 )) $(( t / 1000 % 1000 )) "$*" >&2
}

lab_fail () { lab_log "FAIL: $*"; exit 1; }

# with TTTD_LAB_REQUIRED=1 (CI, as root) a test that cannot run fails
lab_skip () {
  if [[ ${TTTD_LAB_REQUIRED:-0} == 1 ]]; then lab_fail "would skip, but TTTD_LAB_REQUIRED=1: $*"; fi
  lab_log "SKIP: $*"; exit 77
}

# skip (exit 77) unless every named command exists
lab_require () {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || lab_skip "'$tool' is not installed"
  done
}

# alive and not a zombie
lab__alive () {
  local stat
  [[ -r /proc/$1/stat ]] || return 1
  read -r stat < "/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# the pid, the members of its session and all their descendants
lab__tree () {
  ps -e -o pid=,ppid=,sid= 2>/dev/null | awk -v root="$1" '
    { pid[NR] = $1; ppid[NR] = $2; if ($3 == root || $1 == root) keep[$1] = 1 }
    END {
      do {
        changed = 0
        for (i in pid)
          if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; changed = 1 }
      } while (changed)
      for (p in keep) print p
    }'
}

lab__signal_tree () {
  local pids
  pids=$(lab__tree "$1")
  [[ -z $pids ]] || kill "-$2" $pids 2>/dev/null || true
}

# wait until none of the given pids is alive; 1 on timeout
lab__wait_gone () {
  local deadline=$(( $(lab__now_us) + $(lab__to_us "$1") )) pid busy
  shift
  while :; do
    busy=
    for pid in "$@"; do lab__alive "$pid" && busy=1 && break; done
    [[ -z $busy ]] && return 0
    (( $(lab__now_us) >= deadline )) && return 1
    sleep 0.02
  done
}

# ---------------------------------------------------------------- lifecycle

lab_init () {
  if [[ $(id -u) -ne 0 ]]; then
    lab_skip "needs root for network namespaces"
  fi
  lab_require ip tc nft ethtool timeout setsid ps sysctl
  LAB_START_US=$(lab__now_us)
  LAB_PREFIX=$LAB_MARKER$BASHPID
  LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tl.XXXXXX") || lab_fail "mktemp failed"
  LAB_NAMESPACES=()
  LAB_CLEANUP_HOOKS=()
  LAB_EMULATE=0
  declare -gA LAB_PIDS=() LAB_CLIENT_ADDR=() LAB_CLIENT_ADDR6=() LAB_NS_MID=()
  declare -gA LAB__TC=() LAB__NFT=()
  declare -ga LAB_NS_CLIENT=()
  export LAB_PREFIX LAB_DIR
  trap 'lab__on_exit' EXIT
  # the status says how the run ended, whatever the cleanup met on its way
  trap 'lab_cleanup 130 || true; exit 130' INT
  trap 'lab_cleanup 143 || true; exit 143' TERM
}

lab__on_exit () {
  local rc=$?
  lab_cleanup "$rc"
  exit "$rc"
}

# run CMD (a string, eval'd) at cleanup, before processes and namespaces go
lab_on_cleanup () { LAB_CLEANUP_HOOKS+=("$1"); }

# signal every process of namespace NS
lab__ns_signal () {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null) || true
  [[ -z $pids ]] || kill "-$2" $pids 2>/dev/null || true
}

lab_cleanup () {
  local rc=${1:-0} had_e='' name pid ns i f pids=() spaces=()
  [[ -n ${LAB_PREFIX:-} ]] || return 0
  [[ $- == *e* ]] && had_e=1
  set +e
  for (( i = ${#LAB_CLEANUP_HOOKS[@]} - 1; i >= 0; i-- )); do
    eval "${LAB_CLEANUP_HOOKS[i]}"
  done
  LAB_CLEANUP_HOOKS=()
  for name in "${!LAB_PIDS[@]}"; do
    pid=${LAB_PIDS[$name]}
    pids+=($(lab__tree "$pid"))
    lab__signal_tree "$pid" TERM
  done
  if (( ${#pids[@]} )) && ! lab__wait_gone 2 "${pids[@]}"; then
    kill -KILL "${pids[@]}" 2>/dev/null
    lab__wait_gone 2 "${pids[@]}"
  fi
  for name in "${!LAB_PIDS[@]}"; do
    lab__alive "${LAB_PIDS[$name]}" || wait "${LAB_PIDS[$name]}" 2>/dev/null
  done
  LAB_PIDS=()
  # whatever the test ran by hand inside our namespaces goes too
  spaces=("${LAB_NAMESPACES[@]}")
  spaces+=($(ip netns list 2>/dev/null | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }'))
  for ns in "${spaces[@]}"; do lab__ns_signal "$ns" TERM; done
  for ns in "${spaces[@]}"; do
    pids=($(ip netns pids "$ns" 2>/dev/null))
    if (( ${#pids[@]} )) && ! lab__wait_gone 1 "${pids[@]}"; then
      lab__ns_signal "$ns" KILL
    fi
    ip netns del "$ns" 2>/dev/null
  done
  LAB_NAMESPACES=()
  if [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]]; then
    if [[ $rc != 0 && $rc != 77 && ${LAB_DUMP_LOGS:-1} == 1 ]]; then
      for f in "$LAB_DIR"/*.log; do
        [[ -s $f ]] || continue
        echo "----- $(basename "$f") (last 30 lines)" >&2
        tail -n 30 "$f" >&2
      done
    fi
    rm -rf "$LAB_DIR"
  fi
  [[ -n $had_e ]] && set -e
  return 0
}

# delete namespaces of crashed runs: "tl<pid>-*" whose bash process is gone
# (with --all: every "tl<pid>-*" namespace except this run's own)
lab_cleanup_stale () {
  local all=${1:-} ns pid argv0
  [[ $(id -u) -eq 0 ]] || return 0
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
    [[ $ns =~ ^${LAB_MARKER}([0-9]+)- ]] || continue
    pid=${BASH_REMATCH[1]}
    [[ -n ${LAB_PREFIX:-} && $ns == "$LAB_PREFIX-"* ]] && continue
    if [[ $all != --all ]] && lab__alive "$pid"; then
      argv0=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -n 1)
      [[ $argv0 == *bash* ]] && continue
    fi
    lab__ns_signal "$ns" KILL
    ip netns del "$ns" 2>/dev/null && echo "lab: removed stale namespace $ns" >&2
  done
  return 0
}

# ---------------------------------------------------------------- processes

lab_exec () {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# lab_spawn NAME NS CMD...: run in the background in its own session, output
# in $LAB_DIR/NAME.log; killed (with its children) at cleanup
lab_spawn () {
  local name=$1 ns=$2 monitor=
  shift 2
  [[ -z ${LAB_PIDS[$name]:-} ]] || lab_fail "lab_spawn: '$name' is already running"
  # without job control the child is no group leader, so setsid does not fork
  # and $! is the command itself
  [[ $- == *m* ]] && monitor=1 && set +m
  setsid ip netns exec "$ns" "$@" >"$LAB_DIR/$name.log" 2>&1 </dev/null &
  LAB_PIDS[$name]=$!
  [[ -n $monitor ]] && set -m
  return 0
}

lab_pid () { echo "${LAB_PIDS[$1]:-}"; }

# lab_kill NAME [SIGNAL]: signal the process and its children (default TERM)
lab_kill () {
  local pid=${LAB_PIDS[$1]:-}
  [[ -n $pid ]] || return 1
  lab__signal_tree "$pid" "${2:-TERM}"
}

# lab_wait_exit NAME TIMEOUT: returns the exit status, 124 on timeout
lab_wait_exit () {
  local name=$1 pid=${LAB_PIDS[$1]:-} rc=0
  [[ -n $pid ]] || return 127
  lab__wait_gone "$2" "$pid" || return 124
  wait "$pid" 2>/dev/null || rc=$?
  unset "LAB_PIDS[$name]"
  return "$rc"
}

# lab_wait_for TIMEOUT CMD...: poll (every $LAB_POLL s) until CMD succeeds
lab_wait_for () {
  local deadline=$(( $(lab__now_us) + $(lab__to_us "$1") ))
  shift
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    (( $(lab__now_us) >= deadline )) && return 1
    sleep "${LAB_POLL:-0.05}"
  done
}

# ---------------------------------------------------------------- topology

lab__ns_add () {
  local ns=$1 ipv6=$2
  ip netns add "$ns" || lab_fail "cannot create namespace $ns"
  LAB_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
  # loose source checks: a client's paths reply through different devices
  local settings=(net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0)
  if [[ $ipv6 == 1 ]]; then
    settings+=(net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
               net.ipv6.conf.default.accept_ra=0)
  else
    settings+=(net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1)
  fi
  ip netns exec "$ns" sysctl -qw "${settings[@]}" >/dev/null || lab_fail "sysctl in $ns"
}

# veth pair NAME1@NS1 <-> NAME2@NS2, created right in the namespaces
lab__veth () {
  ip link add name "$1" netns "$2" type veth peer name "$3" netns "$4" \
    || lab_fail "cannot create veth $1@$2 <-> $3@$4"
  ip -n "$2" link set dev "$1" up
  ip -n "$4" link set dev "$3" up
}

lab__addr () {
  local ns=$1 dev=$2 addr=$3
  if [[ $addr == *:* ]]; then
    ip -n "$ns" -6 addr add "$addr" dev "$dev" nodad || lab_fail "address $addr on $dev@$ns"
  else
    ip -n "$ns" addr add "$addr" dev "$dev" || lab_fail "address $addr on $dev@$ns"
  fi
}

lab__no_offload () {
  ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 \
    || lab_fail "ethtool -K $2 in $1"
}

# where the emulator binary is: $LINKEMU, $TTTD_BUILD_DIR, or a build dir of the tree
lab_find_linkemu () {
  local candidate
  for candidate in "${LINKEMU:-}" ${TTTD_BUILD_DIR:+"$TTTD_BUILD_DIR/tests/lab/linkemu"} \
                   $(ls -td "$LAB_SOURCE_DIR"/../../build*/tests/lab/linkemu 2>/dev/null); do
    if [[ -n $candidate && -x $candidate ]]; then
      echo "$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")"
      return 0
    fi
  done
  return 1
}

lab_path_check () {
  [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 < ${LAB_CLIENTS:-0} && $2 < ${LAB_PATHS:-0} )) \
    || lab_fail "no path $1,$2 (clients ${LAB_CLIENTS:-0}, paths ${LAB_PATHS:-0})"
}

lab__path_number () { echo $(( 10 + $1 * 8 + $2 )); }

# lab_path_addr C I client|router [-6]
lab_path_addr () {
  local n
  n=$(lab__path_number "$1" "$2")
  local host=2
  [[ $3 == router ]] && host=1
  if [[ ${4:-} == -6 ]]; then
    printf '2001:2:0:%x::%d\n' "$n" "$host"
  else
    echo "198.18.$n.$host"
  fi
}

# lab_path_net C I [-6]: the path's prefix
lab_path_net () {
  local n
  n=$(lab__path_number "$1" "$2")
  if [[ ${3:-} == -6 ]]; then printf '2001:2:0:%x::/64\n' "$n"; else echo "198.18.$n.0/24"; fi
}

# lab_path_iface C I client|router|mid-a|mid-b
lab_path_iface () {
  case $3 in
    client) echo "wan$2" ;;
    router) echo "c$1p$2" ;;
    mid-a) echo ma ;;
    mid-b) echo mb ;;
    *) lab_fail "lab_path_iface: side '$3' is not client|router|mid-a|mid-b" ;;
  esac
}

# lab_path_ns C I client|router|mid: the namespace holding that side
lab_path_ns () {
  case $3 in
    client) echo "${LAB_NS_CLIENT[$1]}" ;;
    router) echo "$LAB_NS_ROUTER" ;;
    mid) echo "${LAB_NS_MID[$1,$2]:-}" ;;
    *) lab_fail "lab_path_ns: side '$3' is not client|router|mid" ;;
  esac
}

lab__emu_socket () { echo "$LAB_DIR/emu-c$1p$2.sock"; }

lab_topology () {
  local paths=1 clients=1 emulate=0 internet=0 ipv6=0 c i n
  while (( $# )); do
    case $1 in
      --paths) paths=$2; shift 2 ;;
      --clients) clients=$2; shift 2 ;;
      --emulate) emulate=1; shift ;;
      --internet) internet=1; shift ;;
      --ipv6) ipv6=1; shift ;;
      *) lab_fail "lab_topology: unknown option '$1'" ;;
    esac
  done
  [[ -n ${LAB_PREFIX:-} ]] || lab_fail "lab_topology before lab_init"
  [[ $paths =~ ^[1-8]$ ]] || lab_fail "--paths must be 1..8"
  [[ $clients =~ ^[0-9]+$ ]] && (( clients >= 1 && clients <= 11 )) \
    || lab_fail "--clients must be 1..11"
  if (( emulate )); then
    LAB_LINKEMU=$(lab_find_linkemu) \
      || lab_fail "linkemu not found: set LINKEMU or TTTD_BUILD_DIR (meson compile tests/lab/linkemu)"
    export LAB_LINKEMU
  fi
  LAB_PATHS=$paths LAB_CLIENTS=$clients LAB_EMULATE=$emulate LAB_IPV6=$ipv6
  LAB_INTERNET=$internet LAB_SEED=${LAB_SEED:-1}
  LAB_NS_SERVER=$LAB_PREFIX-srv
  LAB_NS_ROUTER=$LAB_PREFIX-rtr
  export LAB_PATHS LAB_CLIENTS LAB_EMULATE LAB_IPV6 LAB_INTERNET LAB_SEED
  export LAB_NS_SERVER LAB_NS_ROUTER

  lab__ns_add "$LAB_NS_ROUTER" "$ipv6"
  ip netns exec "$LAB_NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  (( ipv6 )) && ip netns exec "$LAB_NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null

  lab__ns_add "$LAB_NS_SERVER" "$ipv6"
  lab__veth up0 "$LAB_NS_SERVER" srv0 "$LAB_NS_ROUTER"
  lab__addr "$LAB_NS_SERVER" up0 "$LAB_SERVER_ADDR/24"
  lab__addr "$LAB_NS_ROUTER" srv0 "$LAB_ROUTER_ADDR/24"
  ip -n "$LAB_NS_SERVER" route add default via "$LAB_ROUTER_ADDR" dev up0
  if (( ipv6 )); then
    lab__addr "$LAB_NS_SERVER" up0 "$LAB_SERVER_ADDR6/64"
    lab__addr "$LAB_NS_ROUTER" srv0 "$LAB_ROUTER_ADDR6/64"
    ip -n "$LAB_NS_SERVER" -6 route add default via "$LAB_ROUTER_ADDR6" dev up0
  fi

  if (( internet )); then
    LAB_NS_INET=$LAB_PREFIX-inet
    export LAB_NS_INET
    lab__ns_add "$LAB_NS_INET" "$ipv6"
    lab__veth up0 "$LAB_NS_INET" inet0 "$LAB_NS_ROUTER"
    lab__addr "$LAB_NS_INET" up0 "$LAB_INET_ADDR/24"
    lab__addr "$LAB_NS_ROUTER" inet0 "$LAB_INET_ROUTER_ADDR/24"
    ip -n "$LAB_NS_INET" route add default via "$LAB_INET_ROUTER_ADDR" dev up0
    if (( ipv6 )); then
      lab__addr "$LAB_NS_INET" up0 "$LAB_INET_ADDR6/64"
      lab__addr "$LAB_NS_ROUTER" inet0 "$LAB_INET_ROUTER_ADDR6/64"
      ip -n "$LAB_NS_INET" -6 route add default via "$LAB_INET_ROUTER_ADDR6" dev up0
    fi
  fi

  for (( c = 0; c < clients; c++ )); do
    LAB_NS_CLIENT[c]=$LAB_PREFIX-c$c
    lab__ns_add "${LAB_NS_CLIENT[c]}" "$ipv6"
    for (( i = 0; i < paths; i++ )); do
      lab__path_build "$c" "$i"
    done
  done

  if (( emulate )); then
    for (( c = 0; c < clients; c++ )); do
      for (( i = 0; i < paths; i++ )); do
        lab_wait_for 5 "$LAB_LINKEMU" --control "$(lab__emu_socket "$c" "$i")" --send show \
          || lab_fail "emulator of path $c,$i did not start (see $LAB_DIR/emu-c${c}p$i.log)"
      done
    done
  fi
  lab_log "topology: $clients client(s) x $paths path(s)$( (( emulate )) && echo ', emulated')$( (( internet )) && echo ', internet')$( (( ipv6 )) && echo ', ipv6') ($LAB_PREFIX)"
}

# another server host behind the router, N = 1..9 (IPv4 only):
#   router: srvN 198.18.N.254/24 -- up0 198.18.N.1/24 :server N
lab_server_ns () { echo "$LAB_PREFIX-srv$1"; }
lab_server_addr () { echo "198.18.$1.1"; }
lab_server_add () {
  local n=$1 ns
  [[ $n =~ ^[1-9]$ ]] || lab_fail "lab_server_add: N must be 1..9"
  [[ -n ${LAB_NS_ROUTER:-} ]] || lab_fail "lab_server_add before lab_topology"
  ns=$(lab_server_ns "$n")
  lab__ns_add "$ns" 0
  lab__veth up0 "$ns" "srv$n" "$LAB_NS_ROUTER"
  lab__addr "$ns" up0 "$(lab_server_addr "$n")/24"
  lab__addr "$LAB_NS_ROUTER" "srv$n" "198.18.$n.254/24"
  ip -n "$ns" route add default via "198.18.$n.254" dev up0 || lab_fail "default route in $ns"
}

lab__path_build () {
  local c=$1 i=$2 client=${LAB_NS_CLIENT[$1]} wan=wan$2 rif=c$1p$2 mid
  LAB_CLIENT_ADDR[$c,$i]=$(lab_path_addr "$c" "$i" client)
  if (( LAB_EMULATE )); then
    mid=$LAB_PREFIX-e${c}p$i
    LAB_NS_MID[$c,$i]=$mid
    lab__ns_add "$mid" 0
    lab__veth "$wan" "$client" ma "$mid"
    lab__veth mb "$mid" "$rif" "$LAB_NS_ROUTER"
    # unfinished checksums and GSO frames must not cross the packet sockets
    lab__no_offload "$client" "$wan"
    lab__no_offload "$mid" ma
    lab__no_offload "$mid" mb
    lab__no_offload "$LAB_NS_ROUTER" "$rif"
    lab_spawn "emu-c${c}p$i" "$mid" "$LAB_LINKEMU" --iface-a ma --iface-b mb \
      --control "$(lab__emu_socket "$c" "$i")" --seed $(( LAB_SEED + c * 8 + i ))
  else
    lab__veth "$wan" "$client" "$rif" "$LAB_NS_ROUTER"
  fi
  lab__addr "$client" "$wan" "${LAB_CLIENT_ADDR[$c,$i]}/24"
  lab__addr "$LAB_NS_ROUTER" "$rif" "$(lab_path_addr "$c" "$i" router)/24"
  ip -n "$client" route add default via "$(lab_path_addr "$c" "$i" router)" dev "$wan" \
    metric $(( 100 + i )) || lab_fail "default route via $wan"
  if (( LAB_IPV6 )); then
    LAB_CLIENT_ADDR6[$c,$i]=$(lab_path_addr "$c" "$i" client -6)
    lab__addr "$client" "$wan" "${LAB_CLIENT_ADDR6[$c,$i]}/64"
    lab__addr "$LAB_NS_ROUTER" "$rif" "$(lab_path_addr "$c" "$i" router -6)/64"
    ip -n "$client" -6 route add default via "$(lab_path_addr "$c" "$i" router -6)" \
      dev "$wan" metric $(( 100 + i )) || lab_fail "IPv6 default route via $wan"
  fi
}

# ---------------------------------------------------------------- path conditions

# "20mbit" -> 20000000
lab__rate_bps () {
  local s=${1,,} num unit scale
  [[ $s =~ ^([0-9]+(\.[0-9]+)?)([a-z]*)$ ]] || lab_fail "'$1' is not a rate (e.g. 20mbit)"
  num=${BASH_REMATCH[1]} unit=${BASH_REMATCH[3]}
  case $unit in
    ''|bit) scale=1 ;;
    k|kbit) scale=1000 ;;
    m|mbit) scale=1000000 ;;
    g|gbit) scale=1000000000 ;;
    *) lab_fail "'$1': unknown rate unit (bit, kbit, mbit, gbit)" ;;
  esac
  awk -v n="$num" -v s="$scale" 'BEGIN { printf "%.0f\n", n * s }'
}

lab_emu_send () {
  local out
  lab_path_check "$1" "$2"
  (( LAB_EMULATE )) || lab_fail "path $1,$2 has no emulator (lab_topology --emulate)"
  out=$("$LAB_LINKEMU" --control "$(lab__emu_socket "$1" "$2")" --send "$3" 2>&1) \
    || lab_fail "emulator $1,$2: '$3': $out"
  [[ $3 == stats || $3 == show ]] && echo "$out"
  return 0
}

# lab_emu_stats C I: the emulator's counters, one line per direction
lab_emu_stats () { lab_emu_send "$1" "$2" stats; }

# kernel fallbacks without --emulate: tbf on egress, nftables on ingress
# (up = client -> router: shaped on the client, dropped at the router)
lab__sides () {
  case $1 in
    up) echo up ;;
    down) echo down ;;
    both) echo up down ;;
    *) lab_fail "--dir must be up, down or both" ;;
  esac
}

lab__tc_apply () {
  local c=$1 i=$2 dir=$3 ns dev rate bps burst
  if [[ $dir == up ]]; then ns=${LAB_NS_CLIENT[$c]} dev=wan$i; else ns=$LAB_NS_ROUTER dev=c${c}p$i; fi
  rate=${LAB__TC[$c,$i,$dir]:-}
  if [[ -z $rate || $rate == 0 || $rate == off ]]; then
    ip netns exec "$ns" tc qdisc del dev "$dev" root 2>/dev/null || true
    return 0
  fi
  bps=$(lab__rate_bps "$rate")
  burst=$(( bps / 8 / 250 ))          # 4 ms worth, at least a few frames
  (( burst < 8192 )) && burst=8192
  ip netns exec "$ns" tc qdisc replace dev "$dev" root tbf rate "$bps"bit burst "$burst" \
    latency 50ms || lab_fail "tbf on $dev@$ns"
}

lab__nft_apply () {
  local c=$1 i=$2 dir=$3 ns dev loss hole rules
  if [[ $dir == up ]]; then ns=$LAB_NS_ROUTER dev=c${c}p$i; else ns=${LAB_NS_CLIENT[$c]} dev=wan$i; fi
  loss=${LAB__NFT[$c,$i,$dir,loss]:-0} hole=${LAB__NFT[$c,$i,$dir,blackhole]:-0}
  rules="table netdev tlab { chain $dev { type filter hook ingress device \"$dev\" priority 0; policy accept; }; }
flush chain netdev tlab $dev"
  [[ $hole == 1 ]] && rules+=$'\n'"add rule netdev tlab $dev drop"
  if [[ $loss != 0 ]]; then
    rules+=$'\n'"add rule netdev tlab $dev numgen random mod 10000 < $(awk -v p="$loss" 'BEGIN { printf "%.0f", p * 100 }') drop"
  fi
  ip netns exec "$ns" nft -f - <<<"$rules" || lab_fail "nftables on $dev@$ns"
}

# lab_path_emulate C I [--delay MS] [--rtt MS] [--jitter MS] [--loss PCT] [--rate RATE]
#   [--queue BYTES|MSms] [--reorder PCT] [--reorder-delay MS] [--blackhole on|off]
#   [--trace FILE|off] [--trace-offset MS] [--trace-scale K] [--gilbert PCT,BURST|off]
#   [--outage-every S] [--outage-for S] [--outage-first S] [--restart]
#   [--clear] [--dir up|down|both]
# --delay is one way, in each direction given by --dir; --rtt MS is --delay MS/2.
# With --emulate all of it goes to the path's linkemu; without, rate (tbf),
# loss and blackhole (nftables) are done by the kernel and the rest fails.
# A trace replaces the rate (see lab_path_trace).
lab_path_emulate () {
  local c=$1 i=$2 dir=both settings=() kernel=() opt value side
  shift 2
  lab_path_check "$c" "$i"
  while (( $# )); do
    opt=$1 value=${2:-}
    case $opt in
      --dir) dir=$value; lab__sides "$dir" >/dev/null; shift 2; continue ;;
      --rtt) opt=--delay value=$(awk -v r="$value" 'BEGIN { print r / 2 }') ;;
      --clear) settings+=(clear); kernel+=(clear); shift; continue ;;
      --restart) settings+=(restart); shift; continue ;;
      --trace) [[ $value == off || $value == none || -z $value ]] || value=$(realpath -e "$value") \
                 || lab_fail "lab_path_emulate: no trace file '$2'" ;;
      --delay|--jitter|--reorder|--reorder-delay|--queue|--trace-offset|--trace-scale) ;;
      --gilbert|--outage-every|--outage-for|--outage-first) ;;
      --loss|--rate|--blackhole) kernel+=("${opt#--}=$value") ;;
      *) lab_fail "lab_path_emulate: unknown option '$opt'" ;;
    esac
    [[ -n $value ]] || lab_fail "lab_path_emulate: $opt needs a value"
    settings+=("${opt#--}=$value")
    shift 2
  done
  (( ${#settings[@]} )) || return 0
  if (( LAB_EMULATE )); then
    lab_emu_send "$c" "$i" "$dir ${settings[*]}"
    return 0
  fi
  (( ${#settings[@]} == ${#kernel[@]} )) \
    || lab_fail "delay, jitter, reorder and queue need lab_topology --emulate"
  for side in $(lab__sides "$dir"); do
    for opt in "${kernel[@]}"; do
      case $opt in
        clear) LAB__TC[$c,$i,$side]=0; LAB__NFT[$c,$i,$side,loss]=0
               LAB__NFT[$c,$i,$side,blackhole]=0 ;;
        rate=*) LAB__TC[$c,$i,$side]=${opt#rate=} ;;
        loss=*) LAB__NFT[$c,$i,$side,loss]=${opt#loss=} ;;
        blackhole=on|blackhole=1) LAB__NFT[$c,$i,$side,blackhole]=1 ;;
        blackhole=off|blackhole=0) LAB__NFT[$c,$i,$side,blackhole]=0 ;;
        *) lab_fail "lab_path_emulate: bad value '$opt'" ;;
      esac
    done
    lab__tc_apply "$c" "$i" "$side"
    lab__nft_apply "$c" "$i" "$side"
  done
}

# lab_path_rate C I RATE: both directions ("0" or "off": unlimited)
lab_path_rate () { lab_path_emulate "$1" "$2" --rate "$3"; }

# lab_path_loss C I PCT [--dir D]: random loss (both directions by default);
# lab_path_loss C I --gilbert PCT BURST [--dir D]: bursty loss instead, a
# Gilbert-Elliott chain with a mean loss of PCT% in bursts of BURST packets
# on average (per packet: bad -> good with r = 1/BURST, good -> bad with
# p = PCT r / (100 - PCT); every packet in the bad state is lost)
lab_path_loss () {
  local c=$1 i=$2
  shift 2
  if [[ ${1:-} == --gilbert && ${2:-} == off ]]; then
    lab_path_emulate "$c" "$i" --gilbert off "${@:3}"
  elif [[ ${1:-} == --gilbert ]]; then
    (( $# >= 3 )) || lab_fail "lab_path_loss: --gilbert PCT BURST|off"
    lab_path_emulate "$c" "$i" --gilbert "$2,$3" "${@:4}"
  else
    lab_path_emulate "$c" "$i" --loss "$1" "${@:2}"
  fi
}

# lab_path_trace C I up|down|both FILE|off [--queue BYTES] [--offset MS] [--scale K]:
# the direction follows a Mahimahi mm-link capacity trace (one ms time a
# line, each line 1504 bytes that may leave; the trace repeats) behind a
# drop-tail queue of BYTES (default: 50 ms at the trace's mean rate), from MS
# into the trace, with K times the bytes per line; the path's delay follows
# the queue. Each setting starts the trace clock at the offset again.
lab_path_trace () {
  local c=$1 i=$2 dir=$3 file=$4 args=()
  shift 4 || lab_fail "lab_path_trace: C I up|down|both FILE [options]"
  while (( $# )); do
    case $1 in
      --queue) args+=(--queue "$2") ;;
      --offset) args+=(--trace-offset "$2") ;;
      --scale) args+=(--trace-scale "$2") ;;
      *) lab_fail "lab_path_trace: unknown option '$1'" ;;
    esac
    [[ -n ${2:-} ]] || lab_fail "lab_path_trace: $1 needs a value"
    shift 2
  done
  lab_path_emulate "$c" "$i" --dir "$dir" --trace "$file" "${args[@]}"
}

# lab_path_outage C I EVERY_S FOR_S [--first S] [--dir D]: no capacity for
# FOR_S seconds every EVERY_S seconds (the first EVERY_S, or --first S, after
# the trace clock started); the queue keeps filling meanwhile. Needs a trace
# (lab_trace_constant makes a steady one). EVERY_S 0: no outages.
lab_path_outage () {
  local c=$1 i=$2 every=$3 for_s=$4 args=()
  shift 4 || lab_fail "lab_path_outage: C I EVERY_S FOR_S [--first S] [--dir D]"
  while (( $# )); do
    case $1 in
      --first) args+=(--outage-first "${2}s") ;;
      --dir) args+=(--dir "$2") ;;
      *) lab_fail "lab_path_outage: unknown option '$1'" ;;
    esac
    shift 2
  done
  lab_path_emulate "$c" "$i" --outage-every "${every}s" --outage-for "${for_s}s" "${args[@]}"
}

# lab_path_restart C I: both directions' trace clocks start again at their
# offsets, so that the next measurement meets the same stretch of trace
lab_path_restart () { lab_path_emulate "$1" "$2" --restart; }

# lab_trace_constant RATE FILE: a steady mm-link trace of RATE (1 s period;
# 12mbit is about one line per ms)
lab_trace_constant () {
  local bps
  bps=$(lab__rate_bps "$1")
  awk -v bps="$bps" 'BEGIN {
    n = int(bps / 8 / 1504 + 0.5); if (n < 1) n = 1
    for (k = 1; k <= n; k++) print int(k * 1000 / n) }' > "$2" || lab_fail "cannot write $2"
}

# lab_path_blackhole C I on|off: drop everything both ways; the link stays up
lab_path_blackhole () {
  [[ $3 == on || $3 == off ]] || lab_fail "lab_path_blackhole: on or off, not '$3'"
  lab_path_emulate "$1" "$2" --blackhole "$3"
}

# lab_path_clear C I: back to a clean path
lab_path_clear () { lab_path_emulate "$1" "$2" --clear; }

# ---------------------------------------------------------------- measurements

# lab_ping_loss NS ADDR COUNT INTERVAL [PING ARGS...]: prints the loss percent
lab_ping_loss () {
  local ns=$1 addr=$2 count=$3 interval=$4 out limit
  shift 4
  limit=$(awk -v c="$count" -v i="$interval" 'BEGIN { printf "%d", c * i + 5 }')
  out=$(ip netns exec "$ns" timeout "$limit" ping -n -q -c "$count" -i "$interval" -W 1 "$@" \
        "$addr" 2>&1) || true
  out=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' <<<"$out")
  echo "${out:-100}"
}

# lab_ping_rtt NS ADDR COUNT INTERVAL [PING ARGS...]: prints "min avg max" in ms
lab_ping_rtt () {
  local ns=$1 addr=$2 count=$3 interval=$4 out limit
  shift 4
  limit=$(awk -v c="$count" -v i="$interval" 'BEGIN { printf "%d", c * i + 5 }')
  out=$(ip netns exec "$ns" timeout "$limit" ping -n -q -c "$count" -i "$interval" -W 1 "$@" \
        "$addr" 2>&1) || true
  out=$(sed -n 's|^rtt [^=]*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2 \3|p' <<<"$out")
  [[ -n $out ]] || return 1
  echo "$out"
}

lab__listening () { [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null) ]]; }

# lab_iperf_server NAME NS [PORT]: an iperf3 server, ready when this returns
lab_iperf_server () {
  local port=${3:-5201}
  lab_require iperf3
  lab_spawn "$1" "$2" iperf3 -s -p "$port"
  lab_wait_for 5 lab__listening "$2" "$port" || lab_fail "iperf3 server $1 did not start"
}

# lab_iperf NS ADDR SECONDS [IPERF3 ARGS...]: prints the receiver's Mbit/s
lab_iperf () {
  local ns=$1 addr=$2 seconds=$3 out try
  shift 3
  lab_require iperf3
  for try in 1 2; do
    out=$(ip netns exec "$ns" timeout $(( seconds + 15 )) iperf3 -c "$addr" -t "$seconds" -f m "$@" 2>&1) || true
    # the server may still be closing the last test (on a long-RTT path):
    # it resets the next control connection; once more, a moment later
    [[ $out == *"unable to receive control message"* || $out == *"server is busy"* ]] || break
    sleep 1
  done
  out=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
             END { if (v != "") print v }' <<<"$out")
  [[ -n $out ]] || return 1
  echo "$out"
}
