#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# test-check.sh TTTD TTTCTL: "tttd --check" accepts a valid client and server
# configuration and says what it found; it refuses (exit 1) a bad key, a bad
# value in a drop-in and a private key others can read, naming the file, the
# line and the key, as a start would: also peers whose prefixes overlap, a key
# that is a FIFO, not ours, or in a directory others may write to. Needs no
# network; the wrong-owner case needs root.

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

# a peer's prefix that holds another peer's address: refused at the later
# address, naming both (a could otherwise send as b)
sed -e 's|^address=198.18.9.2/32$|address=198.18.9.16/28|' -e 's|^address=198.18.9.3/32$|address=198.18.9.21/32|' \
  server.conf > overlap.conf
line=$(grep -n '^address=198.18.9.21/32$' overlap.conf | cut -d: -f1)
expect 1 "overlap\\.conf:$line: \\[peer router\\] address: 198\\.18\\.9\\.21/32 overlaps 198\\.18\\.9\\.16/28 of \\[peer laptop\\]" \
  --config overlap.conf --config-dir "$tmp/none"
# one that holds the server's own address
sed 's|^address=198.18.9.2/32$|address=198.18.9.0/30|' server.conf > own.conf
line=$(grep -n '^address=198.18.9.0/30$' own.conf | cut -d: -f1)
expect 1 "own\\.conf:$line: \\[peer laptop\\] address: 198\\.18\\.9\\.0/30 holds the server's own address 198\\.18\\.9\\.1/32" \
  --config own.conf --config-dir "$tmp/none"
# host bits set
sed 's|^address=198.18.9.2/32$|address=198.18.9.2/28|' server.conf > hostbits.conf
expect 1 'hostbits\.conf:[0-9]+: \[peer laptop\] address: 198\.18\.9\.2/28 has host bits set' \
  --config hostbits.conf --config-dir "$tmp/none"

# a private key others can read
chmod 644 client.key
expect 1 'can be read by group or others \(mode 0644\)' --config client.conf --config-dir "$tmp/none"
chmod 600 client.key

# a FIFO in the key's place: refused at once, not waited on
mkfifo fifo.key
sed "s|^private-key-file=.*|private-key-file=$tmp/fifo.key|" client.conf > fifo.conf
got=0
out=$(timeout 10 "$tttd" --check --config fifo.conf --config-dir "$tmp/none" 2>&1) || got=$?
echo "tttd --check --config fifo.conf: exit $got: $out"
[[ $got == 1 && $out =~ fifo\.key\ is\ not\ a\ regular\ file ]] || fail "a FIFO as the key: exit $got (124: it hung)"

# a key in a directory others may write to (they could swap it)
mkdir -m 777 shared
chmod 777 shared   # whatever the umask
cp client.key shared/client.key
sed "s|^private-key-file=.*|private-key-file=$tmp/shared/client.key|" client.conf > shared.conf
expect 1 "the private key $tmp/shared/client\\.key is in $tmp/shared, which group or others can write to \\(mode 0777\\)" \
  --config shared.conf --config-dir "$tmp/none"
chmod 700 shared
expect 0 'the configuration is valid' --config shared.conf --config-dir "$tmp/none"

# a key that belongs to someone else (only root can give one away)
if (( EUID == 0 )) && id nobody >/dev/null 2>&1; then
  chown nobody shared/client.key
  expect 1 "the private key $tmp/shared/client\\.key belongs to uid $(id -u nobody), not to root nor to uid 0" \
    --config shared.conf --config-dir "$tmp/none"
else
  echo "not root: the wrong-owner case is not run"
fi

# no configuration at all
expect 1 'missing\.conf' --config missing.conf --config-dir "$tmp/none"
echo "PASS"
