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

# nat_ask NS HOST PORT: what a whoami server at HOST:PORT saw of NS.
nat_ask()
{
	timeout 10 ip netns exec "$1" "$TF_PY" "$TF_NPY" ask "$2" "$3"
}
