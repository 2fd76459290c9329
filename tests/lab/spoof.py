#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
"""Sends IPv4 UDP datagrams with any source address, for the lab's security test.

spoof.py SOURCE DESTINATION COUNT: COUNT datagrams from SOURCE to
DESTINATION port 9 through a raw socket (the kernel routes them by their
destination and leaves the source as written), as a tunnel client that lies
about its tunnel address would.  No third-party modules."""

import socket
import struct
import sys


def main():
    source, destination, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    payload = b'tttd lab: a forged source'
    udp = struct.pack('!HHHH', 40000, 9, 8 + len(payload), 0) + payload   # no UDP checksum (IPv4 allows it)
    # the kernel fills in the total length, the ID and the header checksum
    header = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(source), socket.inet_aton(destination))
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(count):
        sock.sendto(header + udp, (destination, 0))


if __name__ == '__main__':
    main()
