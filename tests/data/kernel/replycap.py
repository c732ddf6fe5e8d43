#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Crafted packets into TUN tl0 of a kernel router with REJECT, TCPMSS, TTL,
# TOS and DSCP rules; prints what leaves tl0 (answers) and tl1 (forwarded)
# as hex, one JSON object per probe: the source of the vectors in
# tests/unit/test_target_{REJECT,TCPMSS,TTL,TOS,DSCP}.c. Run as root:
#   ip netns add tfrep && ip netns exec tfrep python3 replycap.py > OUT.jsonl
#   ip netns del tfrep
import json, os, select, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pk import *

def drain(fd):
    out = []
    while True:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            return out
        out.append(os.read(fd, 65536).hex())

def main():
    t0, t1 = tun("tl0"), tun("tl1")
    sh("ip link set lo up; ip addr add 10.1.0.1/24 dev tl0; ip addr add 10.2.0.1/24 dev tl1")
    sh("ip link set tl0 up; ip link set tl1 up mtu 1280")
    sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0")
    sh("sysctl -qw net.ipv4.conf.tl0.rp_filter=0 net.ipv4.conf.tl1.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1")
    sh("sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000")
    for line in RULES:
        sh("iptables " + line)
    time.sleep(0.2)
    drain(t0); drain(t1)
    for name, p in PROBES:
        os.write(t0, p)
        time.sleep(0.02)
        print(json.dumps({"name": name, "in": p.hex(), "tl0": drain(t0), "tl1": drain(t1)}))
        sys.stdout.flush()

RULES = [
    "-A FORWARD -p udp --dport 1000 -j REJECT",
    "-A FORWARD -p udp --dport 1001 -j REJECT --reject-with icmp-net-unreachable",
    "-A FORWARD -p udp --dport 1002 -j REJECT --reject-with icmp-host-unreachable",
    "-A FORWARD -p udp --dport 1003 -j REJECT --reject-with icmp-proto-unreachable",
    "-A FORWARD -p udp --dport 1004 -j REJECT --reject-with icmp-net-prohibited",
    "-A FORWARD -p udp --dport 1005 -j REJECT --reject-with icmp-host-prohibited",
    "-A FORWARD -p udp --dport 1006 -j REJECT --reject-with icmp-admin-prohibited",
    "-A FORWARD -p tcp --dport 2000 -j REJECT --reject-with tcp-reset",
    "-A FORWARD -p icmp -j REJECT",
    "-A FORWARD -p 253 -j REJECT",
    "-A FORWARD -p tcp --dport 2001 -j REJECT",
    "-A INPUT -p tcp --dport 2002 -j REJECT --reject-with tcp-reset",
    "-A INPUT -p udp --dport 1007 -j REJECT",
    "-t mangle -A FORWARD -p tcp --dport 3000 -j TCPMSS --set-mss 1400",
    "-t mangle -A FORWARD -p tcp --dport 3001 -j TCPMSS --clamp-mss-to-pmtu",
    "-t mangle -A FORWARD -p tcp --dport 3002 -j TCPMSS --set-mss 100",
    "-t mangle -A POSTROUTING -p tcp --dport 3003 -j TCPMSS --set-mss 600",
    "-t mangle -A FORWARD -p udp --dport 4000 -j TTL --ttl-set 5",
    "-t mangle -A FORWARD -p udp --dport 4001 -j TTL --ttl-dec 100",
    "-t mangle -A FORWARD -p udp --dport 4002 -j TTL --ttl-inc 250",
    "-t mangle -A FORWARD -p udp --dport 4003 -j TOS --set-tos 0x10",
    "-t mangle -A FORWARD -p udp --dport 4004 -j TOS --set-tos Minimize-Cost",
    "-t mangle -A FORWARD -p udp --dport 4005 -j TOS --xor-tos 0xff",
    "-t mangle -A FORWARD -p udp --dport 4006 -j DSCP --set-dscp-class EF",
    "-t mangle -A FORWARD -p udp --dport 4007 -j DSCP --set-dscp 0",
    "-t mangle -A FORWARD -p udp --dport 4008 -j TTL --ttl-dec 1",
]

A, B, R = "10.1.0.2", "10.2.0.2", "10.1.0.1"
SYN, ACK, FIN, RST, PSH = 2, 16, 1, 4, 8
MSS1460 = bytes.fromhex("020405b4")
SACK_TS = bytes.fromhex("0402080a0001e24000000000")

