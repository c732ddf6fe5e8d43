#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The queue socket against broken and unwelcome peers: each malformed or
# out-of-order message gets one ERROR saying why and the connection is
# closed, logged; a consumer working beside them never notices. Peers are
# checked with SO_PEERCRED: a stranger is refused, a member of the
# configured group is served.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | ping             | TUN  | icmp -j QUEUE (queue 0) | TUN  |                  |
#  +------------------+      +-----------|-------------+      +------------------+
#                   queue.sock (mode 0666, group nogroup)
#                     |-- tfqueue.py -q 0          (accepts all the while)
#                     |-- raw peers sending garbage (root)
#                     |-- uid nobody, gid nogroup: served
#                     `-- uid nobody, gid 12345: refused

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p icmp -j QUEUE
COMMIT
EOF
# Mode 0666: the file lets anyone connect, so that the peer check is what
# refuses (the default 0600 would stop strangers at connect()).
tf_queue_config - <<EOF
mode = 0666
group = nogroup
EOF
tf_lab_up
chmod 755 "$TF_TMP"

qpy good -q 0 || exit 1

# raw [SETPRIV-ARGS --] HEX[+N]...: connect, send each hex string (followed
# by N zero bytes) as one message, then print what comes back:
# "ERROR <errno> <text>", "ACK <errno>", "EOF" (until the daemon closes,
# 5 s pass, or half a second after an ACK).
raw()
{
	local pre=()
	while [ $# -gt 0 ] && [ "$1" != -- ] && [ "${1#--}" != "$1" ]; do
		pre+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	# The system's python3: another user may not reach a python under /root.
	${pre[0]:+setpriv "${pre[@]}"} /usr/bin/python3 - "$TF_QSOCK" "$@" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for arg in sys.argv[2:]:
    h, _, pad = arg.partition("+")
    try:
        s.send(bytes.fromhex(h) + bytes(int(pad or 0)))
    except OSError:
        break  # refused at once: the ERROR waits to be read
s.settimeout(5)  # generous: the machine may be busy
try:
    while True:
        m = s.recv(70000)
        if not m:
            print("EOF")
            break
        ver, typ, ln, seq, _ = struct.unpack_from("=HHIII", m)
        err, tl = struct.unpack_from("=iI", m, 16)
        if typ == 18:
            print("ERROR %d %s" % (err, m[24:24 + tl].decode()))
        elif typ == 16:
            print("ACK %d" % err)
            s.settimeout(0.5)
        else:
            print("type %d" % typ)
except socket.timeout:
    print("timeout")
PY
}

hdr() # TYPE LEN [SEQ]: a header in hex (little-endian host)
{
	printf '0100%02x00%02x%02x%02x%02x%02x00000000000000' "$1" $(($2 & 255)) \
		$((($2 >> 8) & 255)) $((($2 >> 16) & 255)) $(($2 >> 24)) "${3:-0}"
}

check "ping across through the consumer" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"

check_output "a truncated message: ERROR, then closed" \
	'^ERROR 71 truncated message: 6 bytes, shorter than the 16-byte header$' raw 010004002000
check_output "another version: EPROTONOSUPPORT" \
	'^ERROR 93 protocol version 2 not supported \(this end speaks 1\)$' \
	raw "0200040020000000000000000000000000000000000001000000000000000000"
check_output "an unknown type" '^ERROR 71 unknown message type 9$' raw "$(hdr 9 16)"
check_output "a message the daemon sends, sent to it" \
	'^ERROR 71 message type 17 \(PACKET\) goes the other way$' raw "$(hdr 17 16)"
check_output "an oversized message: EMSGSIZE" \
	'^ERROR 90 message of 70000 bytes, larger than 65567$' \
	raw "$(hdr 4 70000)+69984"
check_output "a verdict for a queue it has not bound" \
	'^ERROR 71 VERDICT for queue 0, which this consumer has not bound$' \
	raw "$(hdr 4 32 5)01000000000001000000000000000000"
check_output "binding the queue another consumer holds: EBUSY, and nothing else" \
	'^ACK 16$' raw "$(hdr 1 24 1)0000020000000000"
check_output "the daemon logged why it closed them" 'closing it' cat "$TF_LOG"

check "the good consumer still has queue 0" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
check_qstat "and answered every packet" 0 pending -eq 0
check_output "the good consumer saw no error" '^ready$' cat "$TF_TMP/good.out"

# Credentials: the group's members are served, strangers are not.
check_output "uid nobody in group nogroup may bind (queue 7)" '^ACK 0$' \
	raw --reuid=65534 --regid=65534 --clear-groups -- "$(hdr 1 24 1)0700020000000000"
check_output "uid nobody outside the group is refused" '^ERROR 13 permission denied$' \
	raw --reuid=65534 --regid=12345 --clear-groups -- "$(hdr 1 24 1)0700020000000000"
check_output "the refusal is logged" 'refused pid [0-9]+ uid 65534 gid 12345' cat "$TF_LOG"
check_output "the daemon is still serving" '"consumers":1' tfctl -j queue
