#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Replacement payloads: the consumer changes bytes (and lengths) of whole
# packets and leaves the lengths and checksums to tunfilterd; the far
# host's kernel, which checks them, gets the changed bytes.
#
#   netns lan                  netns gw                          netns wan
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                |<====>| wan0 10.2.0.2/24 |
#  | UDP client       | TUN  | udp --dport 7000 -> q 0   | TUN  | UDP echo :7000   |
#  | TCP sender       |      | tcp --dport 5001 -> q 0   |      | TCP sink :5001   |
#  |                  |      | udp --dport 7003 -> q 1   |      | UDP echo :7003   |
#  +------------------+      +-------------|-------------+      +------------------+
#              queue 0: tfqueue.py --replace hello "HELLO, WORLD"   (UDP grows)
#              queue 1: tfqueue.py --replace "~" "#"   (TCP: same length, or the
#                       stream breaks; one byte, so it cannot straddle segments)
#              queue 2: tfqueue.py --replace-packet 0x4500 0x6500 (not IPv4 any more)
#
# The echo sends the changed datagram back on a path that is not queued,
# so what the client reads is what the far host received.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp -m udp --dport 7000 -j NFQUEUE --queue-num 0
-A FORWARD -p tcp -m tcp --dport 5001 -j NFQUEUE --queue-num 1
-A FORWARD -p udp -m udp --dport 7003 -j NFQUEUE --queue-num 2
COMMIT
EOF
tf_queue_config
tf_lab_up
udp_echo "$NS_WAN" 7000 || exit 1
udp_echo "$NS_WAN" 7003 || exit 1
qpy grow -q 0 --replace hello "HELLO, WORLD" || exit 1
qpy same -q 1 --replace "~" "#" || exit 1
qpy broken -q 2 --replace-packet 0x4500 0x6500 || exit 1

# udp_ask PORT TEXT: send TEXT, print the echo (or "timeout").
udp_ask()
{
	in_lan "$TF_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recv(2048).decode(errors="replace"))
except socket.timeout:
    print("timeout")' "$WAN_HOST" "$1" "$2"
}

check_output "UDP: the far host received the longer replacement" \
	'^HELLO, WORLD from lan, HELLO, WORLD again \(HELLO, WORLD\)$' \
	udp_ask 7000 "hello from lan, hello again (hello)"
check_qstat "queue 0 accepted it" 0 accepted -eq 1

# TCP: a text with "~" on every line.
"$TF_PY" -c 'import sys
sys.stdout.write("".join("line %06d ~ tunfilter\n" % i for i in range(20000)))' \
	>"$TF_TMP/text.in"
sed 's/~/#/g' "$TF_TMP/text.in" >"$TF_TMP/text.want"
tf_bg ip netns exec "$NS_WAN" socat -u "TCP-LISTEN:5001,bind=$WAN_HOST,reuseaddr" \
	"OPEN:$TF_TMP/text.out,creat,trunc"
RECEIVER=$TF_BG_LAST
wait_for 10 sh -c "ip netns exec '$NS_WAN' ss -Hltn 'sport = :5001' | grep -q LISTEN"
timeout 30 ip netns exec "$NS_LAN" socat -u "OPEN:$TF_TMP/text.in" "TCP:$WAN_HOST:5001"
wait_pid 10 "$RECEIVER"
if cmp -s "$TF_TMP/text.want" "$TF_TMP/text.out"; then
	ok "TCP: the far host received every ~ as # ($(stat -c %s "$TF_TMP/text.out") bytes)"
else
	diag "received $(stat -c %s "$TF_TMP/text.out" 2>/dev/null || echo 0) bytes," \
		"$(grep -c "~" "$TF_TMP/text.out" 2>/dev/null) lines unchanged"
	not_ok "TCP: the far host received every ~ as #"
fi

check_output "a replacement that is not IPv4 is dropped" '^timeout$' udp_ask 7003 "probe"
check_qstat "queue 2 counts it" 2 bad_payload -eq 1
check_output "as queue_bad_payload" '"queue_bad_payload":1[,}]' tfctl -j show stats
