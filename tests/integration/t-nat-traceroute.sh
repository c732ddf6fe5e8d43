#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Traceroute through MASQUERADE: UDP probes with TTL 1, 2, 3 from the LAN
# host. The router's own time exceeded (about a packet not yet
# translated), the WAN router's (about the translated packet: it must be
# translated back, quoted header and all checksums) and the far host's
# port unreachable must each reach the client quoting the probe as the
# client sent it.
#
#   netns lan            netns gw                netns wan                  netns far
#  +---------------+    +------------------+    +-----------------------+  +---------------+
#  | lan0 10.1.0.2 |<==>| tunfilterd       |<==>| wan0 10.2.0.2         |  | far0          |
#  | tfnat.py trace| TUN|  POSTROUTING     | TUN| forwarding on         |  | 10.20.0.2/24  |
#  |               |    |  -o wan0         |    | veth 10.20.0.1/24 <=======> default via   |
#  |               |    |  -j MASQUERADE   |    |                       |  | 10.20.0.1     |
#  +---------------+    +------------------+    +-----------------------+  +---------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-nat.sh"

NS_FAR=${TF_ID}far
FAR_HOST=10.20.0.2

tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o $WAN_IF -j MASQUERADE
COMMIT
EOF
tf_rules_config
tf_lab_up

tf_ns_add "$NS_FAR" || { not_ok "set up the far namespace"; exit 1; }
ip -n "$NS_WAN" link add wanfar type veth peer name far0 netns "$NS_FAR" &&
	ip -n "$NS_WAN" addr add 10.20.0.1/24 dev wanfar &&
	ip -n "$NS_WAN" link set wanfar up &&
	ip -n "$NS_FAR" addr add $FAR_HOST/24 dev far0 &&
	ip -n "$NS_FAR" link set far0 up &&
	ip -n "$NS_FAR" route add default via 10.20.0.1 &&
	ip netns exec "$NS_WAN" sysctl -q -w net.ipv4.ip_forward=1 ||
	{ not_ok "link the WAN host to the far host"; exit 1; }
# The far host answers pings when the path works (ARP on the veth too).
wait_for 10 ip netns exec "$NS_LAN" ping -c1 -W1 "$FAR_HOST" ||
	diag "the far host does not answer pings"

run_tap ip netns exec "$NS_LAN" "$TF_PY" "$TF_NPY" trace "$FAR_HOST" 33433 \
	"$LAN_ROUTER" "$WAN_HOST" "$FAR_HOST"
