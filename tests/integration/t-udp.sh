#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# UDP across the router in both directions, content checked.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | udp echo :5002   | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | udp echo :5002   |
#  +------------------+      +-------------------------+      +------------------+
#
# A client sends datagrams of 4 bytes up to 30 KB (the large ones leave
# the sender as fragments, which the router forwards) and compares every
# echo with what it sent; then the roles swap.

. "$(dirname "$0")/lib.sh"

tf_lab_up

udp_bound()
{
	ip netns exec "$1" ss -Hlun "sport = :$2" | grep -q .
}

tf_bg in_wan "$TF_PY" "$TF_HELPER" udp-echo 5002
tf_bg in_lan "$TF_PY" "$TF_HELPER" udp-echo 5002
if wait_for 10 udp_bound "$NS_WAN" 5002 && wait_for 10 udp_bound "$NS_LAN" 5002; then
	check "UDP lan -> wan -> lan: every datagram echoed intact" \
		in_lan "$TF_PY" "$TF_HELPER" udp-check "$WAN_HOST" 5002
	check "UDP wan -> lan -> wan: every datagram echoed intact" \
		in_wan "$TF_PY" "$TF_HELPER" udp-check "$LAN_HOST" 5002
else
	not_ok "UDP echo servers listening"
fi
