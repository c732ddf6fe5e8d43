#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Full queues: a consumer that reads its packets and never answers holds
# two queues of 8; 20 datagrams go to each. Queue 1 (fail_open = no) drops
# the 12 that do not fit, queue 2 (fail_open = yes) lets them through.
# When the consumer goes, its packets get each queue's default verdict:
# drop on queue 1, accept on queue 2.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | 20 x UDP :7001   | TUN  | --dport 7001 -> queue 1 | TUN  | capture on wan0  |
#  | 20 x UDP :7002   |      | --dport 7002 -> queue 2 |      |                  |
#  +------------------+      +-----------|-------------+      +------------------+
#                               queue.sock: tfqueue.py --hold -q 1 -q 2

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp -m udp --dport 7001 -j NFQUEUE --queue-num 1
-A FORWARD -p udp -m udp --dport 7002 -j NFQUEUE --queue-num 2
COMMIT
EOF
# Connection tracking is on: the 20 datagrams to a port share one 5-tuple,
# and each parked one holds an unconfirmed entry that clashes, once
# released, with the entry the first fail-open one confirmed. As in the
# kernel, such UDP clashes are resolved: the packet joins that entry.
tf_queue_config - <<EOF
timeout = 60000
maxlen = 8
[queue 1]
fail_open = no
default_verdict = drop
[queue 2]
fail_open = yes
default_verdict = accept
[conntrack]
enable = yes
EOF
tf_lab_up

CAP=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$CAP" || exit 1
qpy holder --hold -q 1 -q 2 || exit 1
HOLDER=$TF_BG_LAST

arrived()
{
	grep -c "dport=$1" "$CAP"
}

arrived_at_least() { [ "$(arrived 7002)" -ge "$1" ]; }

# check_arrived TEXT N: wait (5 s at most) until the far host has N
# datagrams to port 7002.
check_arrived()
{
	if wait_for 5 arrived_at_least "$2"; then
		ok "$1"
	else
		not_ok "$1 ($(arrived 7002) of $2 arrived)"
	fi
}

check "20 datagrams to port 7001" in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" 7001 20
check "20 datagrams to port 7002" in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" 7002 20
wait_for 5 qstat_is 1 dropped_full 12
check_qstat "queue 1 holds its 8" 1 pending -eq 8
check_qstat "queue 1 drops the 12 that do not fit" 1 dropped_full -eq 12
check_qstat "queue 2 holds its 8" 2 pending -eq 8
check_qstat "queue 2 lets the 12 that do not fit through (fail-open)" 2 failed_open -eq 12
check_output "the drops are counted as queue_full" '"queue_full":12[,}]' tfctl -j show stats
check_arrived "the far host got the 12 fail-open datagrams" 12
if [ "$(arrived 7001)" = 0 ]; then
	ok "nothing of queue 1 reached the far host"
else
	not_ok "nothing of queue 1 reached the far host ($(arrived 7001))"
fi
check_output "tunfilter queue shows the 8 pending of each" \
	"^ +1 pid $HOLDER +8 +8 +12 " tfctl queue

# A reload applies new settings to the queues at once: room for 4 more.
sed -i 's/^maxlen = 8$/maxlen = 12/' "$TF_CONF"
check "tunfilter reload with maxlen = 12" tfctl reload
check "4 more datagrams to port 7001" in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" 7001 4
wait_for 5 qstat_is 1 pending 12
check_qstat "queue 1 now holds 12" 1 pending -eq 12
check_qstat "and dropped no more" 1 dropped_full -eq 12
check_qstat "the settings show the new maxlen" 1 maxlen -eq 12

# The consumer goes: default verdicts.
kill -TERM "$HOLDER"
wait_for 5 qstat_is 2 pending 0
check_qstat "queue 1: its 12 get the default verdict" 1 orphaned -eq 12
check_qstat "queue 2: its 8 get the default verdict" 2 orphaned -eq 8
check_output "queue 1's default verdict drops them" '"queue_default":12[,}]' tfctl -j show stats
check_arrived "queue 2's default verdict accepts them: all 20 arrived" 20
check_output "still nothing of queue 1 at the far host" '^0$' arrived 7001
check_output "queue 2's 8 joined the connection (clash_resolve), none dropped" \
	"insert_failed=0 drop=0 .* clash_resolve=8 " tfctl conntrack -S
