#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A 50 MB TCP transfer each way across the router, checked by SHA-256.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | socat  :5001     | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | socat  :5001     |
#  +------------------+      +-------------------------+      +------------------+
#
# socat -u copies a file of random bytes into a TCP connection on one side
# and from it into a file on the other; the receiver exits at EOF.

. "$(dirname "$0")/lib.sh"

tf_lab_up

port_listening()
{
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN
}

# transfer FROM-NS TO-NS TO-ADDR LABEL
transfer()
{
	local from=$1 to=$2 addr=$3 label=$4 port=5001 t0 t1 want got rpid
	local in=$TF_TMP/in.bin out=$TF_TMP/out.bin

	head -c 50M /dev/urandom >"$in"
	rm -f "$out"
	tf_bg ip netns exec "$to" socat -u "TCP-LISTEN:$port,bind=$addr,reuseaddr" \
		"OPEN:$out,creat,trunc"
	rpid=$TF_BG_LAST
	if ! wait_for 10 port_listening "$to" "$port"; then
		not_ok "$label: receiver listening"
		return
	fi
	t0=$(date +%s%N)
	if ! timeout 120 ip netns exec "$from" socat -u "OPEN:$in" "TCP:$addr:$port" \
		>"$TF_TMP/send.log" 2>&1; then
		not_ok "$label: sender finished" "$TF_TMP/send.log"
	fi
	if ! wait_pid 30 "$rpid"; then
		not_ok "$label: receiver saw the end of the stream"
		return
	fi
	t1=$(date +%s%N)
	want=$(sha256sum <"$in" | cut -d' ' -f1)
	got=$(sha256sum <"$out" 2>/dev/null | cut -d' ' -f1)
	if [ "$want" = "$got" ]; then
		ok "$label: 50 MB arrived intact (sha256 ${want:0:16}...)"
		diag "$label: $((419430400 * 1000 / (t1 - t0 + 1))) Mbit/s"
	else
		diag "sent $(stat -c %s "$in") bytes, received $(stat -c %s "$out" 2>/dev/null || echo 0)"
		not_ok "$label: 50 MB arrived intact"
	fi
	rm -f "$in" "$out"
}

transfer "$NS_LAN" "$NS_WAN" "$WAN_HOST" "TCP lan -> wan"
transfer "$NS_WAN" "$NS_LAN" "$LAN_HOST" "TCP wan -> lan"

# The router forwarded it: its per-interface counters saw both directions.
check_output "show interfaces counts the traffic" "[0-9]{5,}" tfctl show interfaces
