# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# system.sh: Debian containers that boot a real systemd, for testing the
# package as a user meets it. Source it, then:
#
#   sys_init                          # temp dir, traps; needs root
#   sys_rootfs PKG...                 # the cached Debian root with these packages
#   sys_net                           # two namespaces joined by a veth
#   sys_boot server; sys_boot client  # systemd-nspawn -b on overlays of the root
#   sys_run client systemctl status tttd
#
# Without a host systemd, nspawn needs --register=no --keep-unit, a cgroup
# of its own per container (else two share one), and
# SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 for cgroup v2 inside. Everything the
# harness made (containers, overlays, mounts, namespaces, cgroups) goes on
# any exit.
#
# The root is built once with debootstrap --variant=minbase from the Debian
# mirror this machine's apt uses, and kept in SYS_CACHE (default
# /var/cache/tttd-system-test) under a name that hashes its package list:
# another list builds another root, and the older roots are removed.

SYS_CACHE=${SYS_CACHE:-/var/cache/tttd-system-test}
SYS_PREFIX=tsys$$
# addresses: the benchmarking range only
SYS_SERVER_ADDR=198.18.0.1
SYS_CLIENT_ADDR=198.18.0.2
declare -A SYS_NSPAWN=()   # name -> nspawn pid
declare -A SYS_LEADER=()   # name -> the container's PID 1
SYS_MOUNTS=()
SYS_NAMESPACES=()
SYS_CGROUPS=()

sys_log () { printf '[system %3ds] %s\n' $(( SECONDS - SYS_T0 )) "$*" >&2; }
sys_fail () { sys_log "FAIL: $*"; exit 1; }
sys_skip () { sys_log "SKIP: $*"; exit 77; }

sys_init () {
  SYS_T0=$SECONDS
  [[ $(id -u) == 0 ]] || sys_skip "needs root"
  local tool
  for tool in debootstrap systemd-nspawn nsenter ip mount sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || sys_skip "$tool is not installed (tools/setup installs it)"
  done
  [[ -e /dev/net/tun ]] || sys_skip "no /dev/net/tun"
  SYS_DIR=$(mktemp -d /tmp/tttd-system.XXXXXX)
  trap 'sys_cleanup $?' EXIT
  trap 'exit 130' INT TERM
}

# the Debian mirror of this machine's apt sources (one-line and deb822
# formats) that serves its release
sys_mirror () {
  local codename file
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    sed -n 's/^deb[ \t]\{1,\}\(\[[^]]*\][ \t]\{1,\}\)\{0,1\}\([^ \t]*\)[ \t]\{1,\}\([^ \t]*\).*/\2 \3/p' "$file" |
      awk -v c="$codename" '$2 == c { print $1 }'
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    awk -v c="$codename" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, " "); uri = a[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, " "); for (j = 2; j <= n; j++) if (s[j] == c) ok = 1 }
        }
        if (ok && uri != "") { print uri; exit } }' "$file"
  done
}

# sys_rootfs PKG...: SYS_ROOT, a Debian root with systemd and PKG
sys_rootfs () {
  local codename mirror packages key tmp
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  mirror=$(sys_mirror | head -n 1)
  [[ -n $mirror ]] || sys_skip "no Debian mirror for $codename in /etc/apt/sources.list*"
  packages=$(printf '%s\n' systemd systemd-sysv libpam-systemd dbus "$@" | sort -u | paste -sd, -)
  key=$(printf '%s %s %s\n' "$codename" "$mirror" "$packages" | sha256sum | cut -c1-12)
  SYS_ROOT=$SYS_CACHE/root-$key
  mkdir -p "$SYS_CACHE"
  exec 9>"$SYS_CACHE/lock"
  flock 9
  if [[ ! -f $SYS_ROOT/.complete ]]; then
    rm -rf "$SYS_CACHE"/root-* "$SYS_CACHE"/build-*
    tmp=$SYS_CACHE/build-$key
    sys_log "debootstrap $codename from $mirror (once; cached in $SYS_ROOT)"
    if ! debootstrap --variant=minbase --include="$packages" "$codename" "$tmp" "$mirror" \
           > "$SYS_DIR/debootstrap.log" 2>&1; then
      tail -n 30 "$SYS_DIR/debootstrap.log" >&2
      rm -rf "$tmp"
      sys_fail "debootstrap failed"
    fi
    # a container that boots fast and quietly: no console login, no
    # timers; no apt caches
    chroot "$tmp" systemctl mask console-getty.service getty@tty1.service \
      apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
    rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
    printf '%s\n' "$packages" > "$tmp/.packages"
    touch "$tmp/.complete"
    mv "$tmp" "$SYS_ROOT"
  fi
  flock -u 9
  exec 9>&-
  sys_log "root: $SYS_ROOT ($(tr , ' ' < "$SYS_ROOT/.packages" | wc -w) packages asked for)"
}

# sys_net: namespaces $SYS_PREFIX-server and -client, a veth between them
sys_net () {
  local side
  for side in server client; do
    ip netns add "$SYS_PREFIX-$side" || sys_fail "cannot create a network namespace"
    SYS_NAMESPACES+=("$SYS_PREFIX-$side")
    ip -n "$SYS_PREFIX-$side" link set lo up
  done
  ip link add "${SYS_PREFIX}s" netns "$SYS_PREFIX-server" type veth peer name "${SYS_PREFIX}c" netns "$SYS_PREFIX-client"
  ip -n "$SYS_PREFIX-server" link set "${SYS_PREFIX}s" name eth0
  ip -n "$SYS_PREFIX-client" link set "${SYS_PREFIX}c" name eth0
  ip -n "$SYS_PREFIX-server" addr add "$SYS_SERVER_ADDR/24" dev eth0
  ip -n "$SYS_PREFIX-client" addr add "$SYS_CLIENT_ADDR/24" dev eth0
  ip -n "$SYS_PREFIX-server" link set eth0 up
  ip -n "$SYS_PREFIX-client" link set eth0 up
}

