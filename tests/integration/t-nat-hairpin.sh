#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hairpin NAT: a LAN host reaches a port forwarded on the router's public
# address. DNAT alone would send the server's answer straight back inside
# the LAN, from an address the client never called; the MASQUERADE rule for
# the hairpin makes the answer come back through the router. Here the LAN
# host is client and server at once, the tightest hairpin there is.
#
#   netns lan                        netns gw
#  +--------------------------+     +-----------------------------------------+
#  | lan0 10.1.0.2/24         |<===>| tunfilterd                              |
#  | whoami :80               | TUN |  PREROUTING -d 10.2.0.1 --dport 8080    |
#  | ask 10.2.0.1:8080        |     |   -j DNAT --to-destination 10.1.0.2:80  |
#  +--------------------------+     |  POSTROUTING -s 10.1.0.0/24 -d 10.1.0.2 |
#                                   |   --dport 80 -j MASQUERADE              |
#                                   +-----------------------------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-nat.sh"

tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d $WAN_ROUTER/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination $LAN_HOST:80
-A POSTROUTING -s 10.1.0.0/24 -d $LAN_HOST/32 -p tcp -m tcp --dport 80 -j MASQUERADE
COMMIT
EOF
tf_rules_config
tf_lab_up

nat_server "$NS_LAN" whoami 80 || exit 1

check_output "the LAN host reaches its forwarded port by the public address" \
	"^$LAN_ROUTER:[0-9]+\$" nat_ask "$NS_LAN" "$WAN_ROUTER" 8080
check_output "the WAN still reaches it, seen as itself" \
	"^$WAN_HOST:[0-9]+\$" nat_ask "$NS_WAN" "$WAN_ROUTER" 8080
check_output "conntrack -L shows both translations of the hairpin" \
	"src=$LAN_HOST dst=$WAN_ROUTER sport=[0-9]+ dport=8080 .*src=$LAN_HOST dst=$LAN_ROUTER sport=80" \
	tfctl conntrack -L
