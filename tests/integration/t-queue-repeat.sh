#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# REPEAT with a mark: the consumer answers REPEAT and sets mark 0x7; the
# hook runs the FORWARD chain again from the top, where the NFQUEUE rule
# skips marked packets and the next rule accepts them. Each packet is
# queued once, seen once, and counted once by each rule.
#
#   netns lan                  netns gw                          netns wan
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                |<====>| wan0 10.2.0.2/24 |
#  | ping             | TUN  | -m mark ! --mark 0x7      | TUN  |                  |
#  +------------------+      |     -j NFQUEUE 0          |      +------------------+
#                            | -m mark --mark 0x7 ACCEPT |
#                            | policy DROP               |
#                            +------------|--------------+
#                               tfqueue.py --repeat-mark 7

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p icmp -m mark ! --mark 0x7 -m comment --comment to-queue -j NFQUEUE --queue-num 0
-A FORWARD -p icmp -m mark --mark 0x7 -m comment --comment repeated -j ACCEPT
COMMIT
EOF
tf_queue_config
tf_lab_up

qpy repeater -q 0 --repeat-mark 7 --log "$TF_TMP/seen.log" || exit 1
REPEATER=$TF_BG_LAST

check "ping passes: queued, repeated with mark 0x7, accepted by the second rule" \
	in_lan ping -c 5 -i 0.2 -W 2 "$WAN_HOST"
# 5 echo requests and 5 replies, 84 bytes each.
check_counts "the NFQUEUE rule matched each packet once (not again on the repeat)" \
	to-queue 10 840
check_counts "the mark rule accepted each packet once" repeated 10 840
check_output "the policy dropped nothing" "^0 0$" policy_counts filter FORWARD
check_output "the consumer saw each packet once" '^10$' sh -c "wc -l <'$TF_TMP/seen.log'"
check_qstat "tunfilter queue counts the repeats" 0 repeated -eq 10

check_qstat "no packet waited for a default verdict" 0 timed_out -eq 0
kill -TERM "$REPEATER"
wait_for 5 qstat_is 0 consumer null
check_fails "without the consumer the ping is dropped" in_lan ping -c 1 -W 1 "$WAN_HOST"
check_output "as queue_no_consumer" '"queue_no_consumer":1[,}]' tfctl -j show stats
