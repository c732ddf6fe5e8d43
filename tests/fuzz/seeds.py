#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpora of the fuzz harnesses (tests/fuzz/corpus/NAME/).

   tests/fuzz/seeds.py            (re)write every seed-* file

The seeds are committed; this script says how each was made, so that a
change of a record format (see the comment at the top of each harness) is
one edit here. Files the fuzzer found and that were kept as reproducers are
named otherwise (crash-*, repro-*) and left alone.
"""
import os
import shutil
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(s):
    return socket.inet_aton(s)


def ipv4(src, dst, proto, payload, ttl=64, ident=1, df=False, mf=False, off=0, tos=0,
         opts=b""):
    ihl = 5 + len(opts) // 4
    frag = (0x4000 if df else 0) | (0x2000 if mf else 0) | (off // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload), ident, frag,
                    ttl, proto, 0, addr(src), addr(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(src, dst, proto, seg, at):
    pseudo = addr(src) + addr(dst) + struct.pack("!BBH", 0, proto, len(seg))
    c = csum(pseudo + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def udp(src, dst, sport, dport, data=b"", **kw):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return ipv4(src, dst, 17, l4sum(src, dst, 17, seg, 6), **kw)


def tcp(src, dst, sport, dport, flags, seq=1000, ack=0, opts=b"", data=b"", **kw):
    off = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0,
                      0) + opts + data
    return ipv4(src, dst, 6, l4sum(src, dst, 6, seg, 16), **kw)


def icmp(src, dst, typ, code, rest=b"\0\0\0\0", data=b"", **kw):
    m = struct.pack("!BBH", typ, code, 0) + rest + data
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ipv4(src, dst, 1, m, **kw)


def echo(src, dst, ident=7, seq=1, data=b"x" * 56, **kw):
    return icmp(src, dst, 8, 0, struct.pack("!HH", ident, seq), data, **kw)


def fragments(src, dst, proto, payload, size, ident=99):
    """The fragments of one datagram (payload = the transport segment)."""
    out = []
    for off in range(0, len(payload), size):
        part = payload[off:off + size]
        out.append(ipv4(src, dst, proto, part, ident=ident, off=off,
                        mf=off + size < len(payload)))
    return out


SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16
MSS = b"\x02\x04\x05\xb4"
LAN, WAN = "10.1.0.2", "10.2.0.9"
MASQ = "10.2.0.1"  # what MASQUERADE makes of LAN on wan0 (ports kept)

# ---- fuzz_packet: op, len (LE 16), body ----


def pkt(body, iface=0, step=0, fix=True):
    op = iface | (0x0C if fix else 0) | (step << 4) | 0x80
    return struct.pack("<BH", op, len(body)) + body


def verdict(v):  # 0 accept, 1 drop, 2 repeat, 3 unknown
    return struct.pack("<BH", 2 | (v << 2), 0)


def tick(ms):
    return struct.pack("<BH", 3, ms // 10)


def udp_segment(sport, dport, data):
    return l4sum(LAN, WAN, 17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data, 6)


def packet_seeds():
    s = {}
    s["ping-forward"] = (pkt(echo(LAN, WAN)) +
                         pkt(icmp(WAN, MASQ, 0, 0, struct.pack("!HH", 7, 1), b"x" * 56),
                             iface=1, step=1))
    s["ping-router"] = (pkt(echo(LAN, "10.1.0.1")) +
                        pkt(icmp(LAN, "10.2.0.1", 13, 0, struct.pack("!HH", 1, 1),
                                 b"\0" * 12), step=2) +
                        pkt(echo("10.1.0.99", "10.1.0.1", seq=2), step=3))
    s["tcp-flow"] = (pkt(tcp(LAN, "10.20.1.1", 40000, 80, SYN, opts=MSS)) +
                     pkt(tcp("10.20.1.1", MASQ, 80, 40000, SYN | ACK, seq=5000, ack=1001,
                             opts=MSS), iface=1, step=1) +
                     pkt(tcp(LAN, "10.20.1.1", 40000, 80, ACK, seq=1001, ack=5001), step=1) +
                     pkt(tcp(LAN, "10.20.1.1", 40000, 80, ACK | PSH, seq=1001, ack=5001,
                             data=b"GET / HTTP/1.0\r\n\r\n"), step=1) +
                     pkt(tcp("10.20.1.1", MASQ, 80, 40000, ACK | FIN, seq=5001, ack=1019),
                         iface=1, step=2) +
                     pkt(tcp(LAN, "10.20.1.1", 40000, 80, ACK | FIN, seq=1019, ack=5002),
                         step=1))
    s["tcp-local"] = (pkt(tcp(LAN, "10.1.0.1", 40001, 22, SYN, opts=MSS)) +
                      pkt(tcp(LAN, "10.1.0.1", 40002, 2222, SYN)) +
                      pkt(tcp(LAN, WAN, 40003, 9, SYN)) +
                      pkt(tcp(WAN, LAN, 40004, 25, SYN, opts=MSS), iface=1))
    s["udp-queue"] = (pkt(udp(LAN, "10.1.0.1", 5000, 9999, b"queued")) +
                      verdict(0) +
                      pkt(udp(LAN, WAN, 5001, 4000, b"balanced")) +
                      pkt(udp(LAN, "10.20.0.5", 1500, 53, b"q")) +
                      verdict(2) + verdict(0) + verdict(1) + verdict(3) +
                      pkt(udp(LAN, "10.20.0.5", 1500, 7, b"notrack")))
    big = udp_segment(6000, 5001, bytes(range(256)) * 12)
    frags = fragments(LAN, WAN, 17, big, 1200)
    s["fragments"] = (b"".join(pkt(f) for f in reversed(frags)) +
                      pkt(udp(LAN, WAN, 6000, 5002, b"d" * 1400, df=True)) +
                      pkt(udp(LAN, "10.20.3.3", 6000, 5003, b"n" * 1400)))
    s["defrag-timeout"] = pkt(frags[0]) + tick(40000) + pkt(frags[1], step=6)
    over = [ipv4(LAN, WAN, 17, big[:48], ident=7, mf=True),
            ipv4(LAN, WAN, 17, big[24:64], ident=7, off=24, mf=True),
            ipv4(LAN, WAN, 17, big[16:80], ident=7, off=16)]
    s["teardrop"] = b"".join(pkt(f) for f in over)
    s["errors"] = (pkt(udp(LAN, WAN, 7000, 7001, b"ttl", ttl=1)) +
                   pkt(udp(LAN, "10.1.0.1", 7000, 53, b"port")) +
                   pkt(ipv4(LAN, "10.1.0.1", 99, b"proto")) +
                   pkt(udp(LAN, "10.20.5.5", 7000, 7002, b"admin")) +
                   pkt(ipv4(LAN, "10.20.5.5", 47, b"\0\0\x08\0gre")) +
                   pkt(udp("10.2.0.77", "10.2.0.255", 7000, 7003, b"bcast"), iface=1))
    rr = b"\x07\x0b\x04" + b"\0" * 8 + b"\x01"  # record route, padded
    ts = b"\x44\x0c\x05\x00" + b"\0" * 8        # timestamp
    s["ip-options"] = (pkt(udp(LAN, WAN, 8000, 5010, b"rr", opts=rr)) +
                       pkt(echo(LAN, "10.1.0.1", opts=ts)) +
                       pkt(udp(LAN, WAN, 8000, 5011, b"t" * 30, ttl=3, tos=0xb8)))
    # DNAT in from wan0 and the answer; SNAT/MASQUERADE out, the answer and
    # an ICMP error about the translated flow (its inner header translated).
    out_flow = udp(LAN, WAN, 4444, 5050, b"snat")
    s["nat"] = (pkt(tcp(WAN, "10.2.0.1", 50000, 8080, SYN, opts=MSS), iface=1) +
                pkt(tcp("10.1.0.5", WAN, 80, 50000, SYN | ACK, seq=9, ack=1001, opts=MSS),
                    step=1) +
                pkt(udp(WAN, "10.2.0.1", 50001, 5353, b"q"), iface=1, step=1) +
                pkt(out_flow, step=1) +
                pkt(udp(WAN, "10.2.0.1", 5050, 3000, b"answer"), iface=1, step=1) +
                pkt(icmp(WAN, "10.2.0.1", 3, 3, data=udp("10.2.0.1", WAN, 3000, 5050,
                                                         b"snat")[:28]), iface=1, step=1) +
                pkt(tcp(LAN, WAN, 40010, 22, SYN, opts=MSS), step=1) +
                pkt(udp(LAN, "10.1.0.1", 4445, 5300, b"redirect"), step=1))
    quoted = udp(MASQ, WAN, 5353, 53, b"dns?")
    s["icmp-related"] = (pkt(udp(LAN, WAN, 5353, 53, b"dns?")) +
                         pkt(icmp(WAN, MASQ, 3, 3, data=quoted[:28]), iface=1, step=1))
    return s


# ---- fuzz_control: header + payload, several messages ----

CTL_MAGIC = 0x31434654


def ctl(argv, inp=b"", flags=0, typ=1, status=0):
    strs = b"".join(a.encode() + b"\0" for a in argv)
    payload = struct.pack("<III", flags, len(argv), len(inp)) + strs + inp
    return struct.pack("<IHHIi", CTL_MAGIC, 1, typ, len(payload), status) + payload


def ctl_reply(out, err, status):
    payload = struct.pack("<II", len(out), len(err)) + out + err
    return struct.pack("<IHHIi", CTL_MAGIC, 1, 2, len(payload), status) + payload


RULES_SMALL = b"""*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:web - [0:0]
-A FORWARD -i lan0 -o wan0 -p tcp -m tcp --dport 80 -j web
-A web -m limit --limit 10/sec -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p udp -j MARK --set-mark 0x5
COMMIT
"""


def control_seeds():
    s = {}
    s["iptables"] = (ctl(["-A", "FORWARD", "-s", "10.0.0.0/8", "-p", "tcp", "--dport", "22",
                          "-j", "ACCEPT"]) +
                     ctl(["-N", "logdrop"]) +
                     ctl(["-A", "logdrop", "-j", "LOG", "--log-prefix", "drop: "]) +
                     ctl(["-A", "logdrop", "-j", "DROP"]) +
                     ctl(["-I", "FORWARD", "1", "-i", "wan0", "-j", "logdrop"]) +
                     ctl(["-S"]) +
                     ctl(["-L", "-n", "-v", "--line-numbers"]) +
                     ctl(["-C", "FORWARD", "-i", "wan0", "-j", "logdrop"]) +
                     ctl(["-D", "FORWARD", "1"]) +
                     ctl(["-E", "logdrop", "ld"]) +
                     ctl(["-P", "FORWARD", "DROP"]) +
                     ctl(["-Z"]) + ctl(["-F", "ld"]) + ctl(["-X", "ld"]))
    s["iptables-tables"] = (ctl(["-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "--syn",
                                 "-j", "TCPMSS", "--set-mss", "1200"]) +
                            ctl(["-t", "raw", "-A", "PREROUTING", "-j", "CT", "--notrack"]) +
                            ctl(["-t", "mangle", "-R", "PREROUTING", "1", "-j", "TTL",
                                 "--ttl-set", "9"]) +
                            ctl(["-t", "nat", "-L"]) +
                            ctl(["-t", "mangle", "-S", "PREROUTING", "1"]))
    s["json"] = (ctl(["-A", "INPUT", "-p", "icmp", "-m", "icmp", "--icmp-type", "8", "-j",
                      "ACCEPT"]) +
                 ctl(["-L", "--json"], flags=1) + ctl(["-S", "-j"], flags=1) +
                 ctl(["-L", "INPUT", "-v", "-x"], flags=1))
    s["save-restore"] = (ctl(["restore"], RULES_SMALL) + ctl(["save", "-c"]) +
                         ctl(["restore", "--noflush", "--counters"],
                             b"*filter\n[3:120] -A INPUT -j ACCEPT\nCOMMIT\n") +
                         ctl(["restore", "--test"], b"*filter\n-A INPUT -j nowhere\nCOMMIT\n") +
                         ctl(["save", "-t", "mangle"]) + ctl(["restore", "-T", "filter"],
                                                             RULES_SMALL))
    s["simulate"] = (ctl(["restore"], RULES_SMALL) +
                     ctl(["simulate", "-i", "lan0", "-s", "10.1.0.2", "-d", "10.2.0.9", "-p",
                          "tcp", "--dport", "80", "--syn"]) +
                     ctl(["simulate", "-d", "10.2.0.9", "-p", "udp", "--dport", "53",
                          "--mark", "5", "--ttl", "1"]) +
                     ctl(["simulate", "-i", "wan0", "-s", "10.2.0.9", "-d", "10.1.0.1", "-p",
                          "icmp", "--icmp-type", "echo-request", "--length", "84", "--tos",
                          "16"]))
    s["reply"] = ctl_reply(b"Chain INPUT (policy ACCEPT)\n", b"", 0) + \
        ctl_reply(b"", b"tunfilter: No chain/target/match by that name.\n", 1)
    return s


# ---- fuzz_queue: codec frames, and sessions ----

T_BIND, T_UNBIND, T_COPY, T_VERDICT, T_BATCH, T_ACK, T_PACKET, T_ERROR = 1, 2, 3, 4, 5, 16, 17, 18


def qhdr(typ, body, seq=1):
    return struct.pack("<HHIII", 1, typ, 16 + len(body), seq, 0) + body


def qreq(typ, queue, mode=2, rng=0xFFFF, seq=1):
    if typ == T_UNBIND:
        mode, rng = 0, 0
    if mode != 2:
        rng = 0
    return qhdr(typ, struct.pack("<HBBI", queue, mode, 0, rng), seq)


def qverdict(typ, ident, queue, v, mark=None, payload=b"", seq=1):
    flags = 1 if mark is not None else 0
    return qhdr(typ, struct.pack("<IHBBII", ident, queue, v, flags, mark or 0, len(payload)) +
                payload, seq)


def qpacket(ident, queue, payload):
    name = lambda n: n.encode().ljust(16, b"\0")
    body = struct.pack("<IHBBIIii16s16sQIBBHII", ident, queue, 2, 0, 0, len(payload) + 10, 0, 1,
                       name("lan0"), name("wan0"), 123456789, 0, 7, 2, 0, len(payload), 0)
    return qhdr(T_PACKET, body + payload, 0)


def rec(op, body=b"", n=None):
    return struct.pack("<BH", op, len(body) if n is None else n) + body


def qsession_pkt(udp_tcp=0, local=0, port=1, payload=b"hello"):
    return rec(1 | (udp_tcp << 3) | (local << 4) | (port << 5), payload)


def fill(n=8, short=False):
    return rec(2 | ((n - 1) << 3) | (0x40 if short else 0), n=0)


def qv(pick=0, v=0, batch=False, payload=b""):  # v: 0 accept, 1 drop, 2 repeat
    return rec(3 | (8 if batch else 0) | (v << 4) | (pick << 6), payload)


def queue_seeds():
    s = {}
    s["bind"] = qreq(T_BIND, 3, 2, 128)
    s["unbind"] = qreq(T_UNBIND, 3)
    s["copy-mode"] = qreq(T_COPY, 1, 1)
    s["verdict"] = qverdict(T_VERDICT, 5, 3, 1, mark=7)
    s["verdict-payload"] = qverdict(T_VERDICT, 6, 3, 1,
                                    payload=udp(LAN, WAN, 1, 2, b"replaced"))
    s["verdict-batch"] = qverdict(T_BATCH, 9, 1, 0)
    s["ack"] = qhdr(T_ACK, struct.pack("<iI", 16, 0), 4)
    s["error"] = qhdr(T_ERROR, struct.pack("<iI", 71, 13) + b"bad verdict!!", 4)
    s["packet"] = qpacket(3, 1, udp(LAN, WAN, 1, 2, b"abc")[:20])
    s["session-accept"] = (rec(0, qreq(T_BIND, 1)) + rec(0, qreq(T_BIND, 2, 1, seq=2)) +
                           rec(0, qreq(T_BIND, 3, 2, 64, seq=3)) + fill() +
                           qsession_pkt(0, 0, 1) + qsession_pkt(0, 1, 1) +
                           qsession_pkt(1, 0, 2) + fill() +
                           qv(0, 0) + qv(1, 1) + qv(2, 2) + fill() + qv(0, 0, batch=True) +
                           rec(4, n=200))
    s["session-replace"] = (rec(0, qreq(T_BIND, 1, 2, 0xFFFF)) + fill() +
                            qsession_pkt(0, 0, 2, b"x" * 40) + fill() +
                            qv(0, 0, payload=udp(LAN, WAN, 12345, 2, b"y" * 20)) +
                            qsession_pkt(0, 0, 2, b"z") + fill() +
                            qv(0, 0, payload=b"E\0" + b"\0" * 17) +
                            qsession_pkt(0, 0, 2, b"m") + fill() + qv(0, 0, payload=b"odd"))
    s["session-expire"] = (rec(0, qreq(T_BIND, 3, 0)) + fill() +
                           qsession_pkt(0, 1, 0) + qsession_pkt(0, 1, 0) + fill(1, True) +
                           rec(4, n=150) + rec(6, bytes([2, 0x08, 1, 0x1e, 3, 0x02, 1, 0xf9])) +
                           qsession_pkt(0, 0, 3) + rec(5) + qsession_pkt(0, 0, 3) +
                           rec(4, n=1000))
    s["session-errors"] = (rec(0, qreq(T_BIND, 1)) + fill() +
                           rec(0, qverdict(T_VERDICT, 50, 1, 1)) + fill() +
                           rec(0, qreq(T_BIND, 2)) + rec(0, qreq(T_UNBIND, 7)) +
                           rec(0, b"\x02\x00\x01\x00") + fill() +
                           rec(7, udp(LAN, WAN, 9, 1, b"raw")) + rec(7, b"\x45" + b"\0" * 30))
    return s


# ---- text corpora: config and rules ----

CONFIG_FULL = b"""[daemon]
control_socket = /run/tunfilter/control.sock
log_level = info
rules = rules.v4
batch = 32
packet_buffers = 1024
defrag = yes
defrag_memory = 1M
defrag_timeout = 20
icmp_ratelimit = 500
icmp_msgs_per_sec = 100
icmp_msgs_burst = 10
icmp_ratemask = 0x1818

