#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
"""Floods a tttd server with initiations spoofed from someone else's source,
and reads what the server sent back, for the lab's cookie test.

spoof-init.py send SERVER_PUBLIC_KEY SRC_ADDR SRC_PORT DEV DST_ADDR DST_PORT RATE SECONDS
    initiations with a valid mac1 (anyone who knows the server's public key
    can make one) and random contents, from SRC_ADDR:SRC_PORT (a raw socket
    on DEV, so the source is whatever we say), RATE per second for SECONDS.
    Prints how many it sent.
spoof-init.py answers CAPTURE.pcap SRC_PORT
    what the server sent from SRC_PORT, by message type: "TYPE COUNT MAXLEN"
    per line.  No third-party modules: runs on a bare Debian."""

import base64
import hashlib
import os
import socket
import struct
import sys
import time

VERSION = 2
INITIATION = 1
INITIATION_LEN = 152
MAC1_OFFSET = 120


def initiation(mac1_key):
    body = bytes([VERSION, INITIATION, 0, 0]) + os.urandom(MAC1_OFFSET - 4)
    mac1 = hashlib.blake2b(body, digest_size=16, key=mac1_key).digest()
    return body + mac1 + bytes(16)       # no cookie: mac2 is zero


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(src, sport, dst, dport, payload):
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 17, udp_len)
    udp = struct.pack('!HHHH', sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack('!H', checksum(pseudo + udp) or 0xffff) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return ip + udp


def send(args):
    key, src, sport, dev, dst, dport, rate, seconds = args
    public = base64.b64decode(key)
    mac1_key = hashlib.blake2b(b'mac1----' + public, digest_size=32).digest()
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    interval = 1.0 / float(rate)
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < float(seconds):
        sock.sendto(packet(src, int(sport), dst, int(dport), initiation(mac1_key)), (dst, 0))
        sent += 1
        time.sleep(max(0.0, start + sent * interval - time.monotonic()))
    print(sent)


def answers(args):
    path, port = args[0], int(args[1])
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    off = 24
    seen = {}
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[14:] if linktype == 1 else frame[16:] if linktype == 113 else frame
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        if struct.unpack('>H', udp[0:2])[0] != port:
            continue
        payload = udp[8:struct.unpack('>H', udp[4:6])[0]]
        kind = payload[1] if len(payload) > 1 else -1
        count, longest = seen.get(kind, (0, 0))
        seen[kind] = (count + 1, max(longest, len(payload)))
    for kind in sorted(seen):
        print(kind, *seen[kind])


def main():
    if len(sys.argv) == 10 and sys.argv[1] == 'send':
        send(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == 'answers':
        answers(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
