#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# FORWARD with policy DROP and accept rules, loaded from the rules file
# at start: the allowed flows pass, the others do not, and each rule's
# counters equal the packets sent through it (the policy's too).
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | ping, connect,   | TUN  |  rules = rules.v4       | TUN  | TCP :5001 :5002  |
#  | UDP probes       |      |  FORWARD DROP           |      | UDP echo :5003   |
#  +------------------+      +-------------------------+      +------------------+
#
# No conntrack yet: each direction of an allowed flow has its own rule.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p icmp -m icmp --icmp-type echo-request -m comment --comment ping-req -j ACCEPT
-A FORWARD -p icmp -m icmp --icmp-type echo-reply -m comment --comment ping-rep -j ACCEPT
-A FORWARD -d $WAN_HOST/32 -p tcp -m tcp --dport 5001 -m comment --comment tcp-out -j ACCEPT
-A FORWARD -s $WAN_HOST/32 -p tcp -m tcp --sport 5001 -m comment --comment tcp-back -j ACCEPT
COMMIT
EOF
tf_rules_config
tf_lab_up

tcp_server "$NS_WAN" 5001 || exit 1
tcp_server "$NS_WAN" 5002 || exit 1
udp_echo "$NS_WAN" 5003 || exit 1

# The kernel answers these itself when nothing filters: the wan host
# listens on all three ports.
check "ping lan -> wan passes (echo-request and echo-reply accepted)" \
	in_lan ping -c 5 -i 0.2 -W 2 "$WAN_HOST"
check "ping wan -> lan passes" in_wan ping -c 3 -i 0.2 -W 2 "$LAN_HOST"
check "TCP to wan:5001 (accepted both ways) connects" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5001 connected 3
check "TCP to wan:5002 (no rule: policy DROP) times out" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5002 timeout 1
check "UDP to wan:5003 (policy DROP) gets no answer, no error" \
	in_lan "$TF_PY" "$TF_RPY" udp-probe "$WAN_HOST" 5003 timeout 1
check "the router itself still answers ping (INPUT ACCEPT)" \
	in_lan ping -c 1 -W 2 "$LAN_ROUTER"

# Exact counts: 8 echo requests of 84 bytes (5 + 3), and as many replies.
check_counts "echo-request rule counted the 8 requests" ping-req 8 672
check_counts "echo-reply rule counted the 8 replies" ping-rep 8 672
# One connection: the SYN, the ACK and the FIN-ACK (+ ACK) of the client...
got=$(rule_counts tcp-out)
if [ -n "$got" ] && [ "${got% *}" -ge 3 ]; then
	ok "the TCP out rule counted the client's segments (${got% *})"
else
	not_ok "the TCP out rule counted the client's segments (got \"$got\")"
fi
got=$(rule_counts tcp-back)
if [ -n "$got" ] && [ "${got% *}" -ge 2 ]; then
	ok "the TCP back rule counted the server's segments (${got% *})"
else
	not_ok "the TCP back rule counted the server's segments (got \"$got\")"
fi

# The policy: its count grows by exactly the datagrams sent (UDP sends no
# retransmissions of its own, unlike the SYNs above).
drop_counter()
{
	tfctl -j show stats >"$TF_TMP/stats.json" &&
		"$TF_PY" "$TF_HELPER" counter "$TF_TMP/stats.json" hook_drop
}
before=$(policy_counts filter FORWARD)
drops_before=$(drop_counter)
in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" 5003 7 >/dev/null
policy_grew()
{
	local now
	now=$(policy_counts filter FORWARD) || return 1
	[ $((${now% *} - ${before% *})) -eq "$1" ] &&
		[ $((${now#* } - ${before#* })) -eq "$2" ]
}
# 7 datagrams of 20 + 8 + 32 bytes.
if [ -n "$before" ] && wait_for 5 policy_grew 7 420; then
	ok "the FORWARD policy counted the 7 dropped datagrams (420 bytes)"
else
	diag "policy before: \"$before\", now: \"$(policy_counts filter FORWARD)\""
	not_ok "the FORWARD policy counted the 7 dropped datagrams (420 bytes)"
fi
drops=$(drop_counter)
if [ -n "$drops_before" ] && [ -n "$drops" ] && [ $((drops - drops_before)) -eq 7 ]; then
	ok "show stats: hook_drop grew by the same 7"
else
	not_ok "show stats: hook_drop grew by the same 7 (from \"$drops_before\" to \"$drops\")"
fi

# Counters by listing too: -L -v -x shows the same exact numbers.
check_output "-L FORWARD -v -x -n shows 8 packets 672 bytes on the echo-request rule" \
	"^ *8 +672 +ACCEPT +(icmp|1) " tfctl -L FORWARD -v -x -n

# -Z zeroes, then counting starts again from zero.
check "-Z FORWARD" tfctl -Z FORWARD
check_counts "after -Z the echo-request rule shows 0" ping-req 0 0
check "ping after -Z" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
check_counts "after -Z and 2 pings: 2 requests" ping-req 2 168

# Opening a port at run time with the CLI (no reload): 5002 connects now.
check "-I FORWARD 1 opens wan:5002" \
	tfctl -I FORWARD 1 -d "$WAN_HOST" -p tcp --dport 5002 -m comment --comment tcp2-out \
	-j ACCEPT
check "-I FORWARD 1 lets the answers of 5002 back" \
	tfctl -I FORWARD 1 -s "$WAN_HOST" -p tcp --sport 5002 -m comment --comment tcp2-back \
	-j ACCEPT
check "TCP to wan:5002 now connects" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5002 connected 3
check "UDP to wan:5003 is still dropped" \
	in_lan "$TF_PY" "$TF_RPY" udp-probe "$WAN_HOST" 5003 timeout 1
