#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Differential test: every ruleset in tests/data/diff/NN-name.rules goes into
# the kernel's iptables (nft back end, Debian's default) on a veth router and
# into tunfilterd; the packets of NN-name.pkts go through both, from both
# links; what each packet caused (forwarded byte for byte, dropped, the ICMP
# error or RST that came back) and, when the admin tool can save counters,
# every rule and policy counter must be the same. One TAP line per ruleset,
# and for a ruleset that tracks connections (the nat table, a state match)
# one more: both conntrack tables, read after the packets (conntrack -L in
# the kernel router), must hold the same entries, with the same tuples, TCP
# state and statuses.
#
# The kernel reference is made to look like a TUN link: ARP off on both
# ends of each veth pair, with the same MAC on both, offloads off (else
# spoofed or hairpinned sources behave otherwise than on a TUN), no ICMP
# rate limit (the default eats most REJECT answers of a burst), no
# rp_filter, no redirects, no IPv6. Its back end is nft (legacy's differs
# on tiny first fragments), as issue 3 asks.
#
#   netns $NS_KC               netns $NS_KR                        netns $NS_KS
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<---->| lan0 10.1.0.1  10.2.0.1   |<---->| wan0 10.2.0.2/24 |
#  | default dev lan0 | veth | ip_forward=1    wan0 (mtu |veth  | default dev wan0 |
#  +------------------+      | 1400), 10.20.0.0/16->wan0 | 1400 +------------------+
#                            | iptables-restore RULES    |
#                            +---------------------------+
#
# The kernel router's three namespaces are made anew for each ruleset, so
# that nothing an earlier one left (conntrack entries, a nat table, which
# iptables cannot delete and which keeps conntrack loaded, ICMP rate-limit
# peers, fragment queues) changes what the next one sees.
#
# The same with tunfilterd (rules = RULES in its INI, ICMP limits off,
# connection tracking on only for rulesets that would load it into the
# kernel), restarted for each ruleset so that every counter starts at zero
# and its conntrack table empty:
#
#   netns $NS_LAN              netns $NS_GW                       netns $NS_WAN
#  +------------------+      +---------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                |<====>| wan0 10.2.0.2/24 |
#  | default dev lan0 | TUN  | lan0 10.1.0.1  10.2.0.1   | TUN  | default dev wan0 |
#  +------------------+      | wan0 mtu 1400, 10.20/16   | 1400 +------------------+
#                            +---------------------------+
#
# tfdiff.py injects the packets with AF_PACKET on the host ends and captures
# on both host ends. The hosts' own stacks stay silent (raw PREROUTING DROP
# there; AF_PACKET sees the packets first), so that everything captured was
# sent or made by the router.
#
# Not compared: the ipv4options match (this kernel has no xt_ipv4options),
# what LOG writes and what TRACE reports (their verdicts and counters are).
#
# DIFF_ONLY=NN runs only the rulesets whose name starts with NN;
# DIFF_KEEP=DIR keeps what each one captured and saved in DIR/NN-name/

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

DIFF_DATA=${DIFF_DATA:-$TF_SRCDIR/tests/data/diff}
DIFF_PY=$TF_LIBDIR/tfdiff.py
NS_KC=${TF_ID}kc
NS_KR=${TF_ID}kr
NS_KS=${TF_ID}ks
WAN_MTU=1400
LAN_MAC=02:00:00:00:01:00
WAN_MAC=02:00:00:00:02:00

in_kr() { ip netns exec "$NS_KR" "$@"; }

for tool in iptables-restore iptables-save ethtool conntrack; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$TF_NAME: $tool is installed (contrib/install-deps.sh)"
		exit 1
	fi
done

