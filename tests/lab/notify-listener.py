#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
"""Stands in for systemd's notification socket: prints every sd_notify
message with its time, and at READY=1 whether the TUN device exists.

notify-listener.py SOCKET_PATH TUN_NAME"""

import os
import socket
import sys
import time

path, tun = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
print('listening', flush=True)
while True:
    data = sock.recv(4096).decode('utf-8', 'replace')
    now = time.monotonic()
    for line in data.splitlines():
        extra = ''
        if line == 'READY=1':
            extra = ' tun=%s' % ('yes' if os.path.exists('/sys/class/net/' + tun) else 'no')
        print('%.3f %s%s' % (now, line, extra), flush=True)
