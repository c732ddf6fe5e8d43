# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# What the NAT scripts (t-nat-*.sh) share, sourced after lib.sh (it brings
# lib-rules.sh along): the helper tfnat.py and its servers.

# shellcheck source=lib-rules.sh
. "$TF_LIBDIR/lib-rules.sh"

TF_NPY="$TF_LIBDIR/tfnat.py"

# nat_server NS KIND ARGS...: a tfnat.py server (sink, whoami) in NS,
# running once it said "ready".
nat_server()
{
	local ns=$1
	shift
	tf_bg ip netns exec "$ns" "$TF_PY" "$TF_NPY" "$@" >/dev/null
	# shellcheck disable=SC2016
	wait_for 10 sh -c 'ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN' \
		_ "$ns" "$2" || {
		not_ok "$1 server on port $2 in $ns starts"
		return 1
	}
}

# nat_upload TEXT NS HOST PORT SIZE PEER: one check. SIZE (as head -c
# takes it) of random bytes go from NS to the sink at HOST:PORT, which
# writes "PEER SHA256" to $TF_TMP/sink.out (nat_server NS2 sink PORT
# "$TF_TMP/sink.out"): ok if they arrived intact and from PEER.
nat_upload()
{
	local text=$1 ns=$2 host=$3 port=$4 size=$5 peer=$6 want got
	head -c "$size" /dev/urandom >"$TF_TMP/in.bin"
	want=$(sha256sum <"$TF_TMP/in.bin" | cut -d' ' -f1)
	timeout 120 ip netns exec "$ns" socat -u "OPEN:$TF_TMP/in.bin" "TCP:$host:$port" \
		>"$TF_TMP/xfer.log" 2>&1
	rm -f "$TF_TMP/in.bin"
	wait_for 30 test -s "$TF_TMP/sink.out"
	got=$(cat "$TF_TMP/sink.out" 2>/dev/null)
	if [ "$got" = "$peer $want" ]; then
		ok "$text"
	else
		echo "sink saw: $got; sent $want" >>"$TF_TMP/xfer.log"
		not_ok "$text" "$TF_TMP/xfer.log"
	fi
}

# nat_ask NS HOST PORT: what a whoami server at HOST:PORT saw of NS.
nat_ask()
{
	timeout 10 ip netns exec "$1" "$TF_PY" "$TF_NPY" ask "$2" "$3"
}
