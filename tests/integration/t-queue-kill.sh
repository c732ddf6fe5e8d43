#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Consumers that die or stop answering in the middle of a TCP stream: the
# packets they hold get the queue's default verdict (accept here), new
# packets go on (--queue-bypass when nobody is bound), and the streams
# complete intact.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | socat sender     | TUN  | FORWARD -p tcp -j       | TUN  | socat  :5001     |
#  +------------------+      |  NFQUEUE 0 --queue-bypass|     +------------------+
#                            +-----------|-------------+
#                               queue.sock: tfqueue.py -q 0   (test's namespace)
#
# 1. killed: the consumer is stopped (SIGSTOP) until packets wait for it,
#    then killed (SIGKILL): those packets are resolved at once (orphaned).
# 2. too slow: a consumer is stopped; each packet waits for the queue's
#    timeout (500 ms) and then goes on; when it resumes, its verdicts for
#    packets already resolved are only counted (stale).

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
COMMIT
EOF
tf_queue_config - <<EOF
[queue 0]
default_verdict = accept
timeout = 500
EOF
tf_lab_up

port_listening()
{
	ip netns exec "$NS_WAN" ss -Hltn "sport = :$1" | grep -q LISTEN
}

qstat_gt()
{
	local v
	v=$(qstat "$1" "$2")
	[ -n "$v" ] && [ "$v" -gt "$3" ]
}

# start_transfer SIZE PORT: lan -> wan in the background, paced at about
# 2 MB/s so that the stream is still going when a consumer is stopped; the
# sender's pid in SENDER, the receiver's in RECEIVER.
start_transfer()
{
	head -c "$1" /dev/urandom >"$TF_TMP/in.bin"
	rm -f "$TF_TMP/out.bin"
	tf_bg ip netns exec "$NS_WAN" socat -u "TCP-LISTEN:$2,bind=$WAN_HOST,reuseaddr" \
		"OPEN:$TF_TMP/out.bin,creat,trunc"
	RECEIVER=$TF_BG_LAST
	wait_for 10 port_listening "$2" || return 1
	tf_bg ip netns exec "$NS_LAN" "$TF_PY" -c '
import socket, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
for at in range(0, len(data), 16384):
    s.sendall(data[at:at + 16384])
    time.sleep(0.008)
s.close()' "$TF_TMP/in.bin" "$WAN_HOST" "$2"
	SENDER=$TF_BG_LAST
}

# check_transfer TEXT: the transfer ends (60 s at most) and arrived intact.
check_transfer()
{
	if wait_pid 60 "$SENDER" && [ "$TF_WAIT_STATUS" = 0 ] && wait_pid 10 "$RECEIVER" &&
		cmp -s "$TF_TMP/in.bin" "$TF_TMP/out.bin"; then
		ok "$1"
	else
		diag "received $(stat -c %s "$TF_TMP/out.bin" 2>/dev/null || echo 0) of" \
			"$(stat -c %s "$TF_TMP/in.bin") bytes"
		not_ok "$1"
	fi
}

# --- 1. killed -------------------------------------------------------------

qpy killed -q 0 || exit 1
KILLED=$TF_BG_LAST
start_transfer 8M 5001 || not_ok "receiver listening"
if wait_for 20 qstat_gt 0 accepted 200; then
	ok "the stream flows through the consumer"
else
	not_ok "the stream flows through the consumer"
fi
kill -STOP "$KILLED"
if wait_for 10 qstat_gt 0 pending 0; then
	ok "packets wait for the stopped consumer ($(qstat 0 pending) pending)"
else
	not_ok "packets wait for the stopped consumer"
fi
kill -KILL "$KILLED"
wait "$KILLED" 2>/dev/null # reaped here: no "Killed" line from the shell later
check_transfer "killed consumer: the 8 MB stream completes intact"
check_qstat "its pending packets got the default verdict" 0 orphaned -ge 1
check_qstat "then the packets went on without a consumer" 0 bypassed -ge 1
check_qstat "nothing is left pending" 0 pending -eq 0
check_output "the queue has no consumer" '"consumer":null' tfctl -j queue

# --- 2. too slow ----------------------------------------------------------

qpy slow -q 0 || exit 1
SLOW=$TF_BG_LAST
kill -STOP "$SLOW"
start_transfer 200K 5002 || not_ok "receiver listening"
check_transfer "stopped consumer: a 200 kB stream completes on the timeout's verdicts"
check_qstat "every packet waited for its deadline" 0 timed_out -ge 10
kill -CONT "$SLOW"
if wait_for 10 qstat_gt 0 stale 0; then
	ok "its late verdicts are counted as stale ($(qstat 0 stale))"
else
	not_ok "its late verdicts are counted as stale"
fi
before=$(qstat 0 accepted)
check "after it resumes, a TCP connect passes through it (refused by the far host)" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5002 refused 2
check_qstat "the consumer answered for it" 0 accepted -gt "$before"
check_fails "the daemon logged no protocol error" grep -q 'closing it' "$TF_LOG"
