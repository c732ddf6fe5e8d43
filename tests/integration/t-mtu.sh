#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Large pings across a small-MTU link: fragmentation needed with DF,
# fragmentation by the router without it, reassembly at the far host.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | mtu 1500         | TUN  | lan0 10.1.0.1  10.2.0.1 | TUN  | mtu 1280         |
#  +------------------+      |  mtu 1500    mtu 1280   |      +------------------+
#                            +-------------------------+
#
# Order matters: once lan has learnt the 1280 path MTU from a "frag needed"
# it fragments to 1280 itself, so the DF-clear case runs first, while lan
# still sends whole 1428-byte packets that only the router can split.

. "$(dirname "$0")/lib.sh"

WAN_MTU=1280
tf_default_config
tf_lab_up

check_output "the daemon set the kernel side of wan0 to mtu 1280" "mtu 1280 " \
	ip -n "$NS_WAN" link show dev "$WAN_IF"

# snmp NS FIELD: a counter of the Ip: lines of /proc/net/snmp in NS.
snmp()
{
	ip netns exec "$1" awk -v k="$2" '/^Ip:/ {
		if (!c) { for (i = 1; i <= NF; i++) if ($i == k) c = i; next }
		print $c; exit }' /proc/net/snmp
}

r0=$(snmp "$NS_WAN" ReasmOKs)
f0=$(snmp "$NS_LAN" FragCreates)
check_output "1428-byte packets without DF cross the 1280 link" "3 received" \
	in_lan ping -c 3 -i 0.2 -W 2 -M dont -s 1400 "$WAN_HOST"
r1=$(snmp "$NS_WAN" ReasmOKs)
f1=$(snmp "$NS_LAN" FragCreates)
# lan sent them whole (it did not fragment), wan reassembled them: the
# router did the fragmenting.
if [ "$f1" -eq "$f0" ] && [ $((r1 - r0)) -ge 3 ]; then
	ok "the router fragmented them (wan reassembled $((r1 - r0)), lan fragmented none)"
else
	not_ok "the router fragmented them (wan ReasmOKs $r0 -> $r1, lan FragCreates $f0 -> $f1)"
fi

check_output "3028-byte pings are reassembled by the far host and answered" \
	"3 received" in_lan ping -c 3 -i 0.2 -W 2 -s 3000 "$WAN_HOST"
check_output "the same from wan towards lan" \
	"3 received" in_wan ping -c 3 -i 0.2 -W 2 -s 3000 "$LAN_HOST"
check_output "a 3028-byte ping to the router itself is reassembled and answered" \
	"3 received" in_lan ping -c 3 -i 0.2 -W 2 -s 3000 "$LAN_ROUTER"

check_output "DF set and larger than 1280: frag needed from $LAN_ROUTER with mtu = 1280" \
	"From $LAN_ROUTER icmp_seq=1 Frag needed and DF set \(mtu = 1280\)" \
	in_lan ping -c 1 -W 2 -M do -s 1400 "$WAN_HOST"
check_output "lan learnt the path MTU of 1280 from it" "mtu 1280" \
	in_lan ip route get "$WAN_HOST"
check_output "DF set and exactly 1280 bytes crosses" "1 received" \
	in_lan ping -c 1 -W 2 -M do -s 1252 "$WAN_HOST"
