#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Socket and capture helpers for the rules scripts (t-rules-*.sh), stdlib only.

Each subcommand prints one line saying what happened and exits 0 when that
was the expected outcome, 1 otherwise (2 on bad usage).

  tcp-server PORT                 accept TCP connections on PORT, read each
                                  to EOF, until killed; "ready" once listening
  connect HOST PORT EXPECT [SECS] [MSS]
                                  a TCP connect: EXPECT is connected, timeout,
                                  refused or an errno name (EHOSTUNREACH...);
                                  SECS the timeout (default 1), MSS sets
                                  TCP_MAXSEG before the connect
  udp-probe HOST PORT EXPECT [SECS]
                                  one datagram on a connected UDP socket, then
                                  wait for the answer: EXPECT is reply,
                                  timeout or an errno name (ECONNREFUSED...)
  udp-send HOST PORT COUNT [TOS] [TTL]
                                  COUNT datagrams of 32 bytes with IP_TOS and
                                  IP_TTL set (defaults 0 and 64)
  capture IFNAME                  print one line per IPv4 packet received on
                                  IFNAME (AF_PACKET; a TUN has no link
                                  header), until killed; "ready" first:
      src=A dst=A proto=N ttl=N tos=0xNN len=N id=N ipcsum=ok|bad
      [seq=N (TCP)] [sport=N dport=N] [flags=SA... mss=N|none l4csum=ok|bad]
"""

import errno
import os
import select
import socket
import struct
import sys
import time

from tfhelp import csum, l4sum

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def usage():
    print(__doc__, file=sys.stderr)
    sys.exit(2)


def say(text):
    print(text, flush=True)


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


# --- TCP ------------------------------------------------------------------

def tcp_server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(64)
    say("ready")
    conns = []
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s:
                conns.append(s.accept()[0])
                continue
            try:
                data = c.recv(65536)
            except OSError:
                data = b""
            if not data:
                conns.remove(c)
                c.close()


def connect(host, port, expect, secs="1", mss=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if mss is not None:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(mss))
    s.settimeout(float(secs))
    t0 = time.monotonic()
    try:
        s.connect((host, int(port)))
        got = "connected"
    except ConnectionRefusedError:
        got = "refused"
    except socket.timeout:
        got = "timeout"
    except OSError as e:
        got = errname(e)
    say("%s in %.3f s" % (got, time.monotonic() - t0))
    s.close()
    return 0 if got == expect else 1


# --- UDP ------------------------------------------------------------------

def udp_probe(host, port, expect, secs="1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    s.settimeout(float(secs))
    t0 = time.monotonic()
    try:
        s.send(b"tunfilter rules probe")
        s.recv(2048)
        got = "reply"
    except socket.timeout:
        got = "timeout"
    except OSError as e:
        got = errname(e)
    say("%s in %.3f s" % (got, time.monotonic() - t0))
    return 0 if got == expect else 1


def udp_send(host, port, count, tos="0", ttl="64"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(tos, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(ttl))
    for i in range(int(count)):
        s.sendto(struct.pack("!I", i) + b"\x5a" * 28, (host, int(port)))
    say("sent %d" % int(count))
    return 0


# --- capture --------------------------------------------------------------

def tcp_mss(opts):
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == 2 and opts[i + 1] == 4 and i + 4 <= len(opts):
            return str(struct.unpack("!H", opts[i + 2:i + 4])[0])
        i += opts[i + 1]
    return "none"


def describe(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    tot = struct.unpack("!H", pkt[2:4])[0]
    pkt = pkt[:tot]
    ident, frag = struct.unpack("!HH", pkt[4:8])
    proto = pkt[9]
    src = socket.inet_ntoa(pkt[12:16])
    dst = socket.inet_ntoa(pkt[16:20])
    f = ["src=%s dst=%s proto=%d ttl=%d tos=0x%02x len=%d id=%d ipcsum=%s" % (
        src, dst, proto, pkt[8], pkt[1], tot, ident,
        "ok" if csum(pkt[:ihl]) == 0 else "bad")]
    l4 = pkt[ihl:]
    if frag & 0x1FFF or proto not in (6, 17):
        return " ".join(f)
    if proto == 6 and len(l4) >= 8:
        f.append("seq=%d" % struct.unpack("!I", l4[4:8]))
    if len(l4) >= 4:
        f.append("sport=%d dport=%d" % struct.unpack("!HH", l4[:4]))
    l4ok = "ok" if l4sum(pkt[12:16], pkt[16:20], proto, l4) == 0 else "bad"
    if proto == 6 and len(l4) >= 20:
        off = (l4[12] >> 4) * 4
        flags = "".join(c for c, b in zip("FSRPAUEC", range(8)) if l4[13] & (1 << b))
        f.append("flags=%s mss=%s" % (flags, tcp_mss(l4[20:off])))
    if proto == 17 and len(l4) >= 8 and l4[6:8] == b"\0\0":
        l4ok = "ok"  # no checksum
    f.append("l4csum=%s" % l4ok)
    return " ".join(f)


def capture(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    say("ready")
    while True:
        pkt, addr = s.recvfrom(65536)
        if addr[2] == PACKET_OUTGOING:
            continue
        line = describe(pkt)
        if line:
            say(line)


COMMANDS = {
    "tcp-server": (tcp_server, 1, 1),
    "connect": (connect, 3, 5),
    "udp-probe": (udp_probe, 3, 4),
    "udp-send": (udp_send, 3, 5),
    "capture": (capture, 1, 1),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        usage()
    fn, lo, hi = COMMANDS[sys.argv[1]]
    if not lo <= len(sys.argv) - 2 <= hi:
        usage()
    try:
        sys.exit(fn(*sys.argv[2:]) or 0)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    # Killed by the cleanup: leave quietly.
    import signal
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    main()
