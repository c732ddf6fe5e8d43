#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LOG: one line per packet in the daemon's log (stderr in the foreground
# mode, kept in $TF_LOG), in the kernel's format, with the prefix and the
# syslog priority of --log-level, and the TCP and IP options on request.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd -f 2>$TF_LOG |<====>| wan0 10.2.0.2/24 |
#  | ping, connect,   | TUN  |  INPUT/FORWARD LOG      | TUN  | TCP :5001        |
#  | UDP datagrams    |      |                         |      |                  |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

tf_rules_write <<EOF
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p icmp -j LOG --log-prefix "tf-in: " --log-level info
-A FORWARD -p icmp -m length --length 0:100 -j LOG --log-prefix "tf-fwd: "
-A FORWARD -p icmp -m icmp --icmp-type echo-request -m length --length 101:200 -j LOG --log-prefix "tf-rr: " --log-ip-options
-A FORWARD -p tcp -m tcp --dport 5001 --tcp-flags SYN,ACK SYN -j LOG --log-prefix "tf-syn: " --log-tcp-sequence --log-tcp-options
-A FORWARD -p udp -m udp --dport 5002 -j LOG
COMMIT
EOF
tf_rules_config
tf_lab_up
tcp_server "$NS_WAN" 5001 || exit 1

# count_lines ERE: lines of the daemon log that match.
count_lines()
{
	grep -Ec -- "$1" "$TF_LOG"
}

lines_are()
{
	[ "$(count_lines "$1")" -eq "$2" ]
}

# check_lines TEXT ERE N: wait for exactly N matching lines.
check_lines()
{
	local text=$1 re=$2 n=$3
	if wait_for 5 lines_are "$re" "$n"; then
		ok "$text"
		diag "$(grep -E -- "$re" "$TF_LOG" | tail -n 1)"
	else
		grep -F 'tunfilterd: ' "$TF_LOG" | tail -n 15 >"$TF_TMP/log.out"
		echo "$(count_lines "$re") lines match /$re/, expected $n" >>"$TF_TMP/log.out"
		not_ok "$text" "$TF_TMP/log.out"
	fi
}

ip_part='LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ (DF )?'
check "ping lan -> wan, 2 echo requests" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
# The default --log-level is warning: priority 4.
check_lines "2 kernel-format lines for the echo requests, prefix and <4>" \
	"^<4>tunfilterd: tf-fwd: IN=$LAN_IF OUT=$WAN_IF MAC= SRC=$LAN_HOST DST=$WAN_HOST $ip_part""PROTO=ICMP TYPE=8 CODE=0 ID=[0-9]+ SEQ=[12] \$" 2
check_lines "2 lines for the echo replies, IN=$WAN_IF OUT=$LAN_IF" \
	"^<4>tunfilterd: tf-fwd: IN=$WAN_IF OUT=$LAN_IF MAC= SRC=$WAN_HOST DST=$LAN_HOST $ip_part""PROTO=ICMP TYPE=0 CODE=0 ID=[0-9]+ SEQ=[12] \$" 2
check_lines "one line per sequence number" "tf-fwd: .* TYPE=8 CODE=0 ID=[0-9]+ SEQ=1 \$" 1

check "ping the router itself" in_lan ping -c 1 -W 2 "$LAN_ROUTER"
check_lines "INPUT: OUT= empty, TTL not lowered, --log-level info gives <6>" \
	"^<6>tunfilterd: tf-in: IN=$LAN_IF OUT= MAC= SRC=$LAN_HOST DST=$LAN_ROUTER LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=[0-9]+ (DF )?PROTO=ICMP TYPE=8 CODE=0 ID=[0-9]+ SEQ=1 \$" 1

check "TCP connect to wan:5001" in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5001 connected 3
# A Linux SYN: MSS 1460 (020405B4) first among the options.
check_lines "the SYN with --log-tcp-sequence and --log-tcp-options" \
	"^<4>tunfilterd: tf-syn: IN=$LAN_IF OUT=$WAN_IF MAC= SRC=$LAN_HOST DST=$WAN_HOST LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ DF PROTO=TCP SPT=[0-9]+ DPT=5001 SEQ=[0-9]+ ACK=0 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 OPT \\(020405B4[0-9A-F]*\\) \$" 1

in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" 5002 3 >/dev/null
check_lines "UDP without a prefix: 3 lines starting with IN=" \
	"^<4>tunfilterd: IN=$LAN_IF OUT=$WAN_IF MAC= SRC=$LAN_HOST DST=$WAN_HOST LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ (DF )?PROTO=UDP SPT=[0-9]+ DPT=5002 LEN=40 \$" 3

# Record route (ping -R): a NOP and a 39-byte RR option, 40 bytes in all.
check "ping -R lan -> wan" in_lan ping -R -c 1 -W 2 "$WAN_HOST"
check_lines "--log-ip-options prints the options before PROTO=" \
	"^<4>tunfilterd: tf-rr: IN=$LAN_IF OUT=$WAN_IF MAC= SRC=$LAN_HOST DST=$WAN_HOST LEN=124 .* OPT \\((01)?0727[0-9A-F]+\\) PROTO=ICMP TYPE=8 " 1
check_lines "without --log-ip-options no OPT ( on the other lines" "tf-(fwd|in): .* OPT \\(" 0
