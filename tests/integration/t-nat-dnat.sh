#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Port forwarding: the router's WAN address, port 8080, is a LAN server's
# port 80 (DNAT in PREROUTING). DNAT in OUTPUT: a program on the gateway
# (its [local] stack, tunfilter.conf(5)) connecting to 203.0.113.80:80
# reaches the LAN server.
#
#   netns lan                  netns gw                          netns wan
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                |<====>| wan0 10.2.0.2/24 |
#  | whoami :80       | TUN  |  nat PREROUTING -i wan0   | TUN  | tfnat.py ask     |
#  | sink :81         |      |   --dport 8080 -j DNAT    |      | socat sender     |
#  |                  |      |   --to-dest 10.1.0.2:80   |      |                  |
#  +------------------+      +---------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-nat.sh"

tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d $WAN_ROUTER -i $WAN_IF -p tcp -m tcp --dport 8080 -j DNAT --to-destination $LAN_HOST:80
-A PREROUTING -d $WAN_ROUTER -i $WAN_IF -p tcp -m tcp --dport 8081 -j DNAT --to-destination $LAN_HOST:81
-A OUTPUT -d 203.0.113.80/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination $LAN_HOST:80
COMMIT
EOF
tf_rules_config
printf '\n[local]\nname = tf-host\n' >>"$TF_CONF"
tf_lab_up

nat_server "$NS_LAN" whoami 80 || exit 1
nat_server "$NS_LAN" sink 81 "$TF_TMP/sink.out" || exit 1

check_output "the forwarded port answers, and the server sees the real client" \
	"^$WAN_HOST:[0-9]+\$" nat_ask "$NS_WAN" "$WAN_ROUTER" 8080
check_fails "the server's own port is not open on the router" \
	nat_ask "$NS_WAN" "$WAN_ROUTER" 80

nat_upload "5 MB through the forwarded port arrived intact" \
	"$NS_WAN" "$WAN_ROUTER" 8081 5M "$WAN_HOST"
check_output "conntrack -L shows the DNAT reply tuple" \
	"src=$WAN_HOST dst=$WAN_ROUTER sport=[0-9]+ dport=8080 .*src=$LAN_HOST dst=$WAN_HOST sport=80" \
	tfctl conntrack -L

# The gateway's kernel picks the source on its default route's link: one of
# the router's addresses.
check_output "DNAT in OUTPUT of a locally generated connection" \
	"^10\\.[12]\\.0\\.1:[0-9]+\$" nat_ask "$NS_GW" 203.0.113.80 80
