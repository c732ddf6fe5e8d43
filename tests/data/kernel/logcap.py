#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Real kernel LOG lines for crafted packets written into a TUN, the source
# of the vectors in tests/unit/test_target_LOG.c. Run as root:
#   old=$(sysctl -n net.netfilter.nf_log_all_netns)
#   ip netns add tflog && sysctl -qw net.netfilter.nf_log_all_netns=1
#   ip netns exec tflog python3 logcap.py OUT.txt
#   sysctl -qw net.netfilter.nf_log_all_netns=$old; ip netns del tflog
# (the kernel logs from a namespace only with nf_log_all_netns set). OUT.txt
# gets the lines, level in <N> and timestamp taken off, in packet order.
import os, re, struct, subprocess, sys, time, socket
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pk
from pk import tun, sh, ip, tcp, icmp


def udp(src, dst, sp, dp, data):
    return pk.udp(src, dst, sp, dp, data, zero_ok=True)


A, B, R = "10.1.0.2", "10.2.0.2", "10.1.0.1"
SYN, ACK, FIN, RST, PSH, URG, ECE, CWR = 2, 16, 1, 4, 8, 32, 64, 128
tcpopts = bytes.fromhex("020405b4") + bytes.fromhex("0402") + bytes.fromhex("080a0001e24000000000") + bytes.fromhex("01030307")
inner_udp = ip(B, "10.9.9.9", 17, udp(B, "10.9.9.9", 5353, 53, b"q" * 12), ident=77)
inner_tcp = ip(B, A, 6, tcp(B, A, 80, 40000, 111, 222, SYN | ACK, 1000), ident=78)
pkts = [
    ("echo", ip(A, B, 1, icmp(8, 0, struct.pack("!HH", 7, 1), b"x" * 56), frag=0x4000)),
    ("syn-opts", ip(A, B, 6, tcp(A, B, 40000, 22, 0x11223344, 0, SYN, 64240, tcpopts), tos=0x10)),
    ("tcp-flags", ip(A, B, 6, tcp(A, B, 1, 2, 5, 6, ECE | CWR | URG | ACK | PSH | RST | FIN, 0, urg=9, res=0xf), tos=0xbb)),
    ("tcp-ae", ip(A, B, 6, tcp(A, B, 1, 2, 5, 6, ACK, 10, res=0x1))),
    ("udp", ip(A, B, 17, udp(A, B, 5000, 53, b"hello"))),
    ("udplite", ip(A, B, 136, udp(A, B, 5000, 53, b"hello"))),
    ("unreach", ip(A, B, 1, icmp(3, 3, b"\0\0\0\0", inner_udp[:28]))),
    ("fragneeded", ip(A, B, 1, icmp(3, 4, struct.pack("!HH", 0, 1400), inner_tcp[:28]))),
    ("timeexc", ip(A, B, 1, icmp(11, 0, b"\0\0\0\0", inner_tcp))),
    ("paramprob", ip(A, B, 1, icmp(12, 0, b"\x14\0\0\0", inner_udp[:28]))),
    ("redirect", ip(A, B, 1, icmp(5, 1, socket.inet_aton("10.1.0.9"), inner_udp[:28]))),
    ("unreach-short", ip(A, B, 1, icmp(3, 1, b"\0\0\0\0", inner_udp[:10]))),
    ("tstamp", ip(A, B, 1, icmp(13, 0, struct.pack("!HH", 3, 4), b"\0" * 12))),
    ("tstamp-short", ip(A, B, 1, icmp(13, 0, struct.pack("!HH", 3, 4), b"\0" * 4))),
    ("icmp-unknown", ip(A, B, 1, icmp(42, 7, b"abcd", b"zz"))),
    ("icmp-trunc", ip(A, B, 1, b"\x08\x00\x00"), ),
    ("frag-first", ip(A, B, 17, udp(A, B, 5000, 53, b"a" * 32)[:24], frag=0x2000, ident=999)),
    ("frag-later", ip(A, B, 17, b"b" * 16, frag=0x2003, ident=999)),
    ("frag-last-tcp", ip(A, B, 6, b"c" * 8, frag=0x0005, ident=998)),
    ("frag-icmp", ip(A, B, 1, b"d" * 8, frag=0x0002, ident=997)),
    ("frag-ah", ip(A, B, 51, b"e" * 8, frag=0x0002, ident=996)),
    ("frag-esp", ip(A, B, 50, b"e" * 8, frag=0x0002, ident=995)),
    ("tcp-trunc", ip(A, B, 6, b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a")),
    ("udp-trunc", ip(A, B, 17, b"\x01\x02\x03")),
    ("ipopts", ip(A, B, 17, udp(A, B, 7, 9, b"o"), opts=bytes.fromhex("01010100") + bytes.fromhex("94040000"))),
    ("proto253", ip(A, B, 253, b"xyz")),
    ("ah", ip(A, B, 51, struct.pack("!BBHI", 4, 4, 0, 0xdeadbeef) + b"\0" * 16)),
    ("esp", ip(A, B, 50, struct.pack("!II", 0x01020304, 1) + b"\0" * 16)),
    ("ah-trunc", ip(A, B, 51, b"\0\0")),
    ("ce-bit", ip(A, B, 17, udp(A, B, 1, 2, b""), frag=0x8000 | 0x4000)),
    ("tcp-doff-big", ip(A, B, 6, tcp(A, B, 1, 2, 1, 2, SYN, 5, bytes.fromhex("020405b4"))[:20])),
    ("echo-local", ip(A, R, 1, icmp(8, 0, struct.pack("!HH", 9, 2), b"p" * 8))),
]

def main():
    out = sys.argv[1]
    t0, t1 = tun("tl0"), tun("tl1")
    sh("ip link set lo up; ip addr add 10.1.0.1/24 dev tl0; ip addr add 10.2.0.1/24 dev tl1")
    sh("ip link set tl0 up; ip link set tl1 up")
    sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0")
    sh("sysctl -qw net.ipv4.conf.tl0.rp_filter=0 net.ipv4.conf.tl1.rp_filter=0")
    sh("sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_echo_ignore_broadcasts=1")
    for line in [
        "-t raw -A PREROUTING -j LOG --log-prefix PRE: --log-tcp-sequence --log-tcp-options --log-ip-options",
        "-t mangle -A FORWARD -p udp --dport 53 -j MARK --set-mark 0xab",
        "-t mangle -A FORWARD -j LOG --log-prefix FWD: --log-level 6",
        "-t mangle -A OUTPUT -j LOG --log-prefix OUT: --log-uid --log-macdecode",
        "-t mangle -A INPUT -j LOG --log-prefix IN: --log-macdecode",
        "-t mangle -A POSTROUTING -p icmp -j LOG",
    ]:
        sh("iptables " + line)
    marker = "TFLOGCAP-%d" % os.getpid()
    with open("/dev/kmsg", "w") as k:
        k.write(marker + "\n")
    for name, p in pkts:
        os.write(t0, p)
        time.sleep(0.05)
    time.sleep(0.3)
    raw = subprocess.run(["dmesg", "-r"], capture_output=True, text=True).stdout
    lines = raw.split(marker, 1)[1].splitlines()[1:]
    lines = [re.sub(r"^(<\d+>)\[[ 0-9.]+\] ", r"\1", l) for l in lines]
    with open(out, "w") as f:
        for l in lines:
            f.write(l + "\n")
    names = [n for n, _ in pkts]
    print("\n".join(names))

main()
