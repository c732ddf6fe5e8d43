#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tunfilter conntrack: -L shows the entries (text as conntrack(8), JSON
# with -j, filters), an entry expires after its shortened timeout, -E
# reports NEW, UPDATE and DESTROY, -D deletes, -F flushes, -C counts, -S
# shows the counters.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | UDP, TCP clients | TUN  |  [conntrack]            | TUN  | UDP echo :5004   |
#  |                  |      |  udp_timeout = 3        |      | TCP :5002        |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

TF_CT="$TF_LIBDIR/tfct.py"

tf_conntrack_config - <<EOF
udp_timeout = 3
udp_timeout_stream = 3
EOF
tf_lab_up

udp_echo "$NS_WAN" 5004 || exit 1
tcp_server "$NS_WAN" 5002 || exit 1

# Two event listeners, text and JSON; they are listening once a probe
# datagram's NEW event reaches them.
ev=$TF_TMP/events.txt
evj=$TF_TMP/events.json
tf_bg "$TUNFILTER" --socket "$TF_SOCK" conntrack -E >"$ev" 2>&1
tf_bg "$TUNFILTER" --socket "$TF_SOCK" -j conntrack -E -e NEW,DESTROY >"$evj" 2>&1
probe=30000
listening()
{
	probe=$((probe + 1))
	in_lan "$TF_PY" "$TF_CT" udp-flows "$WAN_HOST" 5999 1 "$probe" >/dev/null
	grep -q "sport=$probe " "$ev" && grep -q "\"sport\":$probe," "$evj"
}
if ! wait_for 10 listening; then
	not_ok "conntrack -E listeners start" "$ev"
	exit 1
fi
ok "conntrack -E listeners receive events"

# One UDP exchange from port 40001.
t0=$(date +%s%N)
check "a UDP exchange with the WAN echo" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40001 1
re_udp="^udp +17 [0-3] src=$LAN_HOST dst=$WAN_HOST sport=40001 dport=5004 packets=1 bytes=35"
re_udp+=" src=$WAN_HOST dst=$LAN_HOST sport=5004 dport=40001 packets=1 bytes=35 mark=0 use=1$"
check_output "conntrack -L shows the entry as conntrack(8) does" "$re_udp" \
	tfctl conntrack -L
check_output "-L -p udp --sport 40001 finds it" "sport=40001" \
	tfctl conntrack -L -p udp --sport 40001
check_output "-L says how many it showed" "1 flow entries have been shown" \
	tfctl conntrack -L -p udp --orig-port-src 40001 -s "$LAN_HOST" -r "$WAN_HOST/24"
check_output "-L -p tcp does not show it" "^tunfilter: 0 flow entries" \
	tfctl conntrack -L -p tcp --sport 40001
check_output "-L --dport 5005 does not show it" "^tunfilter: 0 flow entries" \
	tfctl conntrack -L --dport 5005
json_has_flow()
{
	tfctl -j conntrack -L -p udp | "$TF_PY" -c '
import json, sys
entries = json.load(sys.stdin)
sys.exit(0 if any(e["orig"]["sport"] == 40001 and e["reply"]["src"] == "'"$WAN_HOST"'"
                  and "SEEN_REPLY" in e["status"] and e["proto"] == "udp" for e in entries) else 1)'
}
check "-j -L gives the entry as JSON" json_has_flow
check_output "-C counts the entries" "^[1-9][0-9]*$" tfctl conntrack -C

# Expiry: udp_timeout 3 s after the last packet, not the 30 s default.
gone()
{
	tfctl conntrack -L -p udp --sport 40001 2>&1 | grep -q "^tunfilter: 0 flow entries"
}
if wait_for 10 gone; then
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "$ms" -ge 2500 ] && [ "$ms" -le 7000 ]; then
		ok "the entry expired after its 3 s timeout (gone after $ms ms)"
	else
		not_ok "the entry expired after its 3 s timeout (gone after $ms ms)"
	fi
else
	not_ok "the entry expired within 10 s" "$ev"
fi
destroyed()
{
	grep -Eq "^\[DESTROY\] udp +17 src=$LAN_HOST dst=$WAN_HOST sport=40001 dport=5004 " "$ev"
}
if wait_for 5 destroyed; then
	ok "-E reported DESTROY"
else
	not_ok "-E reported DESTROY" "$ev"
fi
check_output "-E reported NEW, with the full timeout and [UNREPLIED]" \
	"^ +\[NEW\] udp +17 3 src=$LAN_HOST dst=$WAN_HOST sport=40001 dport=5004 \[UNREPLIED\] src=" \
	cat "$ev"
check_output "-E reported UPDATE when the answer came" \
	"^ \[UPDATE\] udp +17 3 src=$LAN_HOST dst=$WAN_HOST sport=40001 dport=5004 src=" cat "$ev"
