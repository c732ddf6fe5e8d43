#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TCPMSS: the MSS option of a forwarded SYN, as the server's link
# receives it (an AF_PACKET capture on wan0 parses the option and checks
# the TCP checksum after the rewrite), and of the SYN-ACK as the client's
# link receives it.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | mtu 1500         | TUN  |  mangle FORWARD TCPMSS  | TUN  | mtu 1280         |
#  | connect -> :5001 |      |                         |      | TCP :5001,       |
#  | capture on lan0  |      |                         |      | capture on wan0  |
#  +------------------+      +-------------------------+      +------------------+
#
# The client's SYN offers 1460 (lan0's MTU 1500 - 40); the path to the
# server has an MTU of 1280, so --clamp-mss-to-pmtu lowers it to 1240.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

WAN_MTU=1280
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
cap=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$cap" || exit 1
lcap=$TF_TMP/lan.cap
capture_start "$NS_LAN" "$LAN_IF" "$lcap" || exit 1

connect() { in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5001 connected 3 "$@"; }

# syn_re MSS: the SYN to :5001 carrying that MSS, checksums good.
syn_re()
{
	echo "src=$LAN_HOST dst=$WAN_HOST proto=6 .* dport=5001 flags=S mss=$1 l4csum=ok\$"
}

# synack_re MSS: the server's answer, as lan0 receives it.
synack_re()
{
	echo "src=$WAN_HOST dst=$LAN_HOST proto=6 .* sport=5001 .* flags=SA mss=$1 l4csum=ok\$"
}

check "without rules: connect" connect
check_captured "without rules: the SYN arrives with the client's MSS 1460" "$cap" "$(syn_re 1460)"
check_captured "without rules: the SYN-ACK arrives with the server's MSS 1240" "$lcap" \
	"$(synack_re 1240)"

: >"$cap"
: >"$lcap"
tf_rules_load <<EOF || exit 1
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment mss -j TCPMSS --set-mss 1000
COMMIT
EOF
check "--set-mss 1000: connect" connect
check_captured "--set-mss 1000: the SYN arrives with MSS 1000 and a valid TCP checksum" \
	"$cap" "$(syn_re 1000)"
check_fails "--set-mss 1000: no SYN with the old MSS got through" captured "$cap" "$(syn_re 1460)"
check_captured "--set-mss 1000: the SYN-ACK is clamped to 1000 too" "$lcap" "$(synack_re 1000)"
# The SYN-ACK goes through FORWARD as well (flags SYN without RST).
check_counts "the TCPMSS rule saw the SYN and the SYN-ACK" mss 2

# xt_TCPMSS never raises an MSS: a SYN offering 900 keeps 900.
: >"$cap"
check "--set-mss 1000, client MSS 900: connect" connect 900
check_captured "--set-mss 1000 does not raise a smaller MSS (900 stays)" "$cap" "$(syn_re 900)"

: >"$cap"
tf_rules_load <<EOF || exit 1
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
COMMIT
EOF
check "--clamp-mss-to-pmtu: connect" connect
check_captured "--clamp-mss-to-pmtu: MSS 1240 (wan0 MTU 1280 - 40)" "$cap" "$(syn_re 1240)"
