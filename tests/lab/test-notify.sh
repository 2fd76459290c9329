#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# The sd_notify sequence, as systemd would read it: READY=1 once the TUN
# device exists (and the bus name is owned), WATCHDOG=1 at half the watchdog
# period, STATUS= that changes as a link joins, RELOADING=1 then READY=1 on
# SIGHUP, STOPPING=1 on SIGTERM.
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/tttd.sh"

lab_init
lab_require python3
lab_topology --paths 1
tttd_lab_keys 1
tttd_lab_server
BUS=$(tttd_lab_bus client)
client=${LAB_NS_CLIENT[0]}
lab_spawn notify "$client" /usr/bin/python3 -u "$LAB_SOURCE_DIR/notify-listener.py" "$LAB_DIR/notify.sock" ttt0
lab_wait_for 5 test -S "$LAB_DIR/notify.sock" || lab_fail "the notification listener did not start"

# no links at first: one joins over D-Bus later
TTTD_WRAPPER="env NOTIFY_SOCKET=$LAB_DIR/notify.sock WATCHDOG_USEC=1000000" \
  TTTD_CLIENT_BUS=$BUS TTTD_CLIENT_LINKS= tttd_lab_client 0
lab_wait_for 5 grep -q "READY=1" "$LAB_DIR/notify.log" || lab_fail "no READY=1"
grep -q "READY=1 tun=yes" "$LAB_DIR/notify.log" || lab_fail "READY=1 came before the TUN device existed"
status_before=$(grep "STATUS=" "$LAB_DIR/notify.log" | tail -1)
lab_log "READY=1 with the TUN device in place; $status_before"
tttd_ctl "$BUS" add-link wan0 >/dev/null
lab_wait_for 5 bash -c "grep STATUS= '$LAB_DIR/notify.log' | tail -1 | grep -q '1 link up'" \
  || lab_fail "STATUS did not change as wan0 joined: $(grep STATUS= "$LAB_DIR/notify.log" | tail -3)"
lab_log "after wan0 joined: $(grep "STATUS=" "$LAB_DIR/notify.log" | tail -1)"

sleep 3
count=$(awk -v since="$(awk '/READY=1/ { print $1; exit }' "$LAB_DIR/notify.log")" \
        '$2 == "WATCHDOG=1" && $1 > since + 0.5 && $1 <= since + 3.5 { n++ } END { print n + 0 }' "$LAB_DIR/notify.log")
lab_log "WATCHDOG=1 every 500 ms expected: $count in 3 s"
(( count >= 5 && count <= 7 )) || lab_fail "WATCHDOG=1 came $count times in 3 s, not 6"

lab_kill tttd-c0 HUP
lab_wait_for 5 bash -c "grep -A3 RELOADING=1 '$LAB_DIR/notify.log' | grep -q READY=1" \
  || lab_fail "no RELOADING=1 then READY=1 on SIGHUP"
lab_log "SIGHUP: RELOADING=1, then READY=1"
lab_kill tttd-c0 TERM
lab_wait_exit tttd-c0 10 || lab_fail "tttd did not stop on SIGTERM"
grep -q "STOPPING=1" "$LAB_DIR/notify.log" || lab_fail "no STOPPING=1 on SIGTERM"
lab_log "SIGTERM: STOPPING=1, exit"
tttd_lab_pass
