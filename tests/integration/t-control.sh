#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The control socket and the admin tool: every listing in text and in JSON
# (-j output must parse), and garbage on the socket gets error replies and
# never harms the daemon.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  |                  | TUN  |   control.sock  <-------+--- tunfilter, tfhelp.py
#  +------------------+      +-------------------------+      +------------------+
#
# The socket is a path in the file system, so the tools run from the
# script's own namespace.

. "$(dirname "$0")/lib.sh"

tf_lab_up
in_lan ping -c 2 -i 0.2 -W 2 "$WAN_HOST" >/dev/null 2>&1

json_ok()
{
	tfctl -j show "$1" >"$TF_TMP/$1.json" 2>&1 &&
		"$TF_PY" -m json.tool "$TF_TMP/$1.json" >/dev/null
}

for what in interfaces routes stats; do
	check "show $what answers in text" tfctl show "$what"
	if json_ok "$what"; then
		ok "show $what -j parses with python3 -m json.tool"
	else
		not_ok "show $what -j parses with python3 -m json.tool" "$TF_TMP/$what.json"
	fi
done

tfctl show interfaces >"$TF_TMP/if.txt" 2>&1
check "show interfaces lists lan0 and wan0" grep -q "$WAN_IF" "$TF_TMP/if.txt"
check "show interfaces -j names lan0 and wan0" \
	sh -c "grep -q '\"$LAN_IF\"' '$TF_TMP/interfaces.json' && grep -q '\"$WAN_IF\"' '$TF_TMP/interfaces.json'"
check "show routes lists the static route 10.20.0.0/16" grep -q "10.20.0.0/16" "$TF_TMP/routes.json"
check "show routes lists the connected route 10.1.0.0/24" grep -q "10.1.0.0/24" "$TF_TMP/routes.json"
check "show stats -j has the counter bad_checksum" \
	"$TF_PY" "$TF_HELPER" counter "$TF_TMP/stats.json" bad_checksum

check_fails "an unknown object is refused" tfctl show frobnicate
check_fails "a missing socket is an error" "$TUNFILTER" --socket "$TF_TMP/none.sock" show stats

run_tap "$TF_PY" "$TF_HELPER" ctl-garbage "$TF_SOCK" "$TUNFILTER"

if tf_daemon_alive; then
	ok "after the garbage: the daemon is still running"
else
	not_ok "after the garbage: the daemon is still running" "$TF_LOG"
fi
check "after the garbage: show stats answers" tfctl show stats
check "after the garbage: -j show interfaces parses" json_ok interfaces
check "after the garbage: lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"
