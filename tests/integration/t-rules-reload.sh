#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A rules file with an error, by `tunfilter reload`, SIGHUP or `tunfilter
# restore`, is refused with FILE:LINE and leaves the running rules in
# force: the traffic behaves as before, nothing of the bad file (not even
# a good table before the bad one) is applied, the counters go on. At
# start, a bad rules file refuses the start. A good file then applies.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | ping, connect    | TUN  |  rules = rules.v4       | TUN  | TCP :5001 :5002  |
#  |                  |      |  FORWARD DROP, :5001 ok |      | capture on wan0  |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

good_rules()
{
	cat <<-EOF
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	-A FORWARD -p icmp -m comment --comment icmp -j ACCEPT
	-A FORWARD -d $WAN_HOST/32 -p tcp -m tcp --dport 5001 -j ACCEPT
	-A FORWARD -s $WAN_HOST/32 -p tcp -m tcp --sport 5001 -j ACCEPT
	COMMIT
	EOF
}

good_rules | tf_rules_write
cp "$TF_RULES" "$TF_TMP/good.v4"
tf_rules_config
tf_lab_up
tcp_server "$NS_WAN" 5001 || exit 1
tcp_server "$NS_WAN" 5002 || exit 1
cap=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$cap" || exit 1

connect() { in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" "$@"; }

# The behaviour of the good rules, after LABEL; pings counted in $pings.
pings=0
as_before()
{
	check "$1: ping lan -> wan passes" in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST"
	pings=$((pings + 4))
	check "$1: TCP to :5001 connects" connect 5001 connected 3
	check "$1: TCP to :5002 still times out" connect 5002 timeout 1
}

as_before "start"
check_counts "start: the icmp rule counted 2 requests and 2 replies" icmp $pings

# bad_file NAME: rules.v4 becomes the good rules with stdin inserted
# before the filter table's COMMIT; bad_line is the line of the first
# inserted line that contains "BAD" (the marker is removed).
bad_file()
{
	local extra
	extra=$(cat)
	good_rules | awk -v x="$extra" '$0 == "COMMIT" { print x } { print }' >"$TF_TMP/$1.v4"
	bad_line=$(grep -n 'BAD' "$TF_TMP/$1.v4" | head -n 1 | cut -d: -f1)
	sed -i 's/ *BAD$//' "$TF_TMP/$1.v4"
}

# reload_refused TEXT FILE LINE TOKEN: `tunfilter reload` with FILE as the
# rules exits 1 and names FILE:LINE (and TOKEN, if given).
reload_refused()
{
	local text=$1 file=$2 line=$3 token=${4:-} out rc
	cp "$file" "$TF_RULES"
	out=$(tfctl reload 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF "$TF_RULES:$line:" &&
		printf '%s\n' "$out" | grep -qF -- "$token"; then
		ok "$text: reload exits 1 with $(printf '%s' "$out" | grep -F "$TF_RULES:" |
			head -n 1 | sed "s|$TF_TMP/||")"
	else
		printf '%s\nexit %s; expected %s:%s: and "%s"\n' "$out" $rc "$TF_RULES" "$line" \
			"$token" >"$TF_TMP/out"
		not_ok "$text: reload exits 1 naming $TF_RULES:$line:" "$TF_TMP/out"
	fi
}

# 1. A syntax error after a good rule that would open :5002.
bad_file syntax <<EOF
-A FORWARD -d $WAN_HOST/32 -p tcp -m tcp --dport 5002 -j ACCEPT
-A FORWARD -s $WAN_HOST/32 -p tcp -m tcp --sport 5002 -j ACCEPT
-A FORWARD -p tcp -m tcp --dprot 5003 -j ACCEPT BAD
EOF
reload_refused "unknown option" "$TF_TMP/syntax.v4" "$bad_line" "--dprot"
as_before "after the refused reload"
check_counts "the icmp rule's count went on ($pings)" icmp $pings

# 2. An error found only when the whole ruleset is validated: a jump
#    loop, reported at the rule that closes it.
bad_file loop <<EOF
-A FORWARD -d $WAN_HOST/32 -p tcp -m tcp --dport 5002 -j ACCEPT
-N LOOPA
-N LOOPB
-A LOOPA -j LOOPB
-A LOOPB -j LOOPA BAD
-A FORWARD -p udp -j LOOPA
EOF
reload_refused "jump loop" "$TF_TMP/loop.v4" "$bad_line" "loop"
as_before "after the refused loop"

# 3. Two tables: a good mangle table first, then the bad filter table.
#    Neither applies (the TTL of forwarded pings stays 63).
{
	cat <<-EOF
	*mangle
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	-A FORWARD -p icmp -j TTL --ttl-set 5
	COMMIT
	EOF
	cat "$TF_TMP/syntax.v4"
} >"$TF_TMP/twotables.v4"
bad_line=$(grep -n -- '--dprot' "$TF_TMP/twotables.v4" | cut -d: -f1)
reload_refused "good mangle table, bad filter table" "$TF_TMP/twotables.v4" "$bad_line" \
	"--dprot"
: >"$cap"
as_before "after the refused two-table file"
check_captured "the forwarded pings still arrive with TTL 63 (mangle not applied)" "$cap" \
	"^src=$LAN_HOST dst=$WAN_HOST proto=1 ttl=63 "
check_fails "no ping arrived with TTL 5" captured "$cap" "proto=1 ttl=5 "

# 4. A table without COMMIT.
good_rules | grep -v '^COMMIT$' >"$TF_TMP/nocommit.v4"
cp "$TF_TMP/nocommit.v4" "$TF_RULES"
out=$(tfctl reload 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF "$TF_RULES:"; then
	ok "a table without COMMIT: reload exits 1 ($(printf '%s' "$out" | head -n 1 |
		sed "s|$TF_TMP/||"))"
