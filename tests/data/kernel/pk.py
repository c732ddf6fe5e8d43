# SPDX-License-Identifier: GPL-2.0-or-later
# Packet crafting for the kernel captures (logcap.py, replycap.py): a TUN
# opened in the current namespace, IPv4/TCP/UDP/ICMP built by hand with
# their checksums.
import fcntl, os, socket, struct, subprocess

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def sh(c):
    subprocess.run(c, shell=True, check=True)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip(src, dst, proto, payload, tos=0, ttl=64, ident=1234, frag=0, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload), ident, frag, ttl,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(src, dst, proto, seg):
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def tcp(src, dst, sp, dp, seq, ack, flags, win, opts=b"", data=b"", urg=0, res=0):
    doff = 5 + len(opts) // 4
    off = (doff << 12) | (res << 8) | flags
    seg = struct.pack("!HHIIHHHH", sp, dp, seq, ack, off, win, 0, urg) + opts + data
    return seg[:16] + struct.pack("!H", l4sum(src, dst, 6, seg)) + seg[18:]


def udp(src, dst, sp, dp, data, zero_ok=False):
    seg = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    c = l4sum(src, dst, 17, seg)
    if not zero_ok:
        c = c or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def nosum_udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def icmp(t, c, rest, data=b""):
    m = struct.pack("!BBH", t, c, 0) + rest + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]
