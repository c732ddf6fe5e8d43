#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the NAT integration scripts (t-nat-*.sh), stdlib only.

  sink PORT OUT           TCP server: one connection, writes "PEER SHA256"
                          of what it received to OUT; prints "ready".
  whoami PORT             TCP server: answers every connection with the
                          peer's "ADDR:PORT" seen here; prints "ready".
  ask HOST PORT           connect, print the answer (whoami's).
  trace DST PORT HOPS...  UDP probes with TTL 1, 2... to DST:PORT; each
                          answer must come from the hop named (the last:
                          port unreachable from DST), quote the probe as
                          the client sent it (addresses, ports, id) and
                          carry right checksums. Prints TAP lines.
"""
import hashlib
import os
import select
import socket
import struct
import sys
import time

from tfhelp import csum, l4sum


def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    print("ready", flush=True)
    return s


def sink(port, out):
    s = server(int(port))
    c, peer = s.accept()
    h = hashlib.sha256()
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
    with open(out + ".tmp", "w") as f:
        f.write("%s %s\n" % (peer[0], h.hexdigest()))
    os.rename(out + ".tmp", out)


def whoami(port):
    s = server(int(port))
    while True:
        c, peer = s.accept()
        c.sendall(("%s:%d\n" % peer).encode())
        c.close()


def ask(host, port):
    c = socket.create_connection((host, int(port)), timeout=5)
    print(c.recv(100).decode().strip())


def trace(dst, port, *hops):
    port = int(port)
    me = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    me.bind(("0.0.0.0", 0))
    sport = me.getsockname()[1]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    fails = 0
    for ttl, hop in enumerate(hops, 1):
        dport = port + ttl
        me.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        me.connect((dst, dport))
        src = me.getsockname()[0]
        me.send(b"probe %d" % ttl)
        want_type = 3 if ttl == len(hops) else 11
        got = None
        deadline = time.time() + 3
        while time.time() < deadline and got is None:
            r, _, _ = select.select([raw], [], [], 0.2)
            if not r:
                continue
            pkt, addr = raw.recvfrom(2048)
            ihl = (pkt[0] & 15) * 4
            icmp = pkt[ihl:]
            if len(icmp) < 36 or icmp[0] not in (3, 11):
                continue
            inner = icmp[8:]
            iihl = (inner[0] & 15) * 4
            isport, idport = struct.unpack("!HH", inner[iihl:iihl + 4])
            if idport != dport or isport != sport:
                continue
            got = (addr[0], pkt, icmp, inner, iihl)
        text = "TTL %d: %s from %s" % (ttl, "time exceeded" if want_type == 11
                                         else "port unreachable", hop)
        if got is None:
            print("not ok - %s (nothing came back)" % text)
            fails += 1
            continue
        frm, pkt, icmp, inner, iihl = got
        bad = []
        if frm != hop:
            bad.append("came from %s" % frm)
        if icmp[0] != want_type:
            bad.append("type %d" % icmp[0])
        if csum(icmp) != 0:
            bad.append("ICMP checksum wrong")
        if csum(inner[:iihl]) != 0:
            bad.append("quoted IP checksum wrong")
        qsrc = socket.inet_ntoa(inner[12:16])
        qdst = socket.inet_ntoa(inner[16:20])
        if qsrc != src or qdst != dst:
            bad.append("quotes %s -> %s" % (qsrc, qdst))
        udp = inner[iihl:]
        ulen = struct.unpack("!H", udp[4:6])[0]
        if len(udp) >= ulen and struct.unpack("!H", udp[6:8])[0]:
            if l4sum(inner[12:16], inner[16:20], 17, udp[:ulen]) != 0:
                bad.append("quoted UDP checksum wrong")
        if bad:
            print("not ok - %s (%s)" % (text, ", ".join(bad)))
            fails += 1
        else:
            print("ok - %s, quoting %s:%d -> %s:%d" % (text, qsrc, sport, qdst, dport))
    return 1 if fails else 0


CMDS = {"sink": sink, "whoami": whoami, "ask": ask, "trace": trace}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    sys.exit(CMDS[sys.argv[1]](*sys.argv[2:]) or 0)