else
	printf '%s\nexit %s\n' "$out" $rc >"$TF_TMP/out"
	not_ok "a table without COMMIT: reload exits 1 naming $TF_RULES:" "$TF_TMP/out"
fi
as_before "after the refused file without COMMIT"

# 5. SIGHUP with the syntax error: the error goes to the log.
cp "$TF_TMP/syntax.v4" "$TF_RULES"
line=$(grep -n -- '--dprot' "$TF_RULES" | cut -d: -f1)
log_has() { grep -qF "$1" "$TF_LOG"; }
n_before=$(grep -cF "$TF_RULES:$line:" "$TF_LOG")
log_grew() { [ "$(grep -cF "$TF_RULES:$line:" "$TF_LOG")" -gt "$n_before" ]; }
kill -HUP "$TF_PID"
if wait_for 10 log_grew; then
	ok "SIGHUP with the bad file: the log names $(grep -F "$TF_RULES:$line:" "$TF_LOG" |
		tail -n 1 | sed "s|.*$TF_TMP/||")"
else
	not_ok "SIGHUP with the bad file: the log names $TF_RULES:$line:" "$TF_LOG"
fi
as_before "after SIGHUP with the bad file"
check_counts "the icmp rule's count went on through every refusal ($pings)" icmp $pings

# 6. --check-config and a start with the bad file.
check_output "tunfilterd --check-config names $TF_RULES:$line:" "$TF_RULES:$line:" \
	"$TUNFILTERD" -c "$TF_CONF" --check-config
check_fails "tunfilterd --check-config exits non-zero" "$TUNFILTERD" -c "$TF_CONF" --check-config
# A second daemon with its own socket and links, the bad rules: it must
# refuse to start, before it makes any link.
tf_write_config "$TF_TMP/second.conf" <<EOF
[daemon]
control_socket = $TF_TMP/second.sock
rules = $TF_RULES

[interface lan9]
address = 10.9.0.1/24
netns = $NS_LAN
peer_address = 10.9.0.2/24
EOF
out=$(timeout 20 ip netns exec "$NS_GW" "$TUNFILTERD" -f -c "$TF_TMP/second.conf" 2>&1 </dev/null)
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s\n' "$out" | grep -qF "$TF_RULES:$line:"; then
	ok "a daemon started with the bad file refuses to start (exit $rc, FILE:LINE)"
else
	printf '%s\nexit %s\n' "$out" $rc >"$TF_TMP/out"
	not_ok "a daemon started with the bad file refuses to start, naming $TF_RULES:$line:" \
		"$TF_TMP/out"
fi
check_fails "... and left no link behind" ip -n "$NS_LAN" link show dev lan9

# 7. tunfilter restore with an error: stdin:LINE, nothing changes.
out=$(tfctl restore <"$TF_TMP/syntax.v4" 2>&1)
rc=$?
line=$(grep -n -- '--dprot' "$TF_TMP/syntax.v4" | cut -d: -f1)
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "stdin:$line:"; then
	ok "restore of the bad file: exit 1, $(printf '%s' "$out" | head -n 1)"
else
	printf '%s\nexit %s\n' "$out" $rc >"$TF_TMP/out"
	not_ok "restore of the bad file: exit 1 naming stdin:$line:" "$TF_TMP/out"
fi
line=$(grep -n -- '-A LOOPB -j LOOPA' "$TF_TMP/loop.v4" | cut -d: -f1)
check_output "restore of the file with a jump loop: stdin:$line: jump loop" \
	"stdin:$line: .*loop" tfctl restore <"$TF_TMP/loop.v4"
out=$(tfctl restore <"$TF_TMP/twotables.v4" 2>&1)
rc=$?
if [ $rc -eq 1 ]; then
	ok "restore of the two-table file: exit 1, $(printf '%s' "$out" | head -n 1)"
else
	printf '%s\nexit %s\n' "$out" $rc >"$TF_TMP/out"
	not_ok "restore of the two-table file: exit 1" "$TF_TMP/out"
fi
check_fails "... the mangle table is not in the saved rules" \
	sh -c "$(printf '%q ' "$TUNFILTER" --socket "$TF_SOCK") save | grep -q -- '--ttl-set'"
as_before "after the refused restores"
cp "$TF_TMP/good.v4" "$TF_RULES"
sed 's/--dport 5001/--dport 5002/; s/--sport 5001/--sport 5002/' "$TF_TMP/good.v4" \
	>"$TF_TMP/open5002.v4"
check "restore --test of a good file: exit 0" sh -c \
	"$(printf '%q ' "$TUNFILTER" --socket "$TF_SOCK") restore --test <$TF_TMP/open5002.v4"
check "... and it changed nothing: :5002 still times out" connect 5002 timeout 1

# 8. A good reload now applies: :5002 opens, :5001 closes.
cp "$TF_TMP/open5002.v4" "$TF_RULES"
check "reload of a good file: exit 0" tfctl reload
check "after the good reload: TCP to :5002 connects" connect 5002 connected 3
check "after the good reload: TCP to :5001 times out" connect 5001 timeout 1
check "after the good reload: ping passes" in_lan ping -c 1 -W 2 "$WAN_HOST"

# 9. And a good restore applies too: back to the first rules.
check "restore of the first rules: exit 0" tfctl restore "$TF_TMP/good.v4"
check "after the restore: TCP to :5001 connects" connect 5001 connected 3
check "after the restore: TCP to :5002 times out" connect 5002 timeout 1
