#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the conntrack scripts (t-conntrack-*.sh), stdlib only.

  hold HOST PORT N          open N TCP connections to HOST:PORT, print
                            "ready PORT1 PORT2 ..." (their local ports) and
                            keep them open until killed
  stray-ack SRC DST SPORT DPORT IPID [SEQ]
                            send one TCP ACK from SRC:SPORT to DST:DPORT with
                            sequence and acknowledgement numbers nobody sent
                            (SEQ if given), IP ID IPID (raw socket, checksums
                            right)
  udp-flows HOST PORT N [BASE]
                            one datagram to HOST:PORT from each of N source
                            ports BASE, BASE+1... (default 20000); no wait
  udp-talk HOST PORT SPORT COUNT
                            COUNT request/answer rounds with a UDP echo
                            server from source port SPORT; "replies N"
"""

import socket
import struct
import sys
import time

from tfhelp import csum, l4sum


def usage():
    print(__doc__, file=sys.stderr)
    sys.exit(2)


def hold(host, port, n):
    conns = [socket.create_connection((host, int(port)), timeout=5) for _ in range(int(n))]
    print("ready " + " ".join(str(c.getsockname()[1]) for c in conns), flush=True)
    while True:
        time.sleep(3600)


def stray_ack(src, dst, sport, dport, ipid, seq="305419896"):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    seq, ack = int(seq) & 0xFFFFFFFF, 0x7EDCBA98
    tcp = struct.pack("!HHIIBBHHH", int(sport), int(dport), seq, ack, 5 << 4, 0x10, 512, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", l4sum(s, d, 6, tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), int(ipid), 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(ip + tcp, (dst, 0))
    print("sent", flush=True)


def udp_flows(host, port, n, base="20000"):
    for i in range(int(n)):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("", int(base) + i))
        u.sendto(b"flow %d" % i, (host, int(port)))
        u.close()
    print("sent %s" % n, flush=True)


def udp_talk(host, port, sport, count):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("", int(sport)))
    u.settimeout(2)
    replies = 0
    for i in range(int(count)):
        u.sendto(b"round %d" % i, (host, int(port)))
        try:
            u.recvfrom(2048)
            replies += 1
        except socket.timeout:
            pass
    print("replies %d" % replies, flush=True)
    return replies == int(count)


def main():
    if len(sys.argv) < 2:
        usage()
    cmd, args = sys.argv[1], sys.argv[2:]
    table = {"hold": (hold, 3), "stray-ack": (stray_ack, 5), "udp-flows": (udp_flows, 3),
             "udp-talk": (udp_talk, 4)}
    if cmd not in table or len(args) < table[cmd][1]:
        usage()
    ok = table[cmd][0](*args)
    sys.exit(0 if ok is None or ok else 1)


if __name__ == "__main__":
    main()
