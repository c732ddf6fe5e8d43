#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A UDP insertion clash resolved: two datagrams of one new flow (one
# socket, the second with TOS 0x10) wait together in queue 1, after DNAT
# sent them to different ports of the server (the kernel's case: A and
# AAAA lookups balanced between resolvers). The first one out makes the
# connection; the second's entry is kept for its answers alone, for one
# second (conntrack/clash.c). Both datagrams arrive, both answers come
# back translated, and nothing is counted as insert_failed.
#
#   netns lan                  netns gw                          netns wan
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                |<====>| wan0 10.2.0.2/24 |
#  | one socket:      | TUN  | nat PREROUTING            | TUN  | udp echo :7100   |
#  |  "a" to :7100    |      |  --tos 0x10 -> :7101      |      | udp echo :7101   |
#  |  "b" to :7100    |      | FORWARD -i lan0 -> queue 1|      | capture on wan0  |
#  |  (TOS 0x10)      |      +------------|--------------+      +------------------+
#  +------------------+          queue.sock: tfqueue.py --batch 2 -q 1

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

TO_7101="-j DNAT --to-destination $WAN_HOST:7101"
tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i $LAN_IF -p udp -m udp --dport 7100 -m tos --tos 0x10 $TO_7101
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i $LAN_IF -p udp -j NFQUEUE --queue-num 1
COMMIT
EOF
tf_queue_config
tf_lab_up

udp_echo "$NS_WAN" 7100 || exit 1
udp_echo "$NS_WAN" 7101 || exit 1
CAP=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$CAP" || exit 1
EV=$TF_TMP/events
tf_bg "$TUNFILTER" --socket "$TF_SOCK" conntrack -E -p udp >"$EV" 2>&1
# Both datagrams must be in the queue before either goes on: one verdict
# for the two.
qpy holder --batch 2 -q 1 || exit 1

# The client: "a", then "b" with TOS 0x10, from one socket; then the
# answers it gets, with whom they came from.
cat >"$TF_TMP/client.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"a", (sys.argv[1], 7100))
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x10)
s.sendto(b"b", (sys.argv[1], 7100))
got = []
try:
    while len(got) < 2:
        data, peer = s.recvfrom(100)
        got.append("%s from %s:%d" % (data.decode(), peer[0], peer[1]))
except socket.timeout:
    pass
print(" ".join(sorted(got)))
PY
check_output "both answers come back from $WAN_HOST:7100" \
	"^a from $WAN_HOST:7100 b from $WAN_HOST:7100\$" \
	in_lan "$TF_PY" "$TF_TMP/client.py" "$WAN_HOST"
check_captured "the first datagram reached port 7100" "$CAP" \
	"src=$LAN_HOST dst=$WAN_HOST .*dport=7100"
check_captured "the second reached port 7101 (DNAT)" "$CAP" \
	"src=$LAN_HOST dst=$WAN_HOST .*dport=7101"
check_output "conntrack -S: one clash resolved, none failed" \
	"insert_failed=0 drop=0 .* clash_resolve=1 " tfctl conntrack -S
check_output "conntrack -L lists the first one's connection" \
	"dport=7100 .*src=$WAN_HOST dst=$LAN_HOST sport=7100 " tfctl conntrack -L
check_fails "conntrack -L does not list the second one's" \
	sh -c "\"$TUNFILTER\" --socket \"$TF_SOCK\" conntrack -L 2>/dev/null | grep -q sport=7101"
check_output "no conntrack_insert_failed drop" '"conntrack_insert_failed":0[,}]' \
	tfctl -j show stats
# The second one's entry goes within a second or two (the wheel ticks
# once a second): DESTROY, with no NEW before it.
if wait_for 5 grep -q "DESTROY.*sport=7101" "$EV"; then
	ok "the kept entry is destroyed after its second"
else
	not_ok "the kept entry is destroyed after its second" "$EV"
fi
check_fails "the kept entry was never announced NEW" grep -q "NEW.*sport=7101" "$EV"
check_output "the first one's connection stays" "dport=7100 .*sport=7100 " \
	tfctl conntrack -L -p udp
