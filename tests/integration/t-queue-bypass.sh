#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NFQUEUE with nobody bound: --queue-bypass accepts, without it the packet
# is dropped (queue_no_consumer). Queue 5 is configured (it has a row in
# `tunfilter queue` from the start), queue 6 is not (its packets are
# counted under "other queues").
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | ping, UDP probes | TUN  | icmp -> queue 5 bypass  | TUN  | UDP echo :7000   |
#  |                  |      | udp  -> queue 6         |      |                  |
#  +------------------+      +-------------------------+      +------------------+
#                               queue.sock: nobody, then a consumer of 5 that leaves

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p icmp -j NFQUEUE --queue-num 5 --queue-bypass
-A FORWARD -p udp -j NFQUEUE --queue-num 6
COMMIT
EOF
tf_queue_config - <<EOF
[queue 5]
maxlen = 16
EOF
tf_lab_up
udp_echo "$NS_WAN" 7000 || exit 1

other()
{
	tfctl -j queue | "$TF_PY" -c 'import json, sys
print(json.load(sys.stdin)["other_queues"][sys.argv[1]])' "$1"
}

check "ping passes queue 5 with nobody bound (--queue-bypass)" \
	in_lan ping -c 4 -i 0.2 -W 2 "$WAN_HOST"
check_qstat "queue 5 counts the bypassed packets" 5 bypassed -eq 8
check_qstat "and parked none" 5 queued -eq 0
check "UDP to queue 6 (no bypass) gets no answer" \
	in_lan "$TF_PY" "$TF_RPY" udp-probe "$WAN_HOST" 7000 timeout 1
check_output "queue 6, never configured nor bound, is counted under other queues" \
	'^1$' other dropped
check_output "the drop is queue_no_consumer" '"queue_no_consumer":1[,}]' tfctl -j show stats

# A consumer takes queue 5, answers, and leaves: bypass again.
qpy five -q 5 || exit 1
FIVE=$TF_BG_LAST
check "ping through the consumer of queue 5" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
check_qstat "the consumer accepted them" 5 accepted -eq 4
kill -TERM "$FIVE"
wait_for 5 qstat_is 5 consumer null
check "ping passes again once it has left" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
check_qstat "bypassed again" 5 bypassed -eq 12