# Both ends of a veth pair get the same MAC: with ARP off, the kernel sends
# to its own MAC, which the peer then takes as its own (PACKET_HOST).
kernel_link()
{
	local name=$1 ns_a=$2 ns_b=$3 mac=$4 mtu=$5 ns
	ip link add "$name" netns "$ns_a" address "$mac" mtu "$mtu" type veth \
		peer name "$name" netns "$ns_b" address "$mac" mtu "$mtu" || return 1
	for ns in "$ns_a" "$ns_b"; do
		ip netns exec "$ns" ethtool -K "$name" tx off rx off tso off gso off gro off \
			>/dev/null 2>&1
		ip -n "$ns" link set "$name" arp off up || return 1
	done
}

# The kernel router from scratch: its namespaces (and the veth pairs, which
# go with them) deleted if there, then made again.
kernel_lab_renew()
{
	local ns keep=()
	for ns in "$NS_KC" "$NS_KR" "$NS_KS"; do
		ip netns del "$ns" 2>/dev/null
	done
	for ns in "${TF_NAMESPACES[@]}"; do
		case $ns in
		"$NS_KC" | "$NS_KR" | "$NS_KS") ;;
		*) keep+=("$ns") ;;
		esac
	done
	TF_NAMESPACES=("${keep[@]}")
	kernel_lab_up
}

kernel_lab_up()
{
	tf_ns_add "$NS_KC" && tf_ns_add "$NS_KR" && tf_ns_add "$NS_KS" &&
		kernel_link "$LAN_IF" "$NS_KC" "$NS_KR" "$LAN_MAC" 1500 &&
		kernel_link "$WAN_IF" "$NS_KR" "$NS_KS" "$WAN_MAC" "$WAN_MTU" &&
		ip -n "$NS_KC" addr add "$LAN_HOST/24" dev "$LAN_IF" &&
		ip -n "$NS_KR" addr add "$LAN_ROUTER/24" dev "$LAN_IF" &&
		ip -n "$NS_KR" addr add "$WAN_ROUTER/24" dev "$WAN_IF" &&
		ip -n "$NS_KS" addr add "$WAN_HOST/24" dev "$WAN_IF" &&
		ip -n "$NS_KC" route add default dev "$LAN_IF" &&
		ip -n "$NS_KS" route add default dev "$WAN_IF" &&
		ip -n "$NS_KR" route add 10.20.0.0/16 dev "$WAN_IF" &&
		in_kr sysctl -q -w net.ipv4.ip_forward=1 \
			"net.ipv4.conf.$LAN_IF.rp_filter=0" "net.ipv4.conf.$WAN_IF.rp_filter=0" \
			>/dev/null &&
		hosts_silent "$NS_KC" "$NS_KS"
}

# The end hosts must not answer what the router lets through.
hosts_silent()
{
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" iptables -t raw -A PREROUTING -j DROP || return 1
	done
}

# The kernel tracks connections (and so reassembles forwarded fragments)
# only once a rule needs it, and so does tunfilterd with [conntrack]
# enable = auto, its default, which the configuration below leaves in
# force so that the comparison covers that rule too. This guess of the
# same rule only says which rulesets have conntrack tables to compare.
diff_conntrack()
{
	if grep -Eq -- '-m (state|conntrack|connmark)|-j (CT|CONNMARK|NOTRACK)|^\*nat' "$1"; then
		echo yes
	else
		echo no
	fi
}

probe()
{
	local lan=$1 wan=$2 pkts=$3 out=$4
	"$TF_PY" "$DIFF_PY" probe "$lan" "$wan" "$pkts" >"$out" 2>"$out.err"
}

