#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
"""Sends hostile datagrams at a tttd server, for the lab's security test.

inject.py CAPTURE.pcap SERVER PORT COUNT: reads the client's captured
datagrams to the server, then from a fresh socket (another source port)
sends COUNT each of: random garbage, bit-flipped copies of real datagrams
(one bit anywhere), exact replays, and truncated copies.  Prints the local
port it sent from.  No third-party modules: runs on a bare Debian."""

import os
import random
import socket
import struct
import sys


def datagrams(path, port):
    """UDP payloads to PORT in a classic pcap file (Ethernet, Linux cooked or raw IP)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    off = 24
    out = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:        # Ethernet
            ip = frame[14:]
        elif linktype == 113:    # Linux cooked (SLL)
            ip = frame[16:]
        elif linktype == 276:    # Linux cooked v2
            ip = frame[20:]
        else:                    # raw IP
            ip = frame
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if struct.unpack('>H', udp[2:4])[0] == port:
            out.append(bytes(udp[8:]))
    return out


def main():
    capture, server, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    real = datagrams(capture, port)
    if not real:
        sys.exit('inject.py: no datagrams to port %d in %s' % (port, capture))
    rng = random.Random(1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('0.0.0.0', 0))
    sent = 0
    for i in range(count):
        # garbage of every plausible length, some with a valid-looking header
        junk = bytearray(os.urandom(rng.randint(0, 1500)))
        if i % 2 and len(junk) >= 16:
            junk[0:4] = bytes([2, rng.randint(1, 4), 0, 0])
        sock.sendto(bytes(junk), (server, port))
        d = bytearray(rng.choice(real))
        bit = rng.randrange(len(d) * 8)
        d[bit // 8] ^= 1 << (bit % 8)
        sock.sendto(bytes(d), (server, port))
        sock.sendto(rng.choice(real), (server, port))
        d = rng.choice(real)
        sock.sendto(d[:rng.randrange(len(d))], (server, port))
        sent += 4
    print(sock.getsockname()[1])
    sys.stderr.write('inject.py: sent %d datagrams (%d real ones to copy)\n' % (sent, len(real)))


if __name__ == '__main__':
    main()
