#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tunfilter as iptables: the fail2ban command sequence with iptables' exit
# statuses and messages, rules that act on real traffic, -L -v -x counters
# equal to the packets sent, -L -Z, -L -j, save | restore as the identity,
# a restore with an error that leaves the old rules in force, monitor trace
# and simulate.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd 10.1.0.1     |<====>| wan0 10.2.0.2/24 |
#  | ping, tcp :22    | TUN  |            10.2.0.1     | TUN  | ping target      |
#  +------------------+      |   control.sock <--------+----- tunfilter -A/-L/save/
#                            +-------------------------+       restore/monitor/simulate
#
# The socket is a path in the file system: the tool runs from the
# script's own namespace.

. "$(dirname "$0")/lib.sh"

tf_lab_up

# expect_status TEXT STATUS STDERR-SUBSTRING CMD...: CMD exits STATUS and,
# when the substring is not empty, says it (stdout and stderr together).
expect_status()
{
	local text=$1 want=$2 msg=$3 out rc
	shift 3
	out=$(mktemp "$TF_TMP/status.XXXXXX")
	"$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && { [ -z "$msg" ] || grep -qF -- "$msg" "$out"; }; then
		ok "$text"
	else
		echo "command: $* (exit $rc, expected $want and \"$msg\")" >>"$out"
		not_ok "$text" "$out"
	fi
	rm -f "$out"
}

# "PKTS BYTES" of rule N of CHAIN, from -L -v -x (the first two columns).
rule_counts()
{
	tfctl -L "$1" "$2" -v -x -n | awk '{ print $1, $2 }'
}

# The saved text without its dated comment lines, and with the policy
# counters as zero: traffic moves them, and restore without --counters
# starts them from zero, as iptables-restore does.
save_plain()
{
	tfctl save "$@" | grep -v '^#' | sed -E 's/^(:.*) \[[0-9]+:[0-9]+\]$/\1 [0:0]/'
}

# --- the fail2ban sequence (action iptables-multiport, fail2ban 0.11) ---
#
# start:   { -C f2b-sshd -j RETURN; } || { -N f2b-sshd || true; -A f2b-sshd -j RETURN; }
#          { -C INPUT <rule>; } || { -I INPUT <rule> }
# check:   -C INPUT <rule>
# ban:     -I f2b-sshd 1 -s IP -j REJECT --reject-with icmp-port-unreachable
# unban:   -D f2b-sshd -s IP -j REJECT --reject-with icmp-port-unreachable
# stop:    -D INPUT <rule>; -F f2b-sshd; -X f2b-sshd
# All with -w, as fail2ban's <lockingopt>.

f2b_in="-p tcp -m multiport --dports 22 -j f2b-sshd"
ban="-s $LAN_HOST -j REJECT --reject-with icmp-port-unreachable"

expect_status "fail2ban start: -C f2b-sshd -j RETURN fails before the chain exists" 1 "" \
	tfctl -w -C f2b-sshd -j RETURN
expect_status "fail2ban start: -N f2b-sshd" 0 "" tfctl -w -N f2b-sshd
expect_status "fail2ban start: -A f2b-sshd -j RETURN" 0 "" tfctl -w -A f2b-sshd -j RETURN
expect_status "fail2ban start: -C f2b-sshd -j RETURN now succeeds" 0 "" \
	tfctl -w -C f2b-sshd -j RETURN
expect_status "fail2ban start: -C INPUT ... -j f2b-sshd: exit 1 with iptables' message" 1 \
	"tunfilter: Bad rule (does a matching rule exist in that chain?)." tfctl -w -C INPUT $f2b_in
expect_status "fail2ban start: -I INPUT -p tcp -m multiport --dports 22 -j f2b-sshd" 0 "" \
	tfctl -w -I INPUT $f2b_in
expect_status "fail2ban check: -C INPUT ... -j f2b-sshd: exit 0" 0 "" tfctl -w -C INPUT $f2b_in
expect_status "fail2ban: -N f2b-sshd again is 'Chain already exists.' (exit 1)" 1 \
	"tunfilter: Chain already exists." tfctl -N f2b-sshd
