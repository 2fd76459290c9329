#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# test-check.sh TTTD TTTCTL: "tttd --check" accepts a valid client and server
# configuration and says what it found; it refuses (exit 1) a bad key, a bad
# value in a drop-in and a private key others can read, naming the file, the
# line and the key, as a start would. Needs no root and no network.

set -euo pipefail

tttd=$(readlink -f "${1:?usage: test-check.sh TTTD TTTCTL}")
tttctl=$(readlink -f "${2:?usage: test-check.sh TTTD TTTCTL}")
tmp=$(mktemp -d /tmp/tttd-test-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
umask 077

fail () { echo "FAIL: $*"; exit 1; }

# expect RC PATTERN ARGS...: tttd ARGS exits RC, and its output matches PATTERN
expect () {
  local rc=$1 pattern=$2 out got=0
  shift 2
  out=$("$tttd" --check "$@" 2>&1) || got=$?
  echo "tttd --check $*: exit $got: $out"
  [[ $got == "$rc" ]] || fail "exit $got, expected $rc"
  [[ $out =~ $pattern ]] || fail "the output does not match '$pattern'"
}

"$tttctl" genkey > client.key
"$tttctl" genkey > server.key
"$tttctl" pubkey < server.key > server.pub
"$tttctl" pubkey < client.key > client.pub

cat > client.conf <<CONF
[tttd]
mode=client
tun=ttt0
address=198.18.9.2/24
private-key-file=$tmp/client.key
[links]
networkmanager=false
static=wan0;wan1;wan2
[client]
server=198.18.0.1:5555
server-public-key=$(cat server.pub)
CONF
cat > server.conf <<CONF
[tttd]
mode=server
tun=ttt0
address=198.18.9.1/24
private-key-file=$tmp/server.key
[server]
listen=198.18.0.1:5555
[peer laptop]
public-key=$(cat client.pub)
address=198.18.9.2/32
[peer router]
public-key=$(cat server.pub)
address=198.18.9.3/32
CONF

expect 0 'client\.conf: the configuration is valid \(client, 3 static links, without NetworkManager\)' \
  --config client.conf --config-dir "$tmp/none"
expect 0 'server\.conf: the configuration is valid \(server, 2 peers\)' \
  --config server.conf --config-dir "$tmp/none"

# an unknown key: file, line and key named
sed 's/^tun=ttt0$/tun=ttt0\nbogus=1/' client.conf > unknown.conf
expect 1 'unknown\.conf:4: \[tttd\] bogus: unknown key' --config unknown.conf --config-dir "$tmp/none"

# a bad value in a drop-in: the drop-in named
mkdir conf.d
printf '[client]\nserver=nonsense\n' > conf.d/10-server.conf
expect 1 'conf\.d/10-server\.conf:2: \[client\] server: ' --config client.conf --config-dir conf.d
rm conf.d/10-server.conf

# two peers with one tunnel address
sed 's|^address=198.18.9.3/32$|address=198.18.9.2/32|' server.conf > clash.conf
expect 1 'clash\.conf:[0-9]+: \[peer router\] address: ' --config clash.conf --config-dir "$tmp/none"

# a private key others can read
chmod 644 client.key
expect 1 'can be read by group or others \(mode 0644\)' --config client.conf --config-dir "$tmp/none"
chmod 600 client.key

# no configuration at all
expect 1 'missing\.conf' --config missing.conf --config-dir "$tmp/none"
echo "PASS"
