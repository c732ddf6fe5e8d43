#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# --queue-balance 0:1 over two consumers: every flow (both directions of a
# ping between one lan address and the wan host) is seen by one consumer
# only, and both consumers get some of the 24 flows.
#
#   netns lan                        netns gw                   netns wan
#  +------------------------+      +---------------------+      +------------------+
#  | lan0 10.1.0.2/24       |<====>| tunfilterd          |<====>| wan0 10.2.0.2/24 |
#  |  + 10.1.0.100..123/24  | TUN  | icmp -j NFQUEUE     | TUN  |                  |
#  | ping -I each address   |      |  --queue-balance 0:1|      |                  |
#  +------------------------+      +------|--------|-----+      +------------------+
#                                    queue 0   queue 1
#                               tfqueue.py   tfqueue.py   (each logs what it sees)
#
# The balance hash covers the addresses and the protocol (as the kernel's
# nfqueue_hash), so the flows differ by their lan address.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p icmp -j NFQUEUE --queue-balance 0:1
COMMIT
EOF
tf_queue_config
tf_lab_up

for i in $(seq 100 123); do
	ip -n "$NS_LAN" addr add "10.1.0.$i/24" dev "$LAN_IF"
done
qpy q0 -q 0 --log "$TF_TMP/q0.log" || exit 1
qpy q1 -q 1 --log "$TF_TMP/q1.log" || exit 1

fails=0
for i in $(seq 100 123); do
	in_lan ping -c 2 -i 0.2 -W 2 -I "10.1.0.$i" "$WAN_HOST" >/dev/null || fails=$((fails + 1))
done
if [ "$fails" = 0 ]; then
	ok "24 flows ping through the two consumers"
else
	not_ok "24 flows ping through the two consumers ($fails failed)"
fi

# Each log line: "QUEUE ID PROTO SRC DST LEN". A flow: the protocol and the
# address pair, in either order.
"$TF_PY" - "$TF_TMP/q0.log" "$TF_TMP/q1.log" >"$TF_TMP/flows.out" <<'PY'
import collections, sys
seen = collections.defaultdict(set)   # flow -> consumers
packets = collections.Counter()
for n, path in enumerate(sys.argv[1:]):
    for line in open(path):
        q, _, proto, src, dst, _ = line.split()
        if int(q) != n:
            print("consumer %d got a packet of queue %s" % (n, q))
            sys.exit(1)
        flow = (proto,) + tuple(sorted((src, dst)))
        seen[flow].add(n)
        packets[flow] += 1
split = [f for f, c in seen.items() if len(c) > 1]
per = collections.Counter(min(c) for c in seen.values() if len(c) == 1)
print("flows %d split %d consumer0 %d consumer1 %d min-packets %d" % (
    len(seen), len(split), per[0], per[1], min(packets.values()) if packets else 0))
PY
read -r _ flows _ split _ c0 _ c1 _ minp <"$TF_TMP/flows.out"
diag "$(cat "$TF_TMP/flows.out")"
if [ "${flows:-0}" = 24 ] && [ "${minp:-0}" -ge 4 ]; then
	ok "both consumers together saw all 24 flows, both directions of each"
else
	not_ok "both consumers together saw all 24 flows" "$TF_TMP/flows.out"
fi
if [ "${split:-1}" = 0 ]; then
	ok "every flow stayed on one consumer"
else
	not_ok "every flow stayed on one consumer ($split split)" "$TF_TMP/flows.out"
fi
if [ "${c0:-0}" -gt 0 ] && [ "${c1:-0}" -gt 0 ]; then
	ok "the flows are spread over both queues ($c0 and $c1)"
else
	not_ok "the flows are spread over both queues ($c0 and $c1)"
fi
check_qstat "queue 0 accepted what it got" 0 accepted -eq "$((c0 * 4))"
check_qstat "queue 1 accepted what it got" 1 accepted -eq "$((c1 * 4))"
