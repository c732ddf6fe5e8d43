#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A tunfilterd queue consumer in Python, with the standard library only.

The protocol (tunfilter-queue(7)) is a Unix SOCK_SEQPACKET socket carrying
one message per record, integers in the host's byte order: struct's "="
formats below are the whole of it.

As a module:

    from tfqueue import QueueConsumer, ACCEPT, DROP
    q = QueueConsumer("/run/tunfilter/queue.sock")
    q.bind(0)                                 # queue 0, whole packets
    for pkt in q.packets():
        q.verdict(pkt, DROP if b"evil" in pkt.payload else ACCEPT)

As a program (prints "ready" once bound, one line per packet with -v):

    tfqueue.py [-s SOCKET] [-q N]... [options]
      --drop-match BYTES  drop packets containing BYTES, accept the others
      --repeat-mark M     answer REPEAT and set mark M (rules skip marked packets)
      --mark M            answer ACCEPT and set mark M
      --replace OLD NEW   replace bytes OLD with NEW in the TCP or UDP payload of
                          each packet (lengths may differ: tunfilterd sets the
                          lengths and checksums); OLD and NEW are text, or hex
                          with 0x in front
      --replace-packet OLD NEW  the same over the whole packet, headers included
      --hold              read packets and never answer (tests of full queues
                          and timeouts)
      --batch N           answer with one batch verdict every N packets
      --log FILE          append "queue id proto src:sport dst:dport len" per packet
      --copy none|meta|packet  and  --range N   what the messages carry
      -v                  print each packet
    On SIGTERM or SIGINT it prints "seen N accepted N dropped N" and exits.
