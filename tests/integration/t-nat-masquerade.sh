#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# MASQUERADE: what the LAN sends, the WAN sees coming from the router.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | socat sender     | TUN  |  nat POSTROUTING        | TUN  | sink :6001       |
#  | tfnat.py ask     |      |   -o wan0 -j MASQUERADE |      | whoami :6002     |
#  +------------------+      +-------------------------+      +------------------+
#
# A 50 MB upload is checked by SHA-256 at the WAN end, which also says
# whom it came from; `tunfilter conntrack -L` shows the translated reply.
# Then the WAN address changes on reload, and the old bindings go.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-nat.sh"

tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o $WAN_IF -m comment --comment masq -j MASQUERADE
COMMIT
EOF
tf_rules_config
tf_lab_up

nat_server "$NS_WAN" sink 6001 "$TF_TMP/sink.out" || exit 1
nat_server "$NS_WAN" whoami 6002 || exit 1

check_output "the WAN host sees the router's address" "^$WAN_ROUTER:[0-9]+\$" \
	nat_ask "$NS_LAN" "$WAN_HOST" 6002

nat_upload "50 MB upload through MASQUERADE arrived intact from $WAN_ROUTER" \
	"$NS_LAN" "$WAN_HOST" 6001 50M "$WAN_ROUTER"

check_output "conntrack -L shows the translated reply tuple" \
	"src=$LAN_HOST dst=$WAN_HOST sport=[0-9]+ dport=6001 .*src=$WAN_HOST dst=$WAN_ROUTER sport=6001" \
	tfctl conntrack -L
check_output "conntrack -L marks the connection ASSURED" "dport=6001 .*ASSURED" \
	tfctl conntrack -L
check_counts "the nat chain saw only the first packets" masq 2

# The WAN address changes on reload: the connections masqueraded to the
# old one are forgotten, and new ones take the new address.
old_router=$WAN_ROUTER
WAN_ROUTER=10.2.0.5
tf_rules_config
if tfctl reload >"$TF_TMP/reload.out" 2>&1; then
	check_fails "a new WAN address forgets the connections masqueraded to the old" \
		sh -c "\"$TUNFILTER\" --socket \"$TF_SOCK\" conntrack -L 2>/dev/null |
			grep -q 'dst=$old_router'"
	check_output "a new connection takes the new address" "^$WAN_ROUTER:[0-9]+\$" \
		nat_ask "$NS_LAN" "$WAN_HOST" 6002
else
	not_ok "tunfilter reload with a new WAN address" "$TF_TMP/reload.out"
fi
