# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# What the rules scripts (t-rules-*.sh) share, sourced after lib.sh: the
# lab configuration with a rules file, loading rules by `tunfilter reload`,
# reading per-rule counters back from `tunfilter save --counters`, and the
# background helpers of tfrules.py (a TCP server, a packet capture).
#
# Rules carry "-m comment --comment NAME" so that a script finds its rule
# in the saved text whatever canonical form the other options take.

TF_RULES=$TF_TMP/rules.v4
TF_RPY="$TF_LIBDIR/tfrules.py"

# tf_rules_config [RULES]: the standard lab configuration with
# "rules = RULES" (default $TF_RULES) in [daemon].
# shellcheck disable=SC2120
tf_rules_config()
{
	tf_default_config
	sed -i "/^\[daemon\]/a rules = ${1:-$TF_RULES}" "$TF_CONF"
}

# tf_rules_write <<EOF ... EOF: the rules file from a heredoc.
tf_rules_write()
{
	cat >"$TF_RULES"
}

# Write the rules file from stdin and apply it with `tunfilter reload`.
tf_rules_load()
{
	local out
	tf_rules_write
	if ! out=$(tfctl reload 2>&1); then
		printf '%s\n' "$out" >"$TF_TMP/reload.out"
		not_ok "tunfilter reload applies the rules" "$TF_TMP/reload.out"
		return 1
	fi
}

# --- counters -----------------------------------------------------------

# rule_counts NAME: "PKTS BYTES" of the rule commented NAME, from
# `tunfilter save --counters` ("[p:b] -A CHAIN ... --comment NAME ...").
rule_counts()
{
	tfctl save --counters 2>/dev/null |
		sed -En "s/^\[([0-9]+):([0-9]+)\] -A .*--comment \"?$1\"?( .*)?$/\1 \2/p" |
		head -n 1 | grep .
}

# policy_counts TABLE CHAIN: "PKTS BYTES" of a built-in chain's policy
# (":CHAIN POLICY [p:b]" in TABLE's part of the saved text).
policy_counts()
{
	tfctl save --counters 2>/dev/null |
		awk -v t="*$1" -v c=":$2" '/^\*/ { in_t = ($1 == t) }
			in_t && $1 == c { gsub(/[][]/, "", $3); split($3, a, ":"); print a[1], a[2] }' |
		grep .
}

# check_counts TEXT NAME PKTS [BYTES]: the rule NAME counted exactly that.
check_counts()
{
	local text=$1 name=$2 want_p=$3 want_b=${4:-} got
	got=$(rule_counts "$name")
	if [ -n "$got" ] && [ "${got% *}" = "$want_p" ] &&
		{ [ -z "$want_b" ] || [ "${got#* }" = "$want_b" ]; }; then
		ok "$text (rule $name: ${got% *} packets, ${got#* } bytes)"
	else
		tfctl save --counters >"$TF_TMP/save.out" 2>&1
		echo "rule $name counted \"$got\", expected $want_p packets${want_b:+, $want_b bytes}" \
			>>"$TF_TMP/save.out"
		not_ok "$text" "$TF_TMP/save.out"
	fi
}

# --- background helpers -------------------------------------------------

# tcp_server NS PORT: a TCP server in NS that accepts and reads to EOF.
tcp_server()
{
	local out=$TF_TMP/tcp-server-$1-$2.out
	tf_bg ip netns exec "$1" "$TF_PY" "$TF_RPY" tcp-server "$2" >"$out" 2>&1
	wait_for 10 grep -qx ready "$out" || {
		not_ok "TCP server on port $2 in $1 starts" "$out"
		return 1
	}
}

# udp_echo NS PORT: a UDP echo server in NS (tfhelp.py).
udp_echo()
{
	local port_re=":$2\$"
	tf_bg ip netns exec "$1" "$TF_PY" "$TF_HELPER" udp-echo "$2"
	# shellcheck disable=SC2016
	wait_for 10 sh -c 'ip netns exec "$1" ss -Hlun | awk "{ print \$4 }" | grep -q "$2"' \
		_ "$1" "$port_re" || {
		not_ok "UDP echo on port $2 in $1 starts"
		return 1
	}
}

# capture_start NS IF FILE: capture what IF receives in NS, one line a
# packet (tfrules.py capture), into FILE. The file is opened for appending
# so that a script may empty it (: >FILE) between two steps.
capture_start()
{
	: >"$3"
	tf_bg ip netns exec "$1" "$TF_PY" "$TF_RPY" capture "$2" >>"$3" 2>&1
	wait_for 10 grep -qx ready "$3" || {
		not_ok "capture on $2 in $1 starts" "$3"
		return 1
	}
}

# captured FILE ERE: a line of the capture matches.
captured()
{
	grep -Eaq -- "$2" "$1"
}

# check_captured TEXT FILE ERE: wait (5 s at most) for a captured packet.
check_captured()
{
	local text=$1 file=$2 re=$3
	if wait_for 5 captured "$file" "$re"; then
		ok "$text"
		diag "$(grep -Ea -- "$re" "$file" | head -n 1)"
	else
		cp "$file" "$TF_TMP/capture.out"
		echo "no captured packet matches /$re/" >>"$TF_TMP/capture.out"
		not_ok "$text" "$TF_TMP/capture.out"
	fi
}