def U(dp, data=b"u" * 10, **kw):
    return ip(A, B, 17, udp(A, B, 40000, dp, data), **kw)

def T(dp, flags, opts=b"", data=b"", dst=B, seq=1000, ack=0, **kw):
    return ip(A, dst, 6, tcp(A, dst, 40001, dp, seq, ack, flags, 29200, opts, data), **kw)

def badsum(p):
    b = bytearray(p); b[-1] ^= 0x55; return bytes(b)

PROBES = [
    ("rej-default", U(1000)),
    ("rej-net", U(1001)), ("rej-host", U(1002)), ("rej-proto", U(1003)),
    ("rej-netprohib", U(1004)), ("rej-hostprohib", U(1005)), ("rej-admin", U(1006)),
    ("rej-udp-badsum", badsum(U(1000))),
    ("rej-udp-nosum", ip(A, B, 17, nosum_udp(40000, 1000, b"z" * 5))),
    ("rej-udp-frag0", U(1000, frag=0x2000)),
    ("rej-big", U(1000, data=bytes(range(256)) * 3)),
    ("rej-icmp", ip(A, B, 1, icmp(8, 0, b"\0\1\0\2", b"e" * 8))),
    ("rej-icmp-badsum", badsum(ip(A, B, 1, icmp(8, 0, b"\0\1\0\2", b"e" * 8)))),
    ("rej-icmp-err", ip(A, B, 1, icmp(3, 3, b"\0\0\0\0", U(9)[:28]))),
    ("rej-253-random", ip(A, B, 253, b"random!")),
    ("rej-253-zero", ip(A, B, 253, b"\xff\xff\0\0")),
    ("rst-syn", T(2000, SYN, MSS1460)),
    ("rst-syn-data", T(2000, SYN, b"", b"hello")),
    ("rst-synfin", T(2000, SYN | FIN)),
    ("rst-ack", T(2000, ACK | PSH, b"", b"abc", seq=5, ack=0x11223344)),
    ("rst-rst", T(2000, RST)),
    ("rst-badsum", badsum(T(2000, SYN, b"", b"x"))),
    ("rst-tos", T(2000, SYN, tos=0xb8, ttl=30)),
    ("rst-local", T(2002, SYN, dst=R)),
    ("rst-bcast", T(2002, SYN, dst="10.1.0.255")),
    ("rej-local-udp", ip(A, R, 17, udp(A, R, 40000, 1007, b"l"))),
    ("rej-tcp-icmp", T(2001, SYN)),
    ("mss-set", T(3000, SYN, MSS1460 + SACK_TS)),
    ("mss-set-lower", T(3000, SYN, bytes.fromhex("02040200"))),
    ("mss-add", T(3000, SYN)),
    ("mss-add-opts", T(3000, SYN, SACK_TS)),
    ("mss-add-small", T(3002, SYN)),
    ("mss-data", T(3000, SYN, b"", b"data")),
    ("mss-clamp", T(3001, SYN, MSS1460)),
    ("mss-clamp-add", T(3001, SYN)),
    ("mss-ack", T(3000, ACK, seq=7, ack=9)),
    ("mss-post", T(3003, SYN, MSS1460)),
    ("mss-nop-mss", T(3000, SYN, bytes.fromhex("0101") + bytes.fromhex("020405b4") + bytes.fromhex("0000"))),
    ("mss-badlen", T(3000, SYN, bytes.fromhex("02030405"))),
    ("ttl-set", U(4000)), ("ttl-dec", U(4001, ttl=50)), ("ttl-inc", U(4002)),
    ("tos-set", U(4003, tos=0x03)), ("tos-name", U(4004, tos=0xc1)), ("tos-xor", U(4005, tos=0x0f)),
    ("dscp-ef", U(4006, tos=0x03)), ("dscp-0", U(4007, tos=0xff)),
    ("ttl-dec1", U(4008, ttl=2)),
]
for i in range(64):
    PROBES.append(("tos-rnd%d" % i, U(4003, tos=i * 4 + 1, ident=i * 1031)))
    PROBES.append(("ttl-rnd%d" % i, U(4001, ttl=100 + i, ident=i * 977 + 5)))

main()
