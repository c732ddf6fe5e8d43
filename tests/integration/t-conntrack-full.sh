#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A full connection table (max_entries = 4): a new connection evicts an
# entry that is not ASSURED; when every entry is ASSURED, the new
# connection is dropped and counted; closing connections make room again.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | UDP flows, TCP   | TUN  |  [conntrack]            | TUN  | TCP :5002        |
#  | connections      |      |  max_entries = 4        |      |                  |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"

TF_CT="$TF_LIBDIR/tfct.py"

tf_conntrack_config - <<EOF
max_entries = 4
EOF
tf_lab_up
tcp_server "$NS_WAN" 5002 || exit 1

count_is() { [ "$(tfctl conntrack -C 2>/dev/null)" = "$1" ]; }
stat_of() { tfctl conntrack -S | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Unreplied UDP flows (no listener; the port unreachable is RELATED and
# makes no entry): the fifth and later evict older ones.
in_lan "$TF_PY" "$TF_CT" udp-flows "$WAN_HOST" 5999 4 21000 >/dev/null
if wait_for 5 count_is 4; then ok "four UDP flows fill the table"; else
	not_ok "four UDP flows fill the table (count $(tfctl conntrack -C))"; fi
cap=$TF_TMP/wan.cap
capture_start "$NS_WAN" "$WAN_IF" "$cap" || exit 1
in_lan "$TF_PY" "$TF_CT" udp-flows "$WAN_HOST" 5999 3 22000 >/dev/null
check_captured "the new flows got through" "$cap" "sport=22002 dport=5999"
check_output "each evicted an unreplied one (early_drop)" "early_drop=3 " tfctl conntrack -S
check_output "the table holds 4" "^4$" tfctl conntrack -C
check_output "the newest is listed" "sport=22002 dport=5999" tfctl conntrack -L
check "-F" tfctl conntrack -F

# Four TCP connections, ASSURED: nothing may be evicted.
held=$TF_TMP/held.out
tf_bg ip netns exec "$NS_LAN" "$TF_PY" "$TF_CT" hold "$WAN_HOST" 5002 4 >"$held" 2>&1
holder=$TF_BG_LAST
if wait_for 10 grep -q '^ready ' "$held"; then ok "four TCP connections open"; else
	not_ok "four TCP connections open" "$held"; exit 1; fi
check_output "they fill the table, ASSURED" "^tunfilter: 4 flow entries" \
	tfctl conntrack -L -u ASSURED
drops=$(stat_of drop)
check "a fifth connection gets nowhere" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5002 timeout 1
check_output "show stats counts conntrack_full drops" "conntrack_full +[1-9]" tfctl show stats
now=$(stat_of drop)
if [ "${now:-0}" -gt "${drops:-0}" ]; then ok "-S drop grew ($drops -> $now)"; else
	not_ok "-S drop grew ($drops -> $now)"; fi

# Closing them: FIN_WAIT / TIME_WAIT entries may be evicted.
kill "$holder"
closing() { tfctl conntrack -L -p tcp 2>/dev/null | grep -Eq "(TIME_WAIT|CLOSE|LAST_ACK|FIN_WAIT)"; }
wait_for 10 closing || not_ok "the held connections close"
check "a new connection takes a closing one's place" \
	in_lan "$TF_PY" "$TF_RPY" connect "$WAN_HOST" 5002 connected 3