# the container's PID 1: the systemd that nspawn's child runs
sys__leader () {
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    if [[ $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]]; then
      echo "$child"
      return 0
    fi
    sys__leader "$child" && return 0
  done
  return 1
}

# sys_boot NAME: boot a container NAME in the namespace $SYS_PREFIX-NAME,
# from an overlay on the root (changes go to a tmpfs), until systemd is up
sys_boot () {
  local name=$1 dir=$SYS_DIR/$1 cgroup hierarchy pid leader state i
  mkdir -p "$dir/tmpfs" "$dir/merged"
  mount -t tmpfs -o mode=0755 tmpfs "$dir/tmpfs" || sys_fail "cannot mount a tmpfs"
  SYS_MOUNTS+=("$dir/tmpfs")
  mkdir -p "$dir/tmpfs/upper" "$dir/tmpfs/work"
  mount -t overlay overlay -o "lowerdir=$SYS_ROOT,upperdir=$dir/tmpfs/upper,workdir=$dir/tmpfs/work" "$dir/merged" \
    || sys_fail "cannot mount an overlay on $SYS_ROOT"
  SYS_MOUNTS+=("$dir/merged")
  echo "$name" > "$dir/merged/etc/hostname"
  # a cgroup of its own in each hierarchy nspawn uses
  cgroup=tttd-system-$SYS_PREFIX-$name
  for hierarchy in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
    [[ -w $hierarchy/cgroup.procs ]] || continue
    mkdir -p "$hierarchy/$cgroup" 2>/dev/null && SYS_CGROUPS+=("$hierarchy/$cgroup")
    [[ $hierarchy == /sys/fs/cgroup ]] && break
  done
  (
    for hierarchy in "${SYS_CGROUPS[@]}"; do
      [[ $hierarchy == */$cgroup ]] && echo "$BASHPID" > "$hierarchy/cgroup.procs" 2>/dev/null
    done
    export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
    exec systemd-nspawn --quiet --register=no --keep-unit -M "$name" -D "$dir/merged" -b \
      --network-namespace-path="/run/netns/$SYS_PREFIX-$name" --capability=CAP_NET_ADMIN \
      --link-journal=no --console=passive
  ) > "$SYS_DIR/$name.console" 2>&1 &
  pid=$!
  SYS_NSPAWN[$name]=$pid
  for (( i = 0; i < 300; i++ )); do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$SYS_DIR/$name.console" >&2; sys_fail "$name: systemd-nspawn exited"; }
    leader=$(sys__leader "$pid") && break
    sleep 0.1
  done
  [[ -n ${leader:-} ]] || sys_fail "$name: no systemd in the container"
  SYS_LEADER[$name]=$leader
  # systemctl needs the manager's socket
  for (( i = 0; i < 300; i++ )); do
    [[ -S /proc/$leader/root/run/systemd/private ]] && break
    sleep 0.1
  done
  state=$(sys_run "$name" timeout 60 systemctl is-system-running --wait 2>/dev/null) || true
  sys_log "$name booted ($state)"
  if [[ $state != running && $state != degraded ]]; then
    sys_run "$name" systemctl --failed --no-pager >&2 || true
    sys_fail "$name: systemd is $state"
  fi
  [[ $state == degraded ]] && sys_run "$name" systemctl --failed --no-pager --no-legend >&2
  return 0
}

# sys_run NAME CMD...: run CMD inside container NAME, as root, with a
# clean environment
sys_run () {
  local name=$1
  shift
  nsenter -t "${SYS_LEADER[$name]}" -a \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= \
    sh -c 'cd /root && exec "$@"' sh "$@"
}

# sys_sh NAME SCRIPT: a shell line inside container NAME
sys_sh () { sys_run "$1" sh -c "$2"; }

# sys_root NAME: the container's file system, seen from outside
sys_root () { echo "$SYS_DIR/$1/merged"; }

sys_cleanup () {
  local rc=${1:-$?} name pid i mount ns cgroup
  trap - EXIT INT TERM
  for name in "${!SYS_NSPAWN[@]}"; do
    pid=${SYS_NSPAWN[$name]}
    # SIGTERM to nspawn: the container's systemd powers off
    kill -TERM "$pid" 2>/dev/null || continue
  done
  for name in "${!SYS_NSPAWN[@]}"; do
    pid=${SYS_NSPAWN[$name]}
    for (( i = 0; i < 150; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      sys_log "$name did not power off: killing it"
      kill -KILL "$pid" 2>/dev/null
      [[ -n ${SYS_LEADER[$name]:-} ]] && kill -KILL "${SYS_LEADER[$name]}" 2>/dev/null
      sleep 0.5
    fi
    wait "$pid" 2>/dev/null
  done
  for (( i = ${#SYS_MOUNTS[@]} - 1; i >= 0; i-- )); do
    mount=${SYS_MOUNTS[i]}
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null
  done
  for ns in "${SYS_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for cgroup in "${SYS_CGROUPS[@]}"; do
    # the container's own cgroups below it first
    find "$cgroup" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
    rmdir "$cgroup" 2>/dev/null
  done
  if [[ -n ${SYS_DIR:-} && -d $SYS_DIR ]]; then
    if [[ $rc != 0 && $rc != 77 ]]; then
      for name in "$SYS_DIR"/*.console; do
        [[ -s $name ]] && { echo "----- $(basename "$name") (last 20 lines)" >&2; tail -n 20 "$name" >&2; }
      done
    fi
    rm -rf "$SYS_DIR"
  fi
  exit "$rc"
}