expect_status "fail2ban: -C of the ban before it: exit 1" 1 "Bad rule" tfctl -w -C f2b-sshd $ban
expect_status "fail2ban ban: -I f2b-sshd 1 -s $LAN_HOST -j REJECT" 0 "" \
	tfctl -w -I f2b-sshd 1 $ban
expect_status "fail2ban: -C of the ban: exit 0" 0 "" tfctl -w -C f2b-sshd $ban

tfctl -S >"$TF_TMP/S.txt" 2>&1
cat >"$TF_TMP/S.want" <<EOF
-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-N f2b-sshd
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A f2b-sshd -s $LAN_HOST/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
EOF
if diff -u "$TF_TMP/S.want" "$TF_TMP/S.txt" >"$TF_TMP/S.diff"; then
	ok "fail2ban: -S prints the rules as iptables does"
else
	not_ok "fail2ban: -S prints the rules as iptables does" "$TF_TMP/S.diff"
fi

check "fail2ban: the banned host's connection to port 22 is refused" \
	in_lan "$TF_PY" "$TF_HELPER" tcp-refused "$LAN_ROUTER" 22
counts=$(rule_counts f2b-sshd 1)
if [ "${counts%% *}" -ge 1 ] 2>/dev/null; then
	ok "fail2ban: the REJECT rule counted the SYN ($counts)"
else
	not_ok "fail2ban: the REJECT rule counted the SYN (got '$counts')"
fi

expect_status "fail2ban unban: -D f2b-sshd -s $LAN_HOST -j REJECT" 0 "" tfctl -w -D f2b-sshd $ban
expect_status "fail2ban: -C of the ban after -D: exit 1 with iptables' message" 1 \
	"tunfilter: Bad rule (does a matching rule exist in that chain?)." tfctl -w -C f2b-sshd $ban
expect_status "fail2ban: -D of the ban again: exit 1" 1 "Bad rule" tfctl -w -D f2b-sshd $ban
check "fail2ban: after the unban the connection is refused by the router's stack, not the rule" \
	in_lan "$TF_PY" "$TF_HELPER" tcp-refused "$LAN_ROUTER" 22
expect_status "fail2ban stop: -D INPUT -p tcp -m multiport --dports 22 -j f2b-sshd" 0 "" \
	tfctl -w -D INPUT $f2b_in
expect_status "fail2ban stop: -F f2b-sshd" 0 "" tfctl -w -F f2b-sshd
expect_status "fail2ban stop: -X f2b-sshd" 0 "" tfctl -w -X f2b-sshd
expect_status "fail2ban: -C INPUT ... after stop: exit 2, the chain is gone" 2 \
	"tunfilter: Chain 'f2b-sshd' does not exist" tfctl -w -C INPUT $f2b_in
expect_status "-L of the deleted chain: exit 1" 1 "No chain/target/match by that name." \
	tfctl -L f2b-sshd
expect_status "an unknown option: exit 2 and iptables' hint" 2 \
	"Try \`tunfilter -h' or 'tunfilter --help' for more information." \
	tfctl -A INPUT --frobnicate
expect_status "a bad policy: exit 1" 1 "Bad policy name" tfctl -P FORWARD RETURN
expect_status "-o on INPUT: exit 2" 2 "Can't use -o with INPUT" tfctl -A INPUT -o wan0

# --- counters equal the packets sent ---------------------------------------

tfctl -A FORWARD -p icmp -s "$LAN_HOST" -d "$WAN_HOST" -j ACCEPT
tfctl -Z
check "counters: lan pings wan 5 times" in_lan ping -c 5 -i 0.2 -W 2 "$WAN_HOST"
counts=$(rule_counts FORWARD 1)
if [ "$counts" = "5 420" ]; then
	ok "counters: -L -v -x shows the 5 echo requests, 420 bytes"
else
	not_ok "counters: -L -v -x shows 5 packets, 420 bytes (got '$counts')"
