#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ICMP errors from the router: time exceeded and net unreachable.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | default dev lan0 | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | default dev wan0 |
#  +------------------+      | routes: connected and   |      +------------------+
#                            | 10.20.0.0/16 -> wan0,   |
#                            | no default              |
#                            +-------------------------+
#
# ping(8) prints the ICMP error it gets and who sent it; the router sends
# from the address of the link the packet came in on.

. "$(dirname "$0")/lib.sh"

tf_lab_up

check_output "TTL 1 across the router: time exceeded from $LAN_ROUTER" \
	"From $LAN_ROUTER icmp_seq=1 Time to live exceeded" \
	in_lan ping -c 1 -W 2 -t 1 "$WAN_HOST"
check_output "TTL 1 from wan: time exceeded from $WAN_ROUTER" \
	"From $WAN_ROUTER icmp_seq=1 Time to live exceeded" \
	in_wan ping -c 1 -W 2 -t 1 "$LAN_HOST"
check "TTL 2 is enough to cross" in_lan ping -c 1 -W 2 -t 2 "$WAN_HOST"
# TTL 1 to the router itself is delivered, not forwarded: no error.
check "TTL 1 to the router itself is answered" in_lan ping -c 1 -W 2 -t 1 "$LAN_ROUTER"

check_output "no route to 10.99.0.1: net unreachable from $LAN_ROUTER" \
	"From $LAN_ROUTER icmp_seq=1 Destination Net Unreachable" \
	in_lan ping -c 1 -W 2 10.99.0.1
check_output "no route from wan either: net unreachable from $WAN_ROUTER" \
	"From $WAN_ROUTER icmp_seq=1 Destination Net Unreachable" \
	in_wan ping -c 1 -W 2 10.99.0.1

# Counters by name (src/core/drop.h).
tfctl -j show stats >"$TF_TMP/stats.json" 2>&1
for c in ttl_expired no_route; do
	n=$("$TF_PY" "$TF_HELPER" counter "$TF_TMP/stats.json" "$c" 2>/dev/null)
	if [ "${n:-0}" -ge 2 ] 2>/dev/null; then
		ok "stats: $c counted ($n)"
	else
		not_ok "stats: $c counted twice (got ${n:-nothing})" "$TF_TMP/stats.json"
	fi
done