"""

import argparse
import collections
import os
import signal
import socket
import struct
import sys

VERSION = 1
DEFAULT_PATH = "/run/tunfilter/queue.sock"

# Message types.
BIND, UNBIND, COPY_MODE, VERDICT, VERDICT_BATCH = 1, 2, 3, 4, 5
ACK, PACKET, ERROR = 16, 17, 18
# Copy modes, verdicts, verdict flags.
COPY_NONE, COPY_META, COPY_PACKET, COPY_DEFAULT = 0, 1, 2, 255
DROP, ACCEPT, REPEAT = 0, 1, 4
VF_MARK = 1
HOOKS = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")

HDR = struct.Struct("=HHIII")            # version, type, len, seq, reserved
REQ = struct.Struct("=HBBI")             # queue, copy_mode, flags, copy_range
VERD = struct.Struct("=IHBBII")          # id, queue, verdict, flags, mark, payload_len
ACKM = struct.Struct("=iI")              # error, text_len
PKT = struct.Struct("=IHBBIIii16s16sQIBBHII")
MAX_MSG = HDR.size + PKT.size + 65535

Packet = collections.namedtuple(
    "Packet", "id queue hook flags mark orig_len in_index out_index in_name out_name "
    "tstamp_ns ct_id ct_state copy_mode payload")


class QueueError(Exception):
    """tunfilterd refused something (an ERROR message), or the connection broke."""


class QueueConsumer:
    def __init__(self, path=DEFAULT_PATH):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        self.seq = 0
        self.pending = collections.deque()   # packets read while waiting for an ACK

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def _send(self, mtype, body, seq=0):
        self.sock.send(HDR.pack(VERSION, mtype, HDR.size + len(body), seq, 0) + body)

    def _recv(self):
        """One message: (type, seq, body); raises QueueError on ERROR or EOF."""
        data = self.sock.recv(MAX_MSG + 1)
        if not data:
            raise QueueError("tunfilterd closed the connection")
        if len(data) < HDR.size:
            raise QueueError("truncated message")
        version, mtype, length, seq, _ = HDR.unpack_from(data)
        if version != VERSION or length != len(data):
            raise QueueError("bad message header")
        body = data[HDR.size:]
        if mtype == ERROR:
            err, n = ACKM.unpack_from(body)
            raise QueueError("%s (%s)" % (body[ACKM.size:ACKM.size + n].decode(errors="replace"),
                                          os.strerror(err)))
        return mtype, seq, body

    def _request(self, mtype, queue, mode=0, rng=0):
        self.seq += 1
        self._send(mtype, REQ.pack(queue, mode, 0, rng if mode == COPY_PACKET else 0), self.seq)
        while True:
            mtype, seq, body = self._recv()
            if mtype == PACKET:
                self.pending.append(body)
            elif mtype == ACK and seq == self.seq:
                err, _ = ACKM.unpack_from(body)
                if err:
                    raise OSError(err, os.strerror(err))
                return

    def bind(self, queue, mode=COPY_PACKET, rng=65535):
        self._request(BIND, queue, mode, rng)

    def unbind(self, queue):
        self._request(UNBIND, queue)

    def set_copy_mode(self, queue, mode, rng=65535):
        self._request(COPY_MODE, queue, mode, rng)

    @staticmethod
    def _packet(body):
        f = list(PKT.unpack_from(body))
        f[8] = f[8].split(b"\0", 1)[0].decode()
        f[9] = f[9].split(b"\0", 1)[0].decode()
        n = f[15]
        return Packet(*f[:14], payload=body[PKT.size:PKT.size + n])

    def packets(self):
        """Packets as they come (blocking), forever or until QueueError."""
        while True:
            while self.pending:
                yield self._packet(self.pending.popleft())
            mtype, _, body = self._recv()
            if mtype == PACKET:
                yield self._packet(body)

    def verdict(self, pkt, verdict, mark=None, payload=None):
        flags = VF_MARK if mark is not None else 0
        payload = payload or b""
        self._send(VERDICT, VERD.pack(pkt.id, pkt.queue, verdict, flags, mark or 0,
                                      len(payload)) + payload)

    def verdict_batch(self, queue, last_id, verdict, mark=None):
        flags = VF_MARK if mark is not None else 0
        self._send(VERDICT_BATCH, VERD.pack(last_id, queue, verdict, flags, mark or 0, 0))


def describe(pkt):
    """'proto src:sport dst:dport' of the IPv4 packet in pkt.payload."""
    p = pkt.payload
    if len(p) < 20:
        return "? ? ?"
    ihl = (p[0] & 15) * 4
    src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
    if p[9] in (6, 17) and len(p) >= ihl + 4:
        sport, dport = struct.unpack_from("!HH", p, ihl)
        return "%d %s:%d %s:%d" % (p[9], src, sport, dst, dport)
    return "%d %s %s" % (p[9], src, dst)


def payload_offset(p):
    """Where the TCP or UDP payload of the IPv4 packet p starts."""
    if len(p) < 20:
        return len(p)
    off = (p[0] & 15) * 4
    if (p[6] & 0x1f) or p[7]:          # a later fragment: no transport header
        return min(off, len(p))
    if p[9] == 6 and len(p) >= off + 13:
        off += (p[off + 12] >> 4) * 4
    elif p[9] == 17:
        off += 8
    return min(off, len(p))


def replace_payload(p, old, new):
    off = payload_offset(p)
    return p[:off] + p[off:].replace(old, new)


def parse_bytes(s):
    return bytes.fromhex(s[2:]) if s.startswith("0x") else s.encode()


def main():
    ap = argparse.ArgumentParser(description="a tunfilterd queue consumer")
    ap.add_argument("-s", "--socket", default=DEFAULT_PATH)
    ap.add_argument("-q", "--queue", type=int, action="append")
    ap.add_argument("--drop-match", type=parse_bytes)
    ap.add_argument("--repeat-mark", type=lambda s: int(s, 0))
    ap.add_argument("--mark", type=lambda s: int(s, 0))
    ap.add_argument("--replace", nargs=2, type=parse_bytes, metavar=("OLD", "NEW"))
    ap.add_argument("--replace-packet", nargs=2, type=parse_bytes, metavar=("OLD", "NEW"))
    ap.add_argument("--hold", action="store_true")
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--copy", choices=("none", "meta", "packet"), default="packet")
    ap.add_argument("--range", type=int, default=65535)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    counts = collections.Counter()

    def stop(signum, frame):
        print("seen %d accepted %d dropped %d" % (counts["seen"], counts["accepted"],
                                                  counts["dropped"]), flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    q = QueueConsumer(a.socket)
    mode = {"none": COPY_NONE, "meta": COPY_META, "packet": COPY_PACKET}[a.copy]
    for n in a.queue or [0]:
        q.bind(n, mode, a.range)
    log = open(a.log, "a", buffering=1) if a.log else None
    print("ready", flush=True)
    held = []
    try:
        for pkt in q.packets():
            counts["seen"] += 1
            if log:
                log.write("%d %d %s %d\n" % (pkt.queue, pkt.id, describe(pkt), pkt.orig_len))
            if a.verbose:
                print("queue %d id %d %s %s in %s out %s mark 0x%x len %d" % (
                    pkt.queue, pkt.id, HOOKS[pkt.hook], describe(pkt), pkt.in_name or "-",
                    pkt.out_name or "-", pkt.mark, pkt.orig_len), flush=True)
            if a.hold:
                held.append(pkt)       # never answered: the queue's timeout decides
                continue
            if a.batch:
                if counts["seen"] % a.batch == 0:
                    q.verdict_batch(pkt.queue, pkt.id, ACCEPT)
                    counts["accepted"] += a.batch
                continue
            if a.drop_match is not None and a.drop_match in pkt.payload:
                q.verdict(pkt, DROP)
                counts["dropped"] += 1
            elif a.repeat_mark is not None:
                q.verdict(pkt, REPEAT, mark=a.repeat_mark)
                counts["accepted"] += 1
            elif a.replace:
                q.verdict(pkt, ACCEPT, mark=a.mark,
                          payload=replace_payload(pkt.payload, *a.replace))
                counts["accepted"] += 1
            elif a.replace_packet:
                q.verdict(pkt, ACCEPT, mark=a.mark,
                          payload=pkt.payload.replace(*a.replace_packet))
                counts["accepted"] += 1
            else:
                q.verdict(pkt, ACCEPT, mark=a.mark)
                counts["accepted"] += 1
    except QueueError as e:
        print("tfqueue.py: %s" % e, file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
