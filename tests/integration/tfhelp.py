#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet and socket helpers for the integration scripts (stdlib only).

Each subcommand does one thing and reports through its exit status (0 =
the expected outcome), except the ones documented as printing TAP lines.
The other tf*.py helpers import their checksum code from here.

  udp-echo PORT                  echo UDP datagrams back until killed
  udp-check HOST PORT            send datagrams of many sizes, compare echoes
  tcp-refused HOST PORT          a TCP connect is refused (RST)
  udp-unreach HOST PORT          a UDP datagram gets ICMP port unreachable
  proto-unreach HOST PROTO       a raw IP packet gets ICMP protocol unreachable
  timestamp HOST                 an ICMP timestamp request is answered
  flood IFNAME SRC DST ROUNDS    write malformed IPv4 into a TUN (AF_PACKET)
  ctl-garbage SOCK CLI           bad frames on the control socket (TAP lines)
  counter JSONFILE NAME          print a named counter found in JSON output
"""

import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4sum(src, dst, proto, seg):
    """The TCP/UDP checksum of seg over the pseudo header (src, dst packed)."""
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def ip4(a):
    return socket.inet_aton(a)


# --- UDP --------------------------------------------------------------

def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("0.0.0.0", int(port)))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udp_check(host, port):
    # Sizes around the 1500 MTU edge and well past it (fragmented by the
    # sending kernel, forwarded as fragments by the router).
    sizes = [0, 1, 64, 512, 1400, 1472, 1473, 2000, 4000, 8000, 16000, 30000]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    s.settimeout(1.0)
    rng = random.Random(1)
    bad = 0
    for seq, size in enumerate(sizes * 3):
        body = bytes(rng.getrandbits(8) for _ in range(size))
        msg = struct.pack("!I", seq) + body
        got = None
        for _attempt in range(3):
            s.send(msg)
            try:
                while True:
                    data = s.recv(65535)
                    if data[:4] == msg[:4]:
                        got = data
                        break
            except socket.timeout:
                continue
            if got is not None:
                break
        if got != msg:
            bad += 1
            print("datagram %d (%d bytes): %s" % (seq, len(msg),
                  "no echo" if got is None else "echo differs"))
    print("%d datagrams, %d bad" % (len(sizes) * 3, bad))
    return 1 if bad else 0


# --- local answers of the router ---------------------------------------

def tcp_refused(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    t0 = time.monotonic()
    try:
        s.connect((host, int(port)))
    except ConnectionRefusedError:
        print("refused in %.3f s" % (time.monotonic() - t0))
        return 0
    except OSError as e:
        print("connect: %s" % e)
        return 1
    print("connect succeeded")
    return 1


def udp_unreach(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    s.settimeout(3)
    s.send(b"tunfilter test")
    try:
        s.recv(100)
    except ConnectionRefusedError:
        print("port unreachable")
        return 0
    except socket.timeout:
        print("no answer in 3 s")
        return 1
    print("got a reply")
    return 1


def icmp_listener():
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r.setblocking(False)
    return r


def icmp_wait(r, host, want, timeout=3.0):
    """Wait for an ICMP message from host for which want(icmp) is true."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not select.select([r], [], [], left)[0]:
            return None
        pkt, peer = r.recvfrom(65535)
        if peer[0] != host:
            continue
        ihl = (pkt[0] & 15) * 4
        icmp = pkt[ihl:]
        if len(icmp) >= 8 and want(icmp):
            return icmp


def proto_unreach(host, proto):
    proto = int(proto)
    r = icmp_listener()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.sendto(b"tunfilter test payload", (host, 0))

    def want(icmp):
        # type 3 code 2, quoting our packet's header (protocol field)
        return icmp[0] == 3 and icmp[1] == 2 and len(icmp) >= 28 and icmp[8 + 9] == proto

    if icmp_wait(r, host, want) is None:
        print("no protocol unreachable from %s" % host)
        return 1
    print("protocol unreachable")
    return 0


def timestamp(host):
    r = icmp_listener()
    ident = os.getpid() & 0xFFFF
    now = time.time()
    orig = int((now % 86400) * 1000)
    hdr = struct.pack("!BBHHHIII", 13, 0, 0, ident, 1, orig, 0, 0)
    hdr = hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]
    r.sendto(hdr, (host, 0))

    def want(icmp):
        return icmp[0] == 14 and struct.unpack("!H", icmp[4:6])[0] == ident

    icmp = icmp_wait(r, host, want)
    if icmp is None:
        print("no timestamp reply from %s" % host)
        return 1
    if csum(icmp[:20]) != 0:
        print("timestamp reply with a bad checksum")
        return 1
    _t, _c, _s, _i, _q, o, rx, tx = struct.unpack("!BBHHHIII", icmp[:20])
    if o != orig:
        print("originate timestamp not echoed: %d != %d" % (o, orig))
        return 1
    # Standard timestamps are ms since midnight UT, below 86400000.
    if rx >= 86400000 or tx >= 86400000:
        print("receive/transmit timestamps not ms since midnight: %d %d" % (rx, tx))
        return 1
    print("timestamp reply: originate %d receive %d transmit %d" % (o, rx, tx))
    return 0


