#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet side of the differential test (t-differential.sh), stdlib only.

  probe LAN WAN PKTFILE    send the packets of PKTFILE into a router from
                           both links and print, as JSON, what each one
                           caused; LAN and WAN are NETNS,IFNAME,MAC,HOST,NET
                           (MAC of the router's end, "-" for a TUN; the host
                           address on the link and the link's prefix)
  compare NAME KERNEL.json OURS.json [KERNEL.save OURS.save RULES]
                           one TAP line: do both routers agree, packet by
                           packet and (given the save texts) counter by
                           counter? Mismatches follow as "# " lines.
  ctcompare NAME KERNEL.ct OURS.ct
                           one TAP line: do both conntrack tables hold the
                           same connections? KERNEL.ct is what conntrack(8)
                           -L printed in the kernel router, OURS.ct what
                           "tunfilter -j conntrack -L" did.

Both routers get byte-identical packets, and every packet carries a unique
IP ID (and TCP sequence number, ICMP echo id) so that whatever comes out of
either link can be traced back to it. What a packet caused is a set of
events, so that the order of arrival does not matter:

  pass@SIDE   the packet (or one of its fragments) left the router on SIDE,
              recorded byte for byte (TTL, checksums, rewritten fields);
  icmp@SIDE   an ICMP error quoting it (REJECT, time exceeded, ...);
  tcp@SIDE    a TCP segment answering it (REJECT tcp-reset, the router's
              own RST);
  reply@SIDE  an ICMP echo or timestamp reply.

Packets the router made itself are compared with their IP ID and header
checksum zeroed (the kernel picks IDs at random) and timestamp replies with
their clock fields zeroed; a bad checksum is recorded as "BADSUM".

The packet file has one packet a line: SIDE PROTO KEY=VALUE..., where SIDE
is lan or wan (the link it is sent on), PROTO tcp, udp, icmp or a protocol
number, and the keys:

  src= dst=        addresses (default: this side's host, the other side's)
  ttl= tos= df=1   IP header fields (defaults 64, 0, no DF)
  ipopts=          IP options: rr, ra, nop, or hex bytes; comma list
  data= len=       payload bytes, or total IP length (padded payload)
  fill=HEX         payload made of these bytes repeated (default: a
                   pattern that differs from packet to packet)
  frag=N only=I,J  cut the datagram into fragments of N payload bytes
                   (N a multiple of 8) and send all, or only fragments I, J
  badsum=1         a wrong TCP/UDP/ICMP checksum
  trunc=N          cut the datagram to N bytes (IP total length too)
  trailer=N        N bytes of link-layer padding after the datagram
  sport= dport=    TCP/UDP ports (default source 32768 + id; destination
                   80 for TCP, 53 for UDP)
  flags=           TCP flags as letters FSRPAUEC (default S)
  win= urg=        TCP window and urgent pointer
  seq= ack=        TCP sequence and acknowledgement numbers (default: a
                   number of the packet's own; ack 0 without the A flag)
  doff=N           TCP data offset in 32-bit words, whatever the options
  opts=            TCP options, comma list: mss:N, wscale:N, sackok, ts,
                   nop, eol, or hex bytes; padded with EOL to 32 bits
  type= code=      ICMP type (number or name) and code
  count=N          N such packets, each with its own id
  sync=1           send the next packet only once this one (or a fragment)
                   has left the router (waiting up to 2 s): for the steps
                   of a conversation across both links, whose order counts
  # comment        to the end of the line

and "include FILE" reads FILE (relative to this file) in its place.
"""

import ctypes
import hashlib
import ipaddress
import json
import os
import select
import shlex
import socket
import struct
import sys
import time

from tfhelp import csum, l4sum

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000
ID_BASE = 0x3000

ICMP_TYPES = {
    "echo-reply": 0, "destination-unreachable": 3, "source-quench": 4, "redirect": 5,
    "echo-request": 8, "router-advertisement": 9, "router-solicitation": 10,
    "time-exceeded": 11, "parameter-problem": 12, "timestamp-request": 13,
    "timestamp-reply": 14, "address-mask-request": 17, "address-mask-reply": 18,
}
ICMP_ERRORS = (3, 4, 5, 11, 12)
TCP_FLAGS = "FSRPAUEC"


def die(msg):
    print("tfdiff: " + msg, file=sys.stderr)
    sys.exit(2)


def aton(a):
    return socket.inet_aton(a)


def ntoa(b):
    return socket.inet_ntoa(b)


# --- building packets --------------------------------------------------

def ip_options(spec):
    out = b""
    for item in spec.split(","):
        if item == "rr":
            out += bytes([7, 11, 4]) + bytes(8)
        elif item == "ra":
            out += bytes([148, 4, 0, 0])
        elif item == "nop":
            out += b"\x01"
        else:
            out += bytes.fromhex(item)
    return out + bytes(-len(out) % 4)


def tcp_options(spec, ident):
    out = b""
    for item in spec.split(","):
        name, _, arg = item.partition(":")
        if name == "mss":
            out += struct.pack("!BBH", 2, 4, int(arg))
        elif name == "wscale":
            out += bytes([3, 3, int(arg)])
        elif name == "sackok":
            out += bytes([4, 2])
        elif name == "ts":
            out += struct.pack("!BBII", 8, 10, ident, 0)
        elif name == "nop":
            out += b"\x01"
        elif name == "eol":
            out += b"\x00"
        else:
            out += bytes.fromhex(item)
    return out + bytes(-len(out) % 4)


def payload_bytes(n, ident):
    seed = struct.pack("!H", ident)
    return bytes((seed[i % 2] + i) & 0xFF for i in range(n))


class Probe:
    """One packet of the file: its fields, its frames, its keys."""

    def __init__(self, line, side, proto, kv, ident, sides):
        self.line = line
        self.side = side
        self.id = ident
        other = "wan" if side == "lan" else "lan"
        self.src = kv.pop("src", sides[side]["host"])
        self.dst = kv.pop("dst", sides[other]["host"])
        self.ttl = int(kv.pop("ttl", "64"), 0)
        self.tos = int(kv.pop("tos", "0"), 0)
        self.df = kv.pop("df", "0") == "1"
        self.ipopts = ip_options(kv.pop("ipopts")) if "ipopts" in kv else b""
        self.badsum = kv.pop("badsum", "0") == "1"
        self.sync = kv.pop("sync", "0") == "1"
        self.frag = int(kv.pop("frag", "0"))
        self.only = [int(x) for x in kv.pop("only").split(",")] if "only" in kv else None
        self.trunc = int(kv.pop("trunc", "0"))
        self.trailer = int(kv.pop("trailer", "0"))
        datalen = int(kv.pop("data", "0"))
        self.fill = bytes.fromhex(kv.pop("fill")) if "fill" in kv else None
        total = int(kv.pop("len", "0"))
        self.sport = self.dport = None
        self.seq = self.ack = None
        self.echo_id = None
        self.proto = {"tcp": 6, "udp": 17, "icmp": 1}.get(proto)
        if self.proto is None:
            self.proto = int(proto)
        hlen = 20 + len(self.ipopts)
        if self.proto == 6:
            l4 = self.build_tcp(kv, datalen, total, hlen)
        elif self.proto == 17:
            l4 = self.build_udp(kv, datalen, total, hlen)
        elif self.proto == 1:
            l4 = self.build_icmp(kv, datalen, total, hlen)
        else:
            l4 = self.pad(0, datalen, total, hlen)
        if kv:
            die("%s: unknown keys %s" % (line, ", ".join(sorted(kv))))
        if self.trunc:
            l4 = l4[:self.trunc - hlen]
        self.frames = [fr + bytes(self.trailer) for fr in self.fragment(l4)]

    def pad(self, head, datalen, total, hlen):
        if total:
            datalen = max(0, total - hlen - head)
        if self.fill:
            return (self.fill * datalen)[:datalen]
        return payload_bytes(datalen, self.id)

    def build_tcp(self, kv, datalen, total, hlen):
        self.sport = int(kv.pop("sport", str(32768 + self.id % 30000)))
        self.dport = int(kv.pop("dport", "80"))
        flags = 0
        for ch in kv.pop("flags", "S"):
            flags |= 1 << TCP_FLAGS.index(ch)
        opts = tcp_options(kv.pop("opts"), self.id) if "opts" in kv else b""
        win = int(kv.pop("win", "29200"))
        urg = int(kv.pop("urg", "0"))
        self.seq = int(kv.pop("seq", str(0x10000000 + self.id * 4096)), 0)
        self.ack = 0x20000000 + self.id * 4096 if flags & 0x10 else 0
        self.ack = int(kv.pop("ack", str(self.ack)), 0)
        data = self.pad(20 + len(opts), datalen, total, hlen)
        self.seglen = len(data) + (1 if flags & 2 else 0) + (1 if flags & 1 else 0)
        doff = int(kv.pop("doff", str((20 + len(opts)) // 4)))
        seg = struct.pack("!HHIIBBHHH", self.sport, self.dport, self.seq, self.ack,
                          doff << 4, flags, win, 0, urg) + opts + data
        return self.l4_csum(seg, 16)

    def build_udp(self, kv, datalen, total, hlen):
        self.sport = int(kv.pop("sport", str(32768 + self.id % 30000)))
        self.dport = int(kv.pop("dport", "53"))
        data = self.pad(8, datalen, total, hlen)
        seg = struct.pack("!HHHH", self.sport, self.dport, 8 + len(data), 0) + data
        return self.l4_csum(seg, 6)

    def build_icmp(self, kv, datalen, total, hlen):
        t = kv.pop("type", "echo-request")
        itype = ICMP_TYPES[t] if t in ICMP_TYPES else int(t)
        code = int(kv.pop("code", "0"))
        if itype in (0, 8, 13, 14, 17, 18):
            self.echo_id = self.id
            rest = struct.pack("!HH", self.id, 1)
            if itype in (13, 14):
                rest += bytes(12)
            elif itype in (17, 18):
                rest += bytes(4)
        elif itype in ICMP_ERRORS:
            # A plausible quote: a UDP datagram the other way.
            inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                                aton(self.dst), aton(self.src))
            inner = inner[:10] + struct.pack("!H", csum(inner)) + inner[12:]
            rest = bytes(4) + inner + struct.pack("!HHHH", 53, 1234, 8, 0)
        else:
            rest = bytes(4)
        data = self.pad(4 + len(rest), datalen, total, hlen)
        msg = struct.pack("!BBH", itype, code, 0) + rest + data
        c = csum(msg)
        if self.badsum:
            c ^= 0x0101
        return msg[:2] + struct.pack("!H", c) + msg[4:]

    def l4_csum(self, seg, off):
        c = l4sum(aton(self.src), aton(self.dst), self.proto, seg)
        if self.proto == 17 and c == 0:
            c = 0xFFFF
        if self.badsum:
            c ^= 0x0101
        return seg[:off] + struct.pack("!H", c) + seg[off + 2:]

    def iphdr(self, plen, frag_word):
        hlen = 20 + len(self.ipopts)
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | hlen // 4, self.tos, hlen + plen, self.id,
                        frag_word | (0x4000 if self.df else 0), self.ttl, self.proto, 0,
                        aton(self.src), aton(self.dst)) + self.ipopts
        return h[:10] + struct.pack("!H", csum(h)) + h[12:]

    def fragment(self, l4):
        if not self.frag:
            return [self.iphdr(len(l4), 0) + l4]
        if self.frag % 8:
            die("%s: frag must be a multiple of 8" % self.line)
        frames = []
        for i, off in enumerate(range(0, len(l4), self.frag)):
            chunk = l4[off:off + self.frag]
            mf = 0x2000 if off + self.frag < len(l4) else 0
            if self.only is None or i in self.only:
                frames.append(self.iphdr(len(chunk), mf | off // 8) + chunk)
        return frames


def parse_file(path, sides, probes=None):
    probes = [] if probes is None else probes
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = shlex.split(line)
            if words[0] == "include" and len(words) == 2:
                parse_file(os.path.join(os.path.dirname(path), words[1]), sides, probes)
                continue
            if len(words) < 2 or words[0] not in ("lan", "wan"):
                die("%s:%d: expected SIDE PROTO KEY=VALUE..." % (path, n))
            kv = {}
            for w in words[2:]:
                k, eq, v = w.partition("=")
                if not eq:
                    die("%s:%d: %r is not KEY=VALUE" % (path, n, w))
                kv[k] = v
            count = int(kv.pop("count", "1"))
            for _ in range(count):
                text = "%s:%d %s" % (os.path.basename(path), n, line)
                ident = ID_BASE + len(probes)
                probes.append(Probe(text, words[0], words[1], dict(kv), ident, sides))
    return probes


# --- namespaces and sockets ---------------------------------------------

LIBC = ctypes.CDLL(None, use_errno=True)


def in_netns(name, fn):
    """Run fn() inside netns name; the sockets it makes stay there."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            die("setns %s: %s" % (name, os.strerror(ctypes.get_errno())))
        return fn()
    finally:
        LIBC.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)


def parse_side(text):
    ns, ifname, mac, host, net = text.split(",")
    mac = bytes(6) if mac == "-" else bytes.fromhex(mac.replace(":", ""))
    return {"ns": ns, "if": ifname, "mac": mac, "host": host,
            "net": ipaddress.ip_network(net)}


def open_side(side):
    def make():
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        cap.bind((side["if"], ETH_P_ALL))
        cap.setblocking(False)
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        return cap, tx
    side["cap"], side["tx"] = in_netns(side["ns"], make)


def link_mac(side, dst):
    """The destination MAC an Ethernet host on this link would use."""
    a = ipaddress.ip_address(dst)
    if a.is_multicast:
        b = a.packed
        return bytes([1, 0, 0x5E, b[1] & 0x7F, b[2], b[3]])
    if dst == "255.255.255.255" or a == side["net"].broadcast_address:
        return b"\xff" * 6
    return side["mac"]


def drain(sides, log):
    for name, side in sides.items():
        while True:
            try:
                data, addr = side["cap"].recvfrom(70000)
            except BlockingIOError:
                break
            if addr[2] != PACKET_OUTGOING and addr[1] == ETH_P_IP:
                log.append((name, data))


def left_router(log, start, p):
    """Has the router forwarded p (its IP ID, either address rewritten)
    since log[start]?"""
    for _, pkt in log[start:]:
        f = ip_fields(pkt)
        if f is not None and f["id"] == p.id and f["proto"] == p.proto:
            return True
    return False


def send_all(probes, sides, gap=0.001, quiet=0.4, limit=3.0, sync_limit=2.0):
    log = []
    drain(sides, [])
    for p in probes:
        side = sides[p.side]
        start = len(log)
        for fr in p.frames:
            mac = link_mac(side, p.dst)
            side["tx"].sendto(fr, (side["if"], ETH_P_IP, 0, 0, mac))
            time.sleep(gap)
        drain(sides, log)
        end = time.monotonic() + sync_limit
        while p.sync and not left_router(log, start, p) and time.monotonic() < end:
            select.select([s["cap"] for s in sides.values()], [], [], 0.05)
            drain(sides, log)
    end = time.monotonic() + limit
    last = time.monotonic()
    while time.monotonic() < end and time.monotonic() - last < quiet:
        r, _, _ = select.select([s["cap"] for s in sides.values()], [], [], 0.05)
        if r:
            n = len(log)
            drain(sides, log)
            if len(log) > n:
                last = time.monotonic()
    return log


# --- attributing what came out -----------------------------------------

def short_hex(b, keep=96):
    if len(b) <= keep:
        return b.hex()
    return b[:keep].hex() + "+%d:%s" % (len(b) - keep, hashlib.sha1(b).hexdigest()[:12])


def ip_fields(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    tos, tot, ident, frag, ttl, proto = struct.unpack("!xBHHHBB", pkt[:10])
    return {"ihl": ihl, "tos": tos, "len": tot, "id": ident, "frag": frag, "ttl": ttl,
            "proto": proto, "src": pkt[12:16], "dst": pkt[16:20]}


def normal_made(pkt, f):
    """A packet the router made: IP ID and header checksum zeroed, clocks
    of a timestamp reply zeroed, checksums replaced by a verdict."""
    ihl = f["ihl"]
    bad = csum(pkt[:ihl]) != 0
    l4 = pkt[ihl:f["len"]]
    if f["proto"] == 1:
        bad |= csum(l4) != 0
        if l4[:1] == b"\x0e" and len(l4) >= 20:
            l4 = l4[:12] + bytes(8) + l4[20:]
        l4 = l4[:2] + b"\0\0" + l4[4:]
    elif f["proto"] == 6 and f["frag"] & 0x3FFF == 0:
        bad |= l4sum(f["src"], f["dst"], 6, l4) != 0
        l4 = l4[:16] + b"\0\0" + l4[18:]
    h = pkt[:4] + b"\0\0" + pkt[6:10] + b"\0\0" + pkt[12:ihl]
    return ("BADSUM " if bad else "") + short_hex(h + l4)


def describe(kind, side, f, extra):
    return "%s@%s %s>%s ttl=%d tos=%#04x len=%d%s" % (
        kind, side, ntoa(f["src"]), ntoa(f["dst"]), f["ttl"], f["tos"], f["len"], extra)


def attribute(log, probes):
    by_key = {(p.id, aton(p.src), aton(p.dst), p.proto): p for p in probes}
    by_echo = {p.echo_id: p for p in probes if p.echo_id is not None}
    by_ports = {}
    for p in probes:
        if p.proto == 6:
            by_ports.setdefault((aton(p.dst), p.dport, aton(p.src), p.sport), []).append(p)
    events = {p.id: set() for p in probes}
    other = set()
    for side, pkt in log:
        f = ip_fields(pkt)
        if f is None:
            other.add("non-ipv4@%s %s" % (side, short_hex(pkt)))
            continue
        p = by_key.get((f["id"], f["src"], f["dst"], f["proto"]))
        if p is not None:
            extra = " off=%d%s" % ((f["frag"] & 0x1FFF) * 8, " MF" if f["frag"] & 0x2000 else "")
            events[p.id].add(describe("pass", side, f, extra) + " " + short_hex(pkt))
            continue
        ev = answer_of(side, pkt, f, by_key, by_echo, by_ports)
        if ev is not None:
            events[ev[0].id].add(ev[1])
        else:
            other.add(describe("other", side, f, " proto=%d" % f["proto"]) + " " +
                  normal_made(pkt, f))
    return events, other


def answer_of(side, pkt, f, by_key, by_echo, by_ports):
    ihl = f["ihl"]
    l4 = pkt[ihl:f["len"]]
    if f["proto"] == 1 and len(l4) >= 8 and f["frag"] & 0x1FFF == 0:
        t, c = l4[0], l4[1]
        if t in ICMP_ERRORS and len(l4) >= 28:
            inner = ip_fields(l4[8:])
            if inner is not None:
                p = by_key.get((inner["id"], inner["src"], inner["dst"], inner["proto"]))
                if p is not None:
                    return p, describe("icmp", side, f, " type=%d/%d" % (t, c)) + \
                        " " + normal_made(pkt, f)
        if t in (0, 14, 18):
            p = by_echo.get(struct.unpack("!H", l4[4:6])[0])
            if p is not None and aton(p.src) == f["dst"]:
                return p, describe("reply", side, f, " type=%d/%d" % (t, c)) + \
                    " " + normal_made(pkt, f)
    if f["proto"] == 6 and len(l4) >= 20 and f["frag"] & 0x1FFF == 0:
        sp, dp, seq, ack = struct.unpack("!HHII", l4[:12])
        for p in by_ports.get((f["src"], sp, f["dst"], dp), []):
            if ack == (p.seq + p.seglen) & 0xFFFFFFFF or (p.ack and seq == p.ack):
                flags = "".join(ch for i, ch in enumerate(TCP_FLAGS) if l4[13] >> i & 1)
                return p, describe("tcp", side, f, " flags=%s" % flags) + " " + \
                    normal_made(pkt, f)
    return None


def probe(lan, wan, path):
    sides = {"lan": parse_side(lan), "wan": parse_side(wan)}
    probes = parse_file(path, sides)
    for s in sides.values():
        open_side(s)
    log = send_all(probes, sides)
    events, other = attribute(log, probes)
    out = {"packets": [{"id": p.id, "line": p.line, "events": sorted(events[p.id])}
               for p in probes],
           "other": sorted(other), "captured": len(log)}
    json.dump(out, sys.stdout, indent=1)
    print()


# --- comparing ----------------------------------------------------------

BUILTIN = {
    "raw": ("PREROUTING", "OUTPUT"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
}


def parse_save(text):
    """{table: {"policy": {chain: (policy, p, b)}, "rules": [(chain, n, spec, p, b)]}}"""
    tables = {}
    cur = None
    count = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line == "COMMIT":
            continue
        if line.startswith("*"):
            cur = tables.setdefault(line[1:], {"policy": {}, "rules": []})
            count = {}
            continue
        if cur is None:
            continue
        if line.startswith(":"):
            name, pol, ctr = (line[1:].split() + ["", ""])[:3]
            pb = ctr.strip("[]").split(":") if ctr else ["", ""]
            cur["policy"][name] = (pol, pb[0], pb[1])
            continue
        p = b = ""
        if line.startswith("["):
            ctr, _, line = line.partition(" ")
            p, b = ctr.strip("[]").split(":")
        words = line.split(None, 2)
        if len(words) >= 2 and words[0] == "-A":
            chain = words[1]
            count[chain] = count.get(chain, 0) + 1
            spec = words[2] if len(words) > 2 else ""
            cur["rules"].append((chain, count[chain], spec, p, b))
    return tables


def compare_counters(ksave, osave, rules):
    """Lines describing every difference, in the tables the rules file has."""
    want = parse_save(rules)
    k = parse_save(ksave)
    o = parse_save(osave)
    diffs = []
    ncmp = 0
    for t in want:
        # A table left out of a save is one of empty ACCEPT chains
        # (tunfilter's save omits such tables, iptables-nft-save shows
        # the tables the kernel has).
        empty = {"policy": {c: ("ACCEPT", "0", "0") for c in BUILTIN[t]}, "rules": []}
        kt = k.get(t, empty)
        ot = o.get(t, empty)
        for chain in sorted(set(kt["policy"]) | set(ot["policy"])):
            a, b = kt["policy"].get(chain), ot["policy"].get(chain)
            ncmp += 1
            if a != b:
                diffs.append("counters %s :%s kernel %s ours %s" % (t, chain, a, b))
        kr = {(r[0], r[1]): r for r in kt["rules"]}
        orr = {(r[0], r[1]): r for r in ot["rules"]}
        for key in sorted(set(kr) | set(orr)):
            a, b = kr.get(key), orr.get(key)
            ncmp += 1
            if a is None or b is None:
                diffs.append("counters %s %s #%d: kernel %s ours %s" % (
                    t, key[0], key[1], a and a[2], b and b[2]))
                continue
            if (a[3], a[4]) != (b[3], b[4]):
                diffs.append("counters %s -A %s #%d%s: kernel [%s:%s] ours [%s:%s]" % (
                    t, key[0], key[1], " " + a[2] if len(a[2]) < 70 else "",
                    a[3], a[4], b[3], b[4]))
            if a[2] != b[2]:
                diffs.append("save text %s %s #%d: kernel %r ours %r" % (
                    t, key[0], key[1], a[2], b[2]))
    return diffs, ncmp


def compare(name, kpath, opath, ksave=None, osave=None, rules=None):
    with open(kpath) as f:
        kern = json.load(f)
    with open(opath) as f:
        ours = json.load(f)
    diffs = []
    same = 0
    for kp, op in zip(kern["packets"], ours["packets"]):
        ke, oe = set(kp["events"]), set(op["events"])
        if ke == oe:
            same += 1
            continue
        diffs.append("packet %d (%s)" % (kp["id"], kp["line"]))
        for e in sorted(ke - oe):
            diffs.append("   kernel only: " + e)
        for e in sorted(oe - ke):
            diffs.append("   ours only:   " + e)
        if not ke:
            diffs.append("   kernel: nothing came out")
        if not oe:
            diffs.append("   ours: nothing came out")
    for e in sorted(set(kern["other"]) - set(ours["other"])):
        diffs.append("unattributed, kernel only: " + e)
    for e in sorted(set(ours["other"]) - set(kern["other"])):
        diffs.append("unattributed, ours only: " + e)
    total = len(kern["packets"])
    what = "%d/%d packets agree" % (same, total)
    if ksave is not None:
        with open(ksave) as f:
            kt = f.read()
        with open(osave) as f:
            ot = f.read()
        with open(rules) as f:
            rt = f.read()
        cdiffs, ncmp = compare_counters(kt, ot, rt)
        diffs += cdiffs
        what += ", %d/%d counters" % (ncmp - sum(1 for d in cdiffs if d.startswith(
            "counters")), ncmp)
    else:
        what += " (counters not compared)"
    if diffs:
        print("not ok - differential %s: %s" % (name, what))
        for d in diffs:
            print("#   " + d)
    else:
        print("ok - differential %s: %s" % (name, what))
    return 1 if diffs else 0


# --- comparing conntrack tables -----------------------------------------

# Each entry becomes (protocol number, original tuple, reply tuple, TCP
# state, status flags), with the fields both tools show: addresses, ports
# or ICMP type, code and id. Not compared: timeouts, counters, marks, use
# and ids. The kernel's text shows SEEN_REPLY (no [UNREPLIED]) and ASSURED
# only; SRC_NAT and DST_NAT are read from the tuples there, as conntrack(8)
# does for --src-nat and --dst-nat: the kernel sets them exactly when the
# binding changed the tuple.
CT_L4 = ("sport", "dport", "type", "code", "id")
CT_FLAGS = ("SEEN_REPLY", "ASSURED", "SRC_NAT", "DST_NAT")


def ct_tuple(fields):
    t = [fields["src"], fields["dst"]]
    t += ["%s=%s" % (k, fields[k]) for k in CT_L4 if k in fields]
    # GRE keys: the kernel tracks GRE version 1 (PPTP) by its keys and
    # shows 0 for version 0; tunfilterd tracks GRE without ports.
    t += ["%s=%s" % (k, fields[k]) for k in ("srckey", "dstkey")
          if fields.get(k, "0x0") != "0x0"]
    return tuple(t)


def ct_nat_flags(orig, reply):
    """SRC_NAT and DST_NAT as conntrack(8) reads them from the tuples (an
    ICMP id NAT changed counts as the source's)."""
    flags = set()
    if orig["src"] != reply["dst"] or orig.get("sport") != reply.get("dport") or \
            orig.get("id") != reply.get("id"):
        flags.add("SRC_NAT")
    if orig["dst"] != reply["src"] or orig.get("dport") != reply.get("sport"):
        flags.add("DST_NAT")
    return flags


def ct_parse_kernel(text):
    """conntrack -L lines: proto num timeout [STATE] k=v... [FLAG]..."""
    entries = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 3 or not words[1].isdigit():
            continue
        state = None
        flags = set()
        tuples = []
        for w in words[3:]:
            if w.startswith("[") and w.endswith("]"):
                flags.add(w[1:-1])
            elif "=" in w:
                k, _, v = w.partition("=")
                if k == "src":
                    tuples.append({})
                if tuples and k in ("src", "dst", "srckey", "dstkey") + CT_L4:
                    tuples[-1].setdefault(k, v)
            elif w.isupper() and not tuples:
                state = w
        if len(tuples) != 2:
            die("conntrack -L: not two tuples in %r" % line)
        orig, reply = ct_tuple(tuples[0]), ct_tuple(tuples[1])
        st = ct_nat_flags(tuples[0], tuples[1])
        if "UNREPLIED" not in flags:
            st.add("SEEN_REPLY")
        if "ASSURED" in flags:
            st.add("ASSURED")
        entries.append((int(words[1]), orig, reply, state, tuple(sorted(st))))
    return entries


def ct_parse_ours(text):
    entries = []
    for e in json.loads(text):
        fl = tuple(sorted(set(e.get("status", [])) & set(CT_FLAGS)))
        entries.append((e["protonum"], ct_tuple({k: str(v) for k, v in e["orig"].items()}),
                        ct_tuple({k: str(v) for k, v in e["reply"].items()}),
                        e.get("state"), fl))
    return entries


def port_class(port):
    port = int(port)
    return "<512" if port < 512 else "512-1023" if port < 1024 else ">=1024"


def ct_classed(entry):
    """The entry with the reply tuple's ports and ICMP id by class only:
    where the kernel and tunfilterd differ there, each chose its own."""
    proto, orig, reply, state, flags = entry
    out = list(reply[:2])
    for f in reply[2:]:
        k, _, v = f.partition("=")
        out.append("%s~%s" % (k, port_class(v)) if k in ("sport", "dport", "id") else f)
    return (proto, orig, tuple(out), state, flags)


def ct_orig_text(entry):
    proto, orig = entry[0], entry[1]
    return "%s %s" % ({1: "icmp", 6: "tcp", 17: "udp"}.get(proto, str(proto)), " ".join(orig))


def ct_reply_text(entry):
    _, _, reply, state, flags = entry
    return "%sreply %s [%s]" % (state + " " if state else "", " ".join(reply), ",".join(flags))


def ct_compare(name, kpath, opath):
    with open(kpath) as f:
        kern = ct_parse_kernel(f.read())
    with open(opath) as f:
        ours = ct_parse_ours(f.read())
    konly = set(kern) - set(ours)
    oonly = set(ours) - set(kern)
    # What differs only by a port one side chose may still agree by class.
    kc = {ct_classed(e): e for e in konly}
    oc = {ct_classed(e): e for e in oonly}
    by_class = set(kc) & set(oc)
    notes = ["by port class: %s: kernel %s, ours %s" % (
        ct_orig_text(kc[e]), ct_reply_text(kc[e]), ct_reply_text(oc[e]))
        for e in sorted(by_class)]
    # The original tuple is unique in a table: what is left pairs by it.
    kby = {(e[0], e[1]): e for c, e in kc.items() if c not in by_class}
    oby = {(e[0], e[1]): e for c, e in oc.items() if c not in by_class}
    diffs = []
    for key in sorted(set(kby) | set(oby)):
        a, b = kby.get(key), oby.get(key)
        if a and b:
            diffs.append("%s: kernel %s, ours %s" % (
                ct_orig_text(a), ct_reply_text(a), ct_reply_text(b)))
        elif a:
            diffs.append("kernel only: %s %s" % (ct_orig_text(a), ct_reply_text(a)))
        else:
            diffs.append("ours only:   %s %s" % (ct_orig_text(b), ct_reply_text(b)))
    if len(kern) != len(set(kern)) or len(ours) != len(set(ours)):
        diffs.append("an entry is listed twice (kernel %d, ours %d entries)" % (
            len(kern), len(ours)))
    what = "%d/%d entries agree" % (len(set(kern) & set(ours)) + len(by_class),
                                    len(set(kern) | set(ours)) - len(by_class))
    if by_class:
        what += " (%d by port class)" % len(by_class)
    print("%s - differential %s: conntrack tables, %s" % (
        "not ok" if diffs else "ok", name, what))
    for d in diffs + notes:
        print("#   " + d)
    return 1 if diffs else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "ctcompare":
        return ct_compare(*sys.argv[2:])
    if len(sys.argv) == 5 and sys.argv[1] == "probe":
        probe(*sys.argv[2:5])
        return 0
    if sys.argv[1:2] == ["compare"] and len(sys.argv) in (5, 8):
        return compare(*sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
