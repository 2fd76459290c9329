#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# A hostile server (one that has the key the client trusts) cannot make the
# client accept a cipher it never offered, nor take over its routes with the
# addresses it assigns: no session, no address on the TUN device, and the
# client's route to 128.0.0.1 and 64.0.0.1 unchanged. A well-behaved answer
# from the same fake server does make a session, so that the test can fail.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

PHASE_SECONDS=6

lab_init
lab_require ip
[[ -x ${FAKE_SERVER:-} ]] || FAKE_SERVER=$TTTD_BUILD_DIR/tests/lab/fake-server
lab_topology --paths 1 --clients 1
tttd_lab_keys 1
[[ -x $FAKE_SERVER ]] || lab_fail "no fake-server binary (meson compile -C BUILD)"
client=${LAB_NS_CLIENT[0]}
route () { ip -n "$client" route get "$1" 2>&1 || true; }
route128=$(route 128.0.0.1) route64=$(route 64.0.0.1)

# phase NAME CIPHER PREFIX...: the fake server answers with these for a
# while, a fresh client (its addresses from the server) tries; n is how
# many responses it sent
phase () {
  local name=$1
  shift
  lab_spawn "fake-$name" "$LAB_NS_SERVER" "$FAKE_SERVER" "$LAB_DIR/keys/server.key" \
    "$LAB_SERVER_ADDR:$TTTD_PORT" "$PHASE_SECONDS" "$@"
  sleep 0.3
  TTTD_POOLED=0 tttd_lab_client 0
  lab_wait_exit "fake-$name" $(( PHASE_SECONDS + 5 )) || lab_fail "the fake server failed: $(cat "$LAB_DIR/fake-$name.log")"
  n=$(tail -1 "$LAB_DIR/fake-$name.log")
  ip -n "$client" -o addr show dev ttt0 > "$LAB_DIR/addr-$name" 2>&1 || true
  route 128.0.0.1 > "$LAB_DIR/route128-$name"
  route 64.0.0.1 > "$LAB_DIR/route64-$name"
  cp "$LAB_DIR/tttd-c0.log" "$LAB_DIR/client-$name.log"
  lab_kill tttd-c0
  lab_wait_exit tttd-c0 10 || true
}
no_session () {
  local name=$1
  ! grep -q "session with the server established" "$LAB_DIR/client-$name.log" \
    || lab_fail "$name: the client made a session: $(grep established "$LAB_DIR/client-$name.log")"
  ! grep -Eq "inet6? " "$LAB_DIR/addr-$name" || lab_fail "$name: addresses on ttt0: $(cat "$LAB_DIR/addr-$name")"
  [[ $(cat "$LAB_DIR/route128-$name") == "$route128" ]] \
    || lab_fail "$name: the route to 128.0.0.1 changed: $(cat "$LAB_DIR/route128-$name")"
  [[ $(cat "$LAB_DIR/route64-$name") == "$route64" ]] \
    || lab_fail "$name: the route to 64.0.0.1 changed: $(cat "$LAB_DIR/route64-$name")"
}

# control: a sane answer makes a session and a host address
phase good 1 "$(tttd_client_tun 0)/32"
lab_log "control: $n responses, client: $(grep -o 'session with the server established.*' "$LAB_DIR/client-good.log" | head -1)"
grep -q "session with the server established" "$LAB_DIR/client-good.log" \
  || lab_fail "the fake server's sane answer made no session (see $LAB_DIR/client-good.log)"
grep -q "inet $(tttd_client_tun 0)/32" "$LAB_DIR/addr-good" || lab_fail "no assigned address: $(cat "$LAB_DIR/addr-good")"

# a cipher the client never offered (33: past any bit of its mask)
phase cipher33 33 "$(tttd_client_tun 0)/32"
lab_log "cipher 33: $n responses; ttt0: $(grep -c "inet" "$LAB_DIR/addr-cipher33" || true) addresses"
(( n >= 2 )) || lab_fail "the fake server answered only $n initiations"
no_session cipher33

# addresses that would route three quarters of IPv4 into the tunnel
phase hijack 1 128.0.0.2/1 64.0.0.2/2
lab_log "128.0.0.2/1 and 64.0.0.2/2: $n responses; client: $(grep -o 'refusing the session.*' "$LAB_DIR/client-hijack.log" | head -1)"
(( n >= 2 )) || lab_fail "the fake server answered only $n initiations"
grep -q "refusing the session: the server assigned 128.0.0.2/1" "$LAB_DIR/client-hijack.log" \
  || lab_fail "the client did not say why it refused"
no_session hijack
lab_log "route get 128.0.0.1 throughout: $route128"
tttd_lab_pass