fi
if tfctl -L FORWARD -v -x -n | grep -qF "Chain FORWARD (policy ACCEPT 5 packets, 420 bytes)"; then
	ok "counters: the policy counted the 5 replies"
else
	tfctl -L FORWARD -v -x -n >"$TF_TMP/L.txt" 2>&1
	not_ok "counters: the policy counted the 5 replies" "$TF_TMP/L.txt"
fi
counts=$(tfctl -L FORWARD 1 -v -x -n -Z | awk 'NR == 1 { print $1, $2 }')
after=$(rule_counts FORWARD 1)
if [ "$counts" = "5 420" ] && [ "$after" = "0 0" ]; then
	ok "counters: -L -Z lists 5 packets and leaves 0"
else
	not_ok "counters: -L -Z lists 5 packets and leaves 0 (listed '$counts', then '$after')"
fi
if tfctl -L -j >"$TF_TMP/L.json" 2>&1 && "$TF_PY" -m json.tool "$TF_TMP/L.json" >/dev/null; then
	ok "-L -j prints JSON that parses"
else
	not_ok "-L -j prints JSON that parses" "$TF_TMP/L.json"
fi

# --- save | restore -------------------------------------------------------

tfctl -N web
tfctl -A web -p tcp -m multiport --dports 80,443 -m comment --comment "web in" -j ACCEPT
tfctl -A FORWARD -i "$WAN_IF" -j web
tfctl -t mangle -A PREROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400
save_plain >"$TF_TMP/save1"
tfctl save | tfctl restore
save_plain >"$TF_TMP/save2"
if [ -s "$TF_TMP/save1" ] && diff -u "$TF_TMP/save1" "$TF_TMP/save2" >"$TF_TMP/save.diff"; then
	ok "save | restore is the identity"
else
	not_ok "save | restore is the identity" "$TF_TMP/save.diff"
fi
tfctl save >"$TF_TMP/rules.v4"
expect_status "restore FILE reads the file" 0 "" tfctl restore "$TF_TMP/rules.v4"
save_plain >"$TF_TMP/save3"
check "restore FILE: the same rules" diff -u "$TF_TMP/save1" "$TF_TMP/save3"

printf '*filter\n:FORWARD DROP [0:0]\n-F\n-A INPUT -p tcp --dport 22 -j nochain\nCOMMIT\n' \
	>"$TF_TMP/bad.v4"
expect_status "restore with an error: exit 1, stdin:LINE: message" 1 "tunfilter: stdin:4: " \
	sh -c "\"\$@\" <'$TF_TMP/bad.v4'" sh "$TUNFILTER" --socket "$TF_SOCK" restore
expect_status "restore FILE with an error names FILE:LINE" 1 "$TF_TMP/bad.v4:4: " \
	tfctl restore "$TF_TMP/bad.v4"
save_plain >"$TF_TMP/save4"
check "restore with an error: the old rules are in force" \
	diff -u "$TF_TMP/save1" "$TF_TMP/save4"
check "restore with an error: the DROP policy was not applied (lan pings wan)" \
	in_lan ping -c 1 -W 2 "$WAN_HOST"
expect_status "restore --test of a good text: exit 0" 0 "" \
	sh -c "printf '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n' | \"\$@\"" sh \
	"$TUNFILTER" --socket "$TF_SOCK" restore --test
check "restore --test changed nothing (lan pings wan)" in_lan ping -c 1 -W 2 "$WAN_HOST"

# --- simulate -------------------------------------------------------------

check_output "simulate: an echo request from lan is forwarded out of wan0" \
	"^ACCEPT +sent out $WAN_IF" \
	tfctl simulate -i "$LAN_IF" -s "$LAN_HOST" -d "$WAN_HOST" -p icmp
tfctl -I FORWARD -p udp --dport 53 -j DROP
check_output "simulate: a DNS query stops at the new DROP rule" \
	"^FORWARD +filter +FORWARD +1 +DROP" \
	tfctl simulate -i "$LAN_IF" -s "$LAN_HOST" -d "$WAN_HOST" -p udp --dport 53
