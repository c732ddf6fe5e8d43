#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Ping the router and ping across it, both ways.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | default dev lan0 | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | default dev wan0 |
#  +------------------+      +-------------------------+      +------------------+
#
# The router answers echo requests to both of its addresses, from either
# side (one of them is then reached through the other link), and forwards
# echo traffic between the two kernels in both directions.

. "$(dirname "$0")/lib.sh"

tf_lab_up

check "lan pings the router on its lan address $LAN_ROUTER" \
	in_lan ping -c 3 -i 0.2 -W 2 "$LAN_ROUTER"
check "lan pings the router on its wan address $WAN_ROUTER" \
	in_lan ping -c 3 -i 0.2 -W 2 "$WAN_ROUTER"
check "wan pings the router on its wan address $WAN_ROUTER" \
	in_wan ping -c 3 -i 0.2 -W 2 "$WAN_ROUTER"
check "wan pings the router on its lan address $LAN_ROUTER" \
	in_wan ping -c 3 -i 0.2 -W 2 "$LAN_ROUTER"
check "lan pings wan across the router" \
	in_lan ping -c 3 -i 0.2 -W 2 "$WAN_HOST"
check "wan pings lan across the router" \
	in_wan ping -c 3 -i 0.2 -W 2 "$LAN_HOST"
# A quick burst: nothing lost on an idle path (ping exits 1 on any loss).
check "200 fast pings across, none lost" \
	in_lan ping -q -c 200 -i 0.002 -W 2 "$WAN_HOST"
check_output "the reply to lan comes from the far host with one hop used (ttl=63)" \
	"from $WAN_HOST: icmp_seq=1 ttl=63 " in_lan ping -c 1 -W 2 "$WAN_HOST"
check_output "the router's own reply has a fresh TTL (ttl=64)" \
	"from $LAN_ROUTER: icmp_seq=1 ttl=64 " in_lan ping -c 1 -W 2 "$LAN_ROUTER"
