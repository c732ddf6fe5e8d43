#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The router's own addresses answer as a Linux host with no listening
# sockets: TCP gets a RST, UDP a port unreachable, an unknown protocol a
# protocol unreachable, and ICMP timestamp requests are answered.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | probes           | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | probes           |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"

tf_lab_up

probe()
{
	local ns=$1 addr=$2
	check "TCP connect to $addr:22 is refused (RST)" \
		ip netns exec "$ns" "$TF_PY" "$TF_HELPER" tcp-refused "$addr" 22
	check "UDP to $addr:9999 gets port unreachable" \
		ip netns exec "$ns" "$TF_PY" "$TF_HELPER" udp-unreach "$addr" 9999
	check "IP protocol 253 to $addr gets protocol unreachable" \
		ip netns exec "$ns" "$TF_PY" "$TF_HELPER" proto-unreach "$addr" 253
	check "ICMP timestamp request to $addr is answered" \
		ip netns exec "$ns" "$TF_PY" "$TF_HELPER" timestamp "$addr"
}

probe "$NS_LAN" "$LAN_ROUTER"
probe "$NS_LAN" "$WAN_ROUTER"
probe "$NS_WAN" "$WAN_ROUTER"

# Nothing of this was forwarded to the hosts behind the router.
check "the far host is still reachable" in_lan ping -c 1 -W 2 "$WAN_HOST"