if tfctl -j simulate -i "$LAN_IF" -s "$LAN_HOST" -d "$WAN_HOST" -p udp --dport 53 \
	>"$TF_TMP/sim.json" 2>&1 && "$TF_PY" -m json.tool "$TF_TMP/sim.json" >/dev/null; then
	ok "simulate -j prints JSON that parses"
else
	not_ok "simulate -j prints JSON that parses" "$TF_TMP/sim.json"
fi
counts=$(rule_counts FORWARD 1)
if [ "$counts" = "0 0" ]; then
	ok "simulate counts nothing"
else
	not_ok "simulate counts nothing (the DROP rule shows '$counts')"
fi
tfctl -D FORWARD 1

# --- monitor trace ------------------------------------------------------

trace_has()
{
	in_lan ping -c 1 -W 1 "$WAN_HOST" >/dev/null 2>&1
	grep -q "$1" "$2"
}

tfctl -t raw -A PREROUTING -p icmp -s "$LAN_HOST" -j TRACE
tf_bg "$TUNFILTER" --socket "$TF_SOCK" monitor trace >"$TF_TMP/trace.txt" 2>&1
mon=$TF_BG_LAST
tf_bg "$TUNFILTER" --socket "$TF_SOCK" -j monitor trace >"$TF_TMP/trace.json" 2>&1
if wait_for 10 trace_has " filter FORWARD rule 1 (ACCEPT) in=$LAN_IF out=$WAN_IF $LAN_HOST > $WAN_HOST proto icmp" \
	"$TF_TMP/trace.txt"; then
	ok "monitor trace: the traced echo request shows, rule by rule"
else
	not_ok "monitor trace: the traced echo request shows, rule by rule" "$TF_TMP/trace.txt"
fi
if wait_for 10 trace_has '"verdict":"ACCEPT"' "$TF_TMP/trace.json" &&
	"$TF_PY" -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
		"$TF_TMP/trace.json"; then
	ok "monitor trace -j: one JSON object per line"
else
	not_ok "monitor trace -j: one JSON object per line" "$TF_TMP/trace.json"
fi
if grep -q "^trace id [0-9a-f]\{8\} raw PREROUTING rule 1 (TRACE (continue))" "$TF_TMP/trace.txt"; then
	ok "monitor trace: the TRACE rule itself is the first step"
else
	not_ok "monitor trace: the TRACE rule itself is the first step" "$TF_TMP/trace.txt"
fi
kill -TERM "$mon" 2>/dev/null
wait_pid 5 "$mon"

# A monitor that stops reading: the daemon queues at most 1 MiB for it,
# drops the rest and goes on forwarding; the monitor hears how many it lost
# once it reads again (within the 10 s the server waits for a writer).
tf_bg "$TUNFILTER" --socket "$TF_SOCK" monitor trace >"$TF_TMP/slow.txt" 2>&1
slow=$TF_BG_LAST
wait_for 10 trace_has "filter FORWARD" "$TF_TMP/slow.txt"
kill -STOP "$slow"
in_lan ping -f -c 4000 -W 1 "$WAN_HOST" >"$TF_TMP/flood.txt" 2>&1
if grep -q " 0% packet loss" "$TF_TMP/flood.txt"; then
	ok "monitor trace: a stalled monitor does not hold up forwarding (4000 pings)"
else
	not_ok "monitor trace: a stalled monitor does not hold up forwarding" "$TF_TMP/flood.txt"
fi
kill -CONT "$slow"
if wait_for 10 trace_has "^lost [0-9]* events" "$TF_TMP/slow.txt"; then
	ok "monitor trace: the stalled monitor is told how many events it lost"
	diag "$(grep -m 1 '^lost' "$TF_TMP/slow.txt")"
else
	not_ok "monitor trace: the stalled monitor is told how many events it lost" \
		"$TF_TMP/slow.txt"
fi
kill -TERM "$slow" 2>/dev/null
wait_pid 5 "$slow"
check "after a monitor left: the daemon answers" tfctl -L -n
check "after a monitor left: lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"
