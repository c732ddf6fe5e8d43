#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The C example consumer (contrib/examples/tfq-bytedrop.c, on the library)
# drops TCP packets that contain a byte string: a transfer of a file that
# holds the string stalls, an equal file without it arrives intact.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | socat sender     | TUN  | FORWARD -p tcp          | TUN  | socat  :5001     |
#  +------------------+      |   -j NFQUEUE 0          |      +------------------+
#                            +-----------|-------------+
#                               queue.sock (SEQPACKET)
#                                        |
#                              tfq-bytedrop -q 0 STRING   (test's namespace)
#
# Both files are 2 MB of random bytes; in the first, the string is written
# over the data every 4 KiB, so that whatever way TCP cuts the stream, some
# segment holds it whole and is dropped at each retransmission.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-queue.sh"

NEEDLE=tunfilter-forbidden-0xC0FFEE

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p tcp -m comment --comment queued -j NFQUEUE --queue-num 0
COMMIT
EOF
tf_queue_config
tf_lab_up

[ -x "$TF_BYTEDROP" ] || {
	not_ok "tfq-bytedrop is built ($TF_BYTEDROP)"
	exit 1
}
consumer bytedrop "$TF_BYTEDROP" -s "$TF_QSOCK" -q 0 "$NEEDLE" || exit 1
BYTEDROP_PID=$TF_BG_LAST

port_listening()
{
	ip netns exec "$NS_WAN" ss -Hltn "sport = :$1" | grep -q LISTEN
}

# make_file FILE WITH-NEEDLE: 2 MB of random bytes, the needle (or as many
# other bytes) every 4 KiB.
make_file()
{
	"$TF_PY" - "$1" "$2" "$NEEDLE" <<'PY'
import os, sys
data = bytearray(os.urandom(2 << 20))
word = sys.argv[3].encode() if sys.argv[2] == "1" else b"x" * len(sys.argv[3])
for at in range(1000, len(data) - len(word), 4096):
    data[at:at + len(word)] = word
open(sys.argv[1], "wb").write(data)
PY
}

# transfer FILE PORT SECS: lan -> wan with socat; the received bytes go to
# FILE.out. Returns the sender's status.
transfer()
{
	local rpid rc
	rm -f "$1.out"
	tf_bg ip netns exec "$NS_WAN" socat -u "TCP-LISTEN:$2,bind=$WAN_HOST,reuseaddr" \
		"OPEN:$1.out,creat,trunc"
	rpid=$TF_BG_LAST
	wait_for 10 port_listening "$2" || return 1
	timeout "$3" ip netns exec "$NS_LAN" socat -u "OPEN:$1" "TCP:$WAN_HOST:$2" \
		>"$TF_TMP/send.log" 2>&1
	rc=$?
	wait_pid 5 "$rpid" || kill -TERM "$rpid" 2>/dev/null
	return $rc
}

make_file "$TF_TMP/clean.bin" 0
make_file "$TF_TMP/dirty.bin" 1

if transfer "$TF_TMP/clean.bin" 5001 30 &&
	cmp -s "$TF_TMP/clean.bin" "$TF_TMP/clean.bin.out"; then
	ok "a 2 MB transfer without the string arrives intact through the consumer"
else
	diag "received $(stat -c %s "$TF_TMP/clean.bin.out" 2>/dev/null || echo 0) bytes"
	not_ok "a 2 MB transfer without the string arrives intact through the consumer" \
		"$TF_TMP/send.log"
fi

if transfer "$TF_TMP/dirty.bin" 5002 8; then
	not_ok "the transfer holding the string is blocked (it completed)"
else
	got=$(stat -c %s "$TF_TMP/dirty.bin.out" 2>/dev/null || echo 0)
	if [ "$got" -lt $((2 << 20)) ] && ! grep -qaF "$NEEDLE" "$TF_TMP/dirty.bin.out"; then
		ok "the transfer holding the string is blocked" \
			"($got of $((2 << 20)) bytes arrived, none with the string)"
	else
		not_ok "the transfer holding the string is blocked ($got bytes arrived)"
	fi
fi

# The consumer's own counts, and the daemon's.
kill -USR1 "$BYTEDROP_PID"
wait_for 5 grep -q "^accepted" "$TF_TMP/bytedrop.out"
line=$(grep "^accepted" "$TF_TMP/bytedrop.out" | tail -n 1)
diag "tfq-bytedrop: $line"
read -r _ acc _ _ _ dropped <<<"$line"
if [ "${acc:-0}" -gt 1000 ] && [ "${dropped:-0}" -ge 1 ]; then
	ok "the consumer counted what it accepted and dropped"
else
	not_ok "the consumer counted what it accepted and dropped ($line)"
fi
check_qstat "tunfilter queue: the consumer's drops" 0 dropped -eq "${dropped:-x}"
check_qstat "tunfilter queue: the consumer's accepts" 0 accepted -ge "${acc:-x}"
check_qstat "tunfilter queue: nothing left pending" 0 pending -eq 0
check_output "tunfilter queue shows queue 0 and its consumer" \
	"^ +0 pid $BYTEDROP_PID " tfctl queue
check_output "the drops are counted as queue_drop" '"queue_drop":[1-9]' tfctl -j show stats
