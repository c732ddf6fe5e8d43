#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# REJECT as the client's kernel sees it: tcp-reset is "connection
# refused" at once, icmp-port-unreachable is ECONNREFUSED on a connected
# UDP socket, the other --reject-with types reach ping as the kernel
# words them; the answers leave through OUTPUT (LOCAL_OUT), as the
# kernel's do.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | connect, UDP     | TUN  |  FORWARD/INPUT REJECT   | TUN  | TCP :5001 :5004  |
#  | probes, ping     |      |  10.20.0.0/16 -> wan0   |      | UDP echo :5002   |
#  +------------------+      +-------------------------+      +------------------+
#
# The wan host listens on the rejected ports: without the rules the
# kernel there would accept, so a refusal can only be the router's.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
EOF
tf_rules_config
tf_lab_up

tcp_server "$NS_WAN" 5001 || exit 1
tcp_server "$NS_WAN" 5004 || exit 1
tcp_server "$NS_WAN" 5005 || exit 1
for port in 5002 5006 5007 5008; do
	udp_echo "$NS_WAN" $port || exit 1
done

probe() { in_lan "$TF_PY" "$TF_RPY" "$@"; }

check "without rules: TCP to wan:5001 connects" probe connect "$WAN_HOST" 5001 connected 3
check "without rules: UDP to wan:5002 is echoed" probe udp-probe "$WAN_HOST" 5002 reply 2

tf_rules_load <<EOF || exit 1
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p icmp -m icmp --icmp-type echo-request -m comment --comment in-ping -j REJECT --reject-with icmp-admin-prohibited
-A FORWARD -p tcp -m tcp --dport 5001 -m comment --comment rst -j REJECT --reject-with tcp-reset
-A FORWARD -p udp -m udp --dport 5002 -m comment --comment udp-port -j REJECT
-A FORWARD -p tcp -m tcp --dport 5004 -m comment --comment tcp-port -j REJECT --reject-with icmp-port-unreachable
-A FORWARD -p tcp -m tcp --dport 5005 -m comment --comment tcp-admin -j REJECT --reject-with icmp-admin-prohibited
-A FORWARD -p udp -m udp --dport 5006 -m comment --comment udp-admin -j REJECT --reject-with icmp-admin-prohibited
-A FORWARD -p udp -m udp --dport 5007 -m comment --comment udp-netpro -j REJECT --reject-with icmp-net-prohibited
-A FORWARD -p udp -m udp --dport 5008 -m comment --comment udp-proto -j REJECT --reject-with icmp-proto-unreachable
-A FORWARD -d 10.20.0.1/32 -j REJECT --reject-with icmp-net-unreachable
-A FORWARD -d 10.20.0.2/32 -j REJECT --reject-with icmp-host-unreachable
-A FORWARD -d 10.20.0.3/32 -j REJECT --reject-with icmp-proto-unreachable
-A FORWARD -d 10.20.0.4/32 -j REJECT --reject-with icmp-port-unreachable
-A FORWARD -d 10.20.0.5/32 -j REJECT --reject-with icmp-net-prohibited
-A FORWARD -d 10.20.0.6/32 -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -d 10.20.0.7/32 -j REJECT --reject-with icmp-admin-prohibited
-A OUTPUT -p tcp -m tcp --tcp-flags RST RST -m comment --comment out-rst
-A OUTPUT -p icmp -m icmp --icmp-type destination-unreachable -m comment --comment out-unreach
COMMIT
EOF
capture_start "$NS_WAN" "$WAN_IF" "$TF_TMP/wan.cap" || exit 1

# TCP: a reset at once, not a timeout (the timeout is 3 s; under 1 s is
# the router's answer to the first SYN).
out=$(probe connect "$WAN_HOST" 5001 refused 3)
secs=$(printf '%s' "$out" | sed -n 's/.* in \([0-9.]*\) s/\1/p')
if [ "${out%% *}" = refused ] && [ "${secs%%.*}" = 0 ]; then
	ok "tcp-reset: connect() fails with ECONNREFUSED at once ($out)"
else
	not_ok "tcp-reset: connect() fails with ECONNREFUSED at once (got: $out)"
fi
check "icmp-port-unreachable on TCP: connect() fails with ECONNREFUSED" \
	probe connect "$WAN_HOST" 5004 refused 3
check "icmp-admin-prohibited on TCP: connect() fails with EHOSTUNREACH" \
	probe connect "$WAN_HOST" 5005 EHOSTUNREACH 3

# UDP on a connected socket: the kernel turns the ICMP error into errno.
check "REJECT (default icmp-port-unreachable) on UDP: ECONNREFUSED" \
	probe udp-probe "$WAN_HOST" 5002 ECONNREFUSED 3
check "icmp-admin-prohibited on UDP: EHOSTUNREACH" \
	probe udp-probe "$WAN_HOST" 5006 EHOSTUNREACH 3
check "icmp-net-prohibited on UDP: ENETUNREACH" \
	probe udp-probe "$WAN_HOST" 5007 ENETUNREACH 3
check "icmp-proto-unreachable on UDP: ENOPROTOOPT" \
	probe udp-probe "$WAN_HOST" 5008 ENOPROTOOPT 3

# ping words every type (iputils ping4 pr_icmph); the router's address on
# the client's link is the source, as the kernel's icmp_send picks it.
n=0
for spec in "1|Destination Net Unreachable" "2|Destination Host Unreachable" \
	"3|Destination Protocol Unreachable" "4|Destination Port Unreachable" \
	"5|Destination Net Prohibited" "6|Destination Host Prohibited" "7|Packet filtered"; do
	check_output "ping 10.20.0.${spec%%|*}: \"From $LAN_ROUTER ... ${spec#*|}\"" \
		"From $LAN_ROUTER icmp_seq=1 ${spec#*|}" in_lan ping -c 1 -W 2 "10.20.0.${spec%%|*}"
	n=$((n + 1))
done
check_output "INPUT REJECT: ping of the router gets \"Packet filtered\"" \
	"From $LAN_ROUTER icmp_seq=1 Packet filtered" in_lan ping -c 1 -W 2 "$LAN_ROUTER"

check_counts "the tcp-reset rule counted the one SYN" rst 1
check_counts "the UDP port-unreachable rule counted the one datagram" udp-port 1
check_counts "the INPUT REJECT rule counted the one echo request" in-ping 1
# The answers went out through OUTPUT: 1 RST; 2 TCP + 4 UDP + 7 + 1 ping
# ICMP errors.
check_counts "the RST left through OUTPUT" out-rst 1
check_counts "the $((6 + n + 1)) ICMP errors left through OUTPUT" out-unreach $((6 + n + 1))

# Nothing of the rejected flows reached the wan host: the capture on its
# link, running since the rules were loaded, saw none of their packets
# (and it does see what passes: port 5009 has no rule).
probe udp-send "$WAN_HOST" 5009 1 >/dev/null
check_captured "the capture on wan0 sees a datagram to an unfiltered port" \
	"$TF_TMP/wan.cap" "dport=5009 "
for port in 5001 5002 5004 5005 5006 5007 5008; do
	check_fails "no packet to wan:$port reached the wan host" \
		captured "$TF_TMP/wan.cap" "dport=$port "
done
check_fails "no packet to 10.20.0.0/16 left through wan0" captured "$TF_TMP/wan.cap" "dst=10\\.20\\."
