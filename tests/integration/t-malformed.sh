#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A flood of malformed packets written into the lan TUN leaves the daemon
# up, shows in its drop counters by name, and forwarding works after it.
#
#   netns lan                       netns gw                        netns wan
#  +-----------------------+      +-------------------------+      +------------------+
#  | tfhelp.py flood:      |      | tunfilterd              |      |                  |
#  | AF_PACKET on lan0  ---|=====>| lan0 10.1.0.1  10.2.0.1 |<====>| wan0 10.2.0.2/24 |
#  | lan0 10.1.0.2/24      | TUN  |                         | TUN  |                  |
#  +-----------------------+      +-------------------------+      +------------------+
#
# A raw IP socket cannot send a bad header checksum or a lying length (the
# kernel fills them in), so the packets go out through a packet socket
# bound to lan0: whatever bytes it is given reach the daemon's TUN fd as
# they are. Each round holds every kind: bad header checksum, truncated,
# bad IHL, bad total length, not IPv4, overlapping fragments and
# ping-of-death fragments (these two aimed at the router, which reassembles
# what is addressed to itself).

. "$(dirname "$0")/lib.sh"

tf_lab_up

check "before: lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"

rounds=400
check "flood: $rounds rounds of 14 malformed packets written into lan0" \
	in_lan "$TF_PY" "$TF_HELPER" flood "$LAN_IF" "$LAN_HOST" "$LAN_ROUTER" "$rounds"
in_lan "$TF_PY" "$TF_HELPER" flood "$LAN_IF" "$LAN_HOST" "$WAN_HOST" 100 >/dev/null 2>&1
diag "kernel side of lan0: $(ip -n "$NS_LAN" -s -o link show dev "$LAN_IF" | tr -s ' ' |
	grep -o 'TX: .*' | cut -c1-120)"

if tf_daemon_alive; then
	ok "the daemon is still running"
else
	not_ok "the daemon is still running" "$TF_LOG"
fi

# The counters settle once the daemon has read what was queued on the TUN.
stats_have()
{
	tfctl -j show stats >"$TF_TMP/stats.json" 2>&1 &&
		n=$("$TF_PY" "$TF_HELPER" counter "$TF_TMP/stats.json" "$1") && [ "$n" -gt 0 ]
}
for c in bad_checksum truncated bad_ihl bad_total_length not_ipv4 defrag_overlap \
	defrag_oversize; do
	if wait_for 5 stats_have "$c"; then
		ok "stats -j: $c counted ($("$TF_PY" "$TF_HELPER" counter "$TF_TMP/stats.json" "$c"))"
	else
		not_ok "stats -j: $c counted" "$TF_TMP/stats.json"
	fi
done
tfctl show stats >"$TF_TMP/stats.txt" 2>&1
missing=
for c in bad_checksum truncated bad_ihl bad_total_length not_ipv4 defrag_overlap defrag_oversize; do
	grep -q "$c" "$TF_TMP/stats.txt" || missing="$missing $c"
done
if [ -z "$missing" ]; then
	ok "stats (text) names every counter"
else
	not_ok "stats (text) names every counter (missing:$missing)" "$TF_TMP/stats.txt"
fi

check "after: lan pings wan" in_lan ping -c 3 -i 0.2 -W 2 "$WAN_HOST"
check "after: wan pings lan" in_wan ping -c 3 -i 0.2 -W 2 "$LAN_HOST"
check "after: lan pings the router" in_lan ping -c 3 -i 0.2 -W 2 "$LAN_ROUTER"
# The half-finished datagrams of the flood must not have used up the
# router's reassembly: a real fragmented ping to it still works.
check "after: a fragmented 3028-byte ping to the router is answered" \
	in_lan ping -c 3 -i 0.2 -W 2 -s 3000 "$LAN_ROUTER"
check "after: 200 fast pings across, none lost" \
	in_lan ping -q -c 200 -i 0.002 -W 2 "$WAN_HOST"