# --- malformed packets --------------------------------------------------

def iphdr(src, dst, payload_len, proto=17, ident=0, frag=0, ttl=64, ihl=5,
          tot=None, version=4, options=b""):
    if tot is None:
        tot = ihl * 4 + payload_len
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tot & 0xFFFF, ident,
                    frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def udp_payload(n):
    data = b"\xa5" * n
    return struct.pack("!HHHH", 40000, 9, 8 + n, 0) + data


def malformed_set(src, dst, ident):
    """One round of every kind of bad packet; ident keeps fragments apart."""
    out = []
    pl = udp_payload(32)
    good = iphdr(src, dst, len(pl)) + pl
    # bad header checksum
    bad = bytearray(good)
    bad[10] ^= 0x5A
    out.append(("bad_checksum", bytes(bad)))
    # truncated: shorter than an IPv4 header
    out.append(("truncated", good[:1]))
    out.append(("truncated", good[:10]))
    out.append(("truncated", good[:19]))
    # bad IHL: below 5 words, and past the end of the packet
    out.append(("bad_ihl", iphdr(src, dst, len(pl), ihl=4, tot=20 + len(pl)) + pl))
    h = iphdr(src, dst, 0, ihl=15, tot=40)
    out.append(("bad_ihl", h[:20] + pl[:20]))
    # total length larger than the bytes read, and smaller than the header
    out.append(("bad_total_length", iphdr(src, dst, len(pl), tot=1400) + pl))
    out.append(("bad_total_length", iphdr(src, dst, len(pl), tot=12) + pl))
    # not IPv4: an IPv6 header, and junk with version 0
    v6 = struct.pack("!IHBB", 6 << 28, len(pl), 17, 64) + b"\xfe\x80" + b"\0" * 14 + \
        b"\xfe\x80" + b"\0" * 13 + b"\x01" + pl
    out.append(("not_ipv4", v6))
    out.append(("not_ipv4", bytes([0x05]) + os.urandom(59)))
    # overlapping fragments (teardrop-like): bytes 32..48 sent twice with
    # different content. Aimed at the router itself, which reassembles.
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"\x11" * 40
    f1 = icmp[:48]
    f2 = b"\x22" * 48
    out.append(("defrag_overlap", iphdr(src, dst, len(f1), proto=1, ident=ident,
                                        frag=0x2000 | 0) + f1))
    out.append(("defrag_overlap", iphdr(src, dst, len(f2), proto=1, ident=ident,
                                        frag=4) + f2))
    # ping of death: a first fragment, then one ending past 65535 bytes
    pid = (ident + 1) & 0xFFFF
    big = struct.pack("!BBHHH", 8, 0, 0, pid, 1) + b"\x33" * 1392
    out.append(("defrag_oversize", iphdr(src, dst, len(big), proto=1, ident=pid,
                                         frag=0x2000) + big))
    tail = b"\x44" * 104
    out.append(("defrag_oversize", iphdr(src, dst, len(tail), proto=1, ident=pid,
                                         frag=65512 // 8) + tail))
    return out


def flood(ifname, src, dst, rounds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((ifname, ETH_P_IP))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    sent = {}
    errors = 0
    for i in range(int(rounds)):
        for kind, pkt in malformed_set(src, dst, (2 * i) & 0xFFFF):
            try:
                s.send(pkt)
                sent[kind] = sent.get(kind, 0) + 1
            except OSError as e:
                errors += 1
                if errors <= 3:
                    print("send %s (%d bytes): %s" % (kind, len(pkt), e))
        # Let the daemon drain its TUN queue (500 packets) now and then, so
        # that most of the flood reaches it rather than the kernel's drop.
        if i % 20 == 19:
            time.sleep(0.002)
    total = sum(sent.values())
    print("sent %d packets: %s; %d send errors" % (
        total, ", ".join("%s %d" % kv for kv in sorted(sent.items())), errors))
    return 0 if total > 0 else 1


# --- control socket -----------------------------------------------------

CTL_MAGIC = 0x31434654
CTL_REQUEST, CTL_REPLY = 1, 2
CTL_MAX_PAYLOAD = 16 << 20


def ctl_hdr(magic=CTL_MAGIC, version=1, type_=CTL_REQUEST, length=0, status=0):
    return struct.pack("=IHHIi", magic, version, type_, length, status)


def ctl_request(args, flags=0, argc=None):
    body = b"".join(a.encode() + b"\0" for a in args)
    payload = struct.pack("=III", flags, len(args) if argc is None else argc, 0) + body
    return ctl_hdr(length=len(payload)) + payload


def ctl_exchange(path, data, close_write=True, timeout=3.0):
    """Send data; return (reply header tuple or None, error text, closed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(data)
    except OSError:
        pass  # the daemon may close early on a bad header: that is fine
    if close_write:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    buf = b""
    closed = False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            buf += chunk
    except socket.timeout:
        pass
    except OSError:
        closed = True
    s.close()
    if len(buf) < 16:
        return None, "", closed
    magic, ver, typ, length, status = struct.unpack("=IHHIi", buf[:16])
    err = ""
    if len(buf) >= 24:
        out_len, err_len = struct.unpack("=II", buf[16:24])
        err = buf[24 + out_len:24 + out_len + err_len].decode(errors="replace").strip()
    return (magic, ver, typ, length, status), err, closed


def cli_answers(cli, path):
    try:
        r = subprocess.run([cli, "--socket", path, "show", "stats"], capture_output=True,
                           timeout=5)
    except subprocess.TimeoutExpired:
        return False, "timed out"
    return r.returncode == 0 and len(r.stdout) > 0, r.stderr.decode(errors="replace")


def ctl_garbage(path, cli):
    fails = 0

    def tap(good, text, detail=""):
        nonlocal fails
        print(("ok - " if good else "not ok - ") + text)
        if not good:
            fails += 1
            if detail:
                print("#   " + detail)

    def error_reply(text, data):
        hdr, err, closed = ctl_exchange(path, data)
        good = hdr is not None and hdr[0] == CTL_MAGIC and hdr[2] == CTL_REPLY and hdr[4] != 0
        tap(good, "control: %s gets an error reply" % text,
            "reply header %r, closed %s" % (hdr, closed))
        if good and err:
            print("#   %s: %s" % (text, err))

    error_reply("a bad magic", ctl_hdr(magic=0xDEADBEEF, length=4) + b"abcd")
    error_reply("an unknown version", ctl_hdr(version=99, length=0))
    error_reply("an oversized request", ctl_hdr(length=CTL_MAX_PAYLOAD + 1))
    error_reply("a reply sent as a request", ctl_hdr(type_=CTL_REPLY, length=0))
    error_reply("argc larger than the strings", ctl_request(["show", "stats"], argc=7))
    error_reply("argc past the limit", ctl_request(["show"], argc=1 << 30))
    p = struct.pack("=III", 0, 1, 0) + b"show"  # string not NUL-terminated
    error_reply("an unterminated string", ctl_hdr(length=len(p)) + p)
    p = struct.pack("=III", 0, 0, 1000)  # input_len past the payload
    error_reply("input past the payload", ctl_hdr(length=len(p)) + p)
    error_reply("an unknown command", ctl_request(["frobnicate", "now"]))

    # Garbage the daemon may answer or just hang up on; either way it must
    # not stall or fall over.
    rng = random.Random(7)
    for i in range(50):
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 4096)))
        if i % 2:
            junk = ctl_hdr(length=len(junk) - 16 if len(junk) > 16 else 0)[:8] + junk
        try:
            ctl_exchange(path, junk, timeout=1.0)
        except OSError as e:
            tap(False, "control: connect after garbage frame %d" % i, str(e))
            return 1
    good, err = cli_answers(cli, path)
    tap(good, "control: show answers after 50 random frames", err)

    # Truncated header, and a frame cut short, closed by the client.
    for text, data in (("half a header", ctl_hdr()[:8]),
                       ("a frame cut short", ctl_hdr(length=1000) + b"x" * 10)):
        try:
            ctl_exchange(path, data, timeout=1.0)
        except OSError as e:
            tap(False, "control: %s" % text, str(e))
            continue
        good, err = cli_answers(cli, path)
        tap(good, "control: show answers after %s" % text, err)

    # A client that sends part of a frame and then stays silent must not
    # block everybody else (the daemon reads without blocking).
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(path)
    slow.sendall(ctl_hdr(length=100) + b"partial")
    good, err = cli_answers(cli, path)
    tap(good, "control: show answers while another client stalls mid-frame", err)
    slow.close()
    return 1 if fails else 0


# --- JSON ---------------------------------------------------------------

def find_counter(obj, name):
    """A counter called name: {"name": N} anywhere, or {"name": name, ...: N}."""
    if isinstance(obj, dict):
        v = obj.get(name)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if obj.get("name") == name or obj.get("reason") == name:
            for k in ("count", "packets", "value", "drops"):
                if isinstance(obj.get(k), int):
                    return obj[k]
        for v in obj.values():
            r = find_counter(v, name)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_counter(v, name)
            if r is not None:
                return r
    return None


def counter(path, name):
    with open(path) as f:
        doc = json.load(f)
    v = find_counter(doc, name)
    if v is None:
        print("no counter %s" % name, file=sys.stderr)
        return 1
    print(v)
    return 0


COMMANDS = {
    "udp-echo": (udp_echo, 1),
    "udp-check": (udp_check, 2),
    "tcp-refused": (tcp_refused, 2),
    "udp-unreach": (udp_unreach, 2),
    "proto-unreach": (proto_unreach, 2),
    "timestamp": (timestamp, 1),
    "flood": (flood, 4),
    "ctl-garbage": (ctl_garbage, 2),
    "counter": (counter, 2),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die(__doc__)
    fn, nargs = COMMANDS[sys.argv[1]]
    if len(sys.argv) - 2 != nargs:
        die(__doc__)
    sys.exit(fn(*sys.argv[2:]) or 0)


if __name__ == "__main__":
    main()
