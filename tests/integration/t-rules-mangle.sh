#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TTL, TOS, DSCP and MARK in the mangle table, as the far side sees them:
# the server's link captures each datagram and reads its TTL and TOS
# (and checks the IP header checksum the router rewrote). A mark is not
# on the wire: rules later in the path turn the mark into a TTL/TOS the
# capture can see, so MARK's arithmetic and its carrying from
# PREROUTING to POSTROUTING are checked too.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | UDP to :7000-7009| TUN  |  mangle PREROUTING,     | TUN  | capture on wan0  |
#  | (TTL 64, TOS set)|      |  FORWARD, POSTROUTING   |      |                  |
#  +------------------+      +-------------------------+      +------------------+
#
# The router lowers the TTL before FORWARD (as ip_forward does), so a
# datagram sent with TTL 64 is at 63 when the FORWARD rules see it.

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

tf_rules_write <<EOF
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 7006 -j MARK --set-mark 0x5
-A PREROUTING -p udp -m udp --dport 7008 -j MARK --set-xmark 0xff/0xffffffff
-A PREROUTING -p udp -m udp --dport 7009 -j MARK --set-xmark 0x30/0x3c
-A FORWARD -p udp -m udp --dport 7001 -j TTL --ttl-set 42
-A FORWARD -p udp -m udp --dport 7002 -j TTL --ttl-dec 5
-A FORWARD -p udp -m udp --dport 7003 -j TTL --ttl-inc 10
-A FORWARD -p udp -m udp --dport 7004 -j TOS --set-tos 0x10
-A FORWARD -p udp -m udp --dport 7005 -j DSCP --set-dscp 0x2e
-A FORWARD -p udp -m udp --dport 7007 -j TOS --and-tos 0xf0
-A FORWARD -p udp -m udp --dport 7006 -m mark --mark 0x5 -j MARK --or-mark 0x2
-A FORWARD -p udp -m udp --dport 7008 -j MARK --and-mark 0xf
-A FORWARD -p udp -m udp --dport 7009 -j MARK --xor-mark 0x1
-A POSTROUTING -m mark --mark 0x7 -j TOS --set-tos 0x04
-A POSTROUTING -m mark --mark 0x7 -j TTL --ttl-set 77
-A POSTROUTING -m mark --mark 0xf -j TTL --ttl-set 15
-A POSTROUTING -m mark --mark 0x31 -j TTL --ttl-set 49
COMMIT
EOF
tf_rules_config
tf_lab_up
cap=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$cap" || exit 1

# send PORT TOS: one datagram of 32 bytes (IP length 60) with TTL 64.
send() { in_lan "$TF_PY" "$TF_RPY" udp-send "$WAN_HOST" "$1" 1 "$2" 64 >/dev/null; }

# arrives TEXT PORT TOS-SENT TTL TOS: the datagram to PORT reaches wan0
# with that TTL and TOS, header checksum correct.
arrives()
{
	send "$2" "$3"
	check_captured "$1: dport $2 arrives with TTL $4, TOS $5" "$cap" \
		"^src=$LAN_HOST dst=$WAN_HOST proto=17 ttl=$4 tos=$5 len=60 id=[0-9]+ ipcsum=ok sport=[0-9]+ dport=$2 l4csum=ok\$"
}

arrives "no rule" 7000 0 63 0x00
arrives "TTL --ttl-set 42" 7001 0 42 0x00
arrives "TTL --ttl-dec 5 (after the forwarding decrement)" 7002 0 58 0x00
arrives "TTL --ttl-inc 10" 7003 0 73 0x00
arrives "TOS --set-tos 0x10" 7004 0 63 0x10
# DSCP keeps the ECN bits: sent with ECT(1).
arrives "DSCP --set-dscp 0x2e (ECN kept)" 7005 0x01 63 0xb9
arrives "TOS --and-tos 0xf0" 7007 0x1d 63 0x10
# 0x5 (PREROUTING) | 0x2 (FORWARD) = 0x7 -> POSTROUTING: TOS 0x04, TTL 77.
arrives "MARK --set-mark then --or-mark, seen by -m mark in POSTROUTING" 7006 0 77 0x04
# 0xff & 0xf = 0xf -> TTL 15.
arrives "MARK --set-xmark 0xff/0xffffffff then --and-mark 0xf" 7008 0 15 0x00
# (0 & ~0x3c) ^ 0x30 = 0x30, ^ 0x1 = 0x31 -> TTL 49.
arrives "MARK --set-xmark 0x30/0x3c then --xor-mark 0x1" 7009 0 49 0x00