run_ruleset()
{
	local rules=$1 name pkts dir ct
	name=$(basename "$rules" .rules)
	pkts=${rules%.rules}.pkts
	dir=$TF_TMP/$name
	mkdir -p "$dir"
	if [ ! -f "$pkts" ]; then
		not_ok "differential $name: no packet file $(basename "$pkts")"
		return
	fi

	if ! kernel_lab_renew >"$dir/kernel-lab.log" 2>&1; then
		not_ok "differential $name: set up the kernel router namespaces" \
			"$dir/kernel-lab.log"
		return
	fi
	if ! in_kr iptables-restore <"$rules" >"$dir/kernel-load.log" 2>&1; then
		not_ok "differential $name: iptables-restore takes the ruleset" "$dir/kernel-load.log"
		return
	fi
	if ! probe "$NS_KC,$LAN_IF,$LAN_MAC,$LAN_HOST,10.1.0.0/24" \
		"$NS_KS,$WAN_IF,$WAN_MAC,$WAN_HOST,10.2.0.0/24" "$pkts" "$dir/kernel.json"; then
		not_ok "differential $name: probe the kernel router" "$dir/kernel.json.err"
		return
	fi
	ct=$(diff_conntrack "$rules")
	if [ "$ct" = yes ] && ! in_kr conntrack -L >"$dir/kernel.ct" 2>"$dir/kernel.ct.err"; then
		not_ok "differential $name: conntrack -L in the kernel router" "$dir/kernel.ct.err"
		ct=no
	fi
	if ! in_kr iptables-save -c >"$dir/kernel.save" 2>&1; then
		not_ok "differential $name: iptables-save -c" "$dir/kernel.save"
		return
	fi

	tf_rules_config "$rules"
	if ! tf_daemon_start; then
		not_ok "differential $name: tunfilterd starts with the ruleset" "$TF_LOG"
		tf_daemon_stop
		return
	fi
	if ! probe "$NS_LAN,$LAN_IF,-,$LAN_HOST,10.1.0.0/24" \
		"$NS_WAN,$WAN_IF,-,$WAN_HOST,10.2.0.0/24" "$pkts" "$dir/ours.json"; then
		not_ok "differential $name: probe tunfilterd" "$dir/ours.json.err"
		tf_daemon_stop
		return
	fi
	if ! tfctl save --counters >"$dir/ours.save" 2>&1; then
		not_ok "differential $name: tunfilter save --counters" "$dir/ours.save"
		rm -f "$dir/ours.save"
	fi
	if [ "$ct" = yes ] && ! tfctl -j conntrack -L >"$dir/ours.ct" 2>"$dir/ours.ct.err"; then
		not_ok "differential $name: tunfilter -j conntrack -L" "$dir/ours.ct.err"
		ct=no
	fi
	if ! tf_daemon_alive; then
		not_ok "differential $name: tunfilterd survives the packets" "$TF_LOG"
		tf_daemon_stop
		return
	fi
	tf_daemon_stop

	if [ -f "$dir/ours.save" ]; then
		run_tap "$TF_PY" "$DIFF_PY" compare "$name" "$dir/kernel.json" "$dir/ours.json" \
			"$dir/kernel.save" "$dir/ours.save" "$rules"
	else
		run_tap "$TF_PY" "$DIFF_PY" compare "$name" "$dir/kernel.json" "$dir/ours.json"
	fi
	if [ "$ct" = yes ]; then
		run_tap "$TF_PY" "$DIFF_PY" ctcompare "$name" "$dir/kernel.ct" "$dir/ours.ct"
	fi
	# Captures and save texts, for a closer look (DIFF_KEEP).
	if [ -n "${DIFF_KEEP:-}" ]; then
		mkdir -p "$DIFF_KEEP" && cp -r "$dir" "$DIFF_KEEP/"
	fi
}

if ! tf_netns_up || ! hosts_silent "$NS_LAN" "$NS_WAN"; then
	not_ok "$TF_NAME: set up the tunfilterd namespaces"
	exit 1
fi

shopt -s nullglob
sets=("$DIFF_DATA/${DIFF_ONLY:-}"*.rules)
if [ ${#sets[@]} -lt 10 ] && [ -z "${DIFF_ONLY:-}" ]; then
	not_ok "$TF_NAME: at least ten rulesets in $DIFF_DATA (found ${#sets[@]})"
fi
for rules in "${sets[@]}"; do
	run_ruleset "$rules"
done