check_output "-j -E reported NEW as JSON" "\"event\":\"NEW\",\"proto\":\"udp\".*\"sport\":40001," \
	cat "$evj"
check_output "-j -E reported DESTROY as JSON" "\"event\":\"DESTROY\".*\"sport\":40001," \
	cat "$evj"
check_fails "-e NEW,DESTROY kept UPDATE out of the JSON stream" grep -q '"UPDATE"' "$evj"

# TCP: a connection held open is ESTABLISHED and ASSURED.
held=$TF_TMP/held.out
tf_bg ip netns exec "$NS_LAN" "$TF_PY" "$TF_CT" hold "$WAN_HOST" 5002 1 >"$held" 2>&1
wait_for 10 grep -q '^ready ' "$held" || not_ok "a TCP connection stays open" "$held"
lport=$(awk '/^ready/ { print $2 }' "$held")
check_output "-L -p tcp --state ESTABLISHED shows the held connection" \
	"^tcp +6 43[12][0-9]{3} ESTABLISHED src=$LAN_HOST dst=$WAN_HOST sport=$lport dport=5002 .* \[ASSURED\] mark=0 use=1$" \
	tfctl conntrack -L -p tcp --state ESTABLISHED
check_output "-L -u ASSURED shows it too" "sport=$lport" tfctl conntrack -L -u ASSURED,SEEN_REPLY

# -D, -F, -S.
in_lan "$TF_PY" "$TF_CT" udp-flows "$WAN_HOST" 5004 3 41000 >/dev/null
check_output "-D --sport 41001 deletes one entry" "^tunfilter: 1 flow entries have been deleted" \
	tfctl conntrack -D -p udp --sport 41001
check_output "... and it is gone" "^tunfilter: 0 flow entries" tfctl conntrack -L --sport 41001
check_output "... the others stay" "^tunfilter: 1 flow entries" tfctl conntrack -L --sport 41002
check_output "-S shows the counters" \
	"^cpu=0 +	found=[0-9]+ invalid=[0-9]+ insert=[1-9][0-9]* insert_failed=0 drop=0 early_drop=0 error=[0-9]+ search_restart=0 clash_resolve=[0-9]+ chaintoolong=0$" \
	tfctl conntrack -S
check_output "-F empties the table" "table has been emptied" tfctl conntrack -F
check_output "-C is 0 after -F" "^0$" tfctl conntrack -C
check_output "a bad option is named" "unknown option \"--bogus\"" tfctl conntrack -L --bogus 1
check_output "... and exits 2" "^exit 2$" tfctl conntrack -L --bogus 1
check_output "a bad state name is named, exit 2" "unknown TCP state \"OPEN\"" \
	tfctl conntrack -L --state OPEN
check_output "-F takes no filter" "takes no filter" tfctl conntrack -F -p tcp

# Off on reload: every entry forgotten, the command says so; on again.
sed -i 's/^enable = yes$/enable = no/' "$TF_CONF"
check "reload with enable = no" tfctl reload
check_output "conntrack -L: tracking is off, exit 1" "connection tracking is off" \
	tfctl conntrack -L
check_output "... exit status 1" "^exit 1$" tfctl conntrack -L
check "traffic still flows" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40009 1
sed -i 's/^enable = no$/enable = yes/' "$TF_CONF"
check "reload with tracking on again" tfctl reload
check "traffic is tracked again" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40010 1
check_output "the new flow is listed" "sport=40010 dport=5004" tfctl conntrack -L -p udp

# enable = auto (the default): nothing is tracked until a rule needs it, as
# the kernel registers its conntrack hooks only for a ruleset that asks.
# Tracking that runs stays on when auto comes in: go through off first.
sed -i 's/^enable = yes$/enable = no/' "$TF_CONF"
check "reload with enable = no" tfctl reload
sed -i 's/^enable = no$/enable = auto/' "$TF_CONF"
check "reload with enable = auto" tfctl reload
check "traffic flows untracked" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40011 1
check_output "auto without a rule that needs it: nothing tracked" "^0$" tfctl conntrack -C
check "a state rule goes in" tfctl -A FORWARD -m state --state INVALID -j DROP
check "traffic after the rule" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40012 1
check_output "... is tracked" "sport=40012 dport=5004" tfctl conntrack -L -p udp
check "the rule goes again" tfctl -D FORWARD -m state --state INVALID -j DROP
check "traffic after that" in_lan "$TF_PY" "$TF_CT" udp-talk "$WAN_HOST" 5004 40013 1
check_output "... is still tracked (auto never stops)" "sport=40013 dport=5004" \
	tfctl conntrack -L -p udp