[interface lan0]
address = 10.1.0.1/24
mtu = 1400
peer_address = 10.1.0.2/24
peer_routes = 10.50.0.0/16, 10.51.0.0/16

[interface wan0]
address = 10.2.0.1/30
netns = outside
peer_address = 10.2.0.2/30
peer_routes = default

[routes]
10.20.0.0/16 = wan0
192.168.0.0/16 = lan0
default = wan0

[conntrack]
enable = yes
max_entries = 4096
tcp_liberal = no
tcp_loose = yes
checksum = yes
tcp_max_retrans = 3
tcp_timeout_established = 3600
udp_timeout = 30
icmp_timeout = 30

[queue]
path = /run/tunfilter/queue.sock
mode = 0660
maxlen = 128
copy = packet
copy_range = 256
fail_open = no
default_verdict = drop
timeout = 5

[queue 3]
maxlen = 16
copy = meta
default_verdict = accept
"""

CONFIG_ERRORS = b"""[daemon]
log_level = loud
[interface lan0]
address = 10.1.0.1/33
[routes]
10.9.0.0/16 = nowhere
"""


def main():
    written = 0
    corpora = {
        "packet": packet_seeds(),
        "control": control_seeds(),
        "queue": queue_seeds(),
        "config": {"full": CONFIG_FULL, "errors": CONFIG_ERRORS,
                   "bom-crlf": b"\xef\xbb\xbf[daemon]\r\nbatch = 8\r\n[interface a]\r\n"
                               b"address = 10.0.0.1/8\r\n"},
        "rules": {"packet-harness": None, "errors": b"*filter\n-A INPUT -p tcp --dprot 22 "
                  b"-j ACCEPT\n-A FOO\n:bar - [0:0]\n-A bar -g bar\nCOMMIT\n"},
    }
    files = {"config": [("etc", os.path.join(TOP, "etc", "tunfilter.conf"))],
             "rules": [("tables-save", os.path.join(TOP, "tests", "data", "tables-save.in"))]}
    diff = os.path.join(TOP, "tests", "data", "diff")
    for f in sorted(os.listdir(diff)):
        if f.endswith(".rules"):
            files["rules"].append(("diff-" + f[:-6], os.path.join(diff, f)))
    # The packet harness's own ruleset, read from its source.
    src = open(os.path.join(HERE, "fuzz_packet.c")).read()
    start = src.index("fuzz_rules[] =") + len("fuzz_rules[] =")
    lines = src[start:src.index(";", src.index("COMMIT\\n\";", start))].split("\n")
    text = "".join(eval(l.strip()) for l in lines if l.strip().startswith('"'))
    corpora["rules"]["packet-harness"] = text.encode()
    for name, seeds in corpora.items():
        d = os.path.join(HERE, "corpus", name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if old.startswith("seed-"):
                os.unlink(os.path.join(d, old))
        for k, v in seeds.items():
            with open(os.path.join(d, "seed-" + k), "wb") as f:
                f.write(v)
            written += 1
        for k, path in files.get(name, []):
            shutil.copyfile(path, os.path.join(d, "seed-" + k))
            written += 1
    print("seeds.py: %d seeds written" % written, file=sys.stderr)


if __name__ == "__main__":
    main()
