#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tunfilterd --check-config: a bad file is refused with FILE:LINE and the
# offending token, exit 1; a good one passes with exit 0.
#
#   netns lan            netns wan        (they only need to exist: a
#   (no daemon, no links)                  configuration may name them)
#
# No daemon runs here: --check-config parses and validates only.

. "$(dirname "$0")/lib.sh"

tf_netns_up || {
	not_ok "set up the namespaces"
	exit 1
}
tf_default_config
check_output "the standard lab configuration passes" "configuration OK" \
	"$TUNFILTERD" -c "$TF_CONF" --check-config
check "... and exits 0" "$TUNFILTERD" -c "$TF_CONF" --check-config

# bad_config NAME LINE TOKEN: the default config with the line at LINE
# replaced by stdin's single line; --check-config must print
# FILE:LINE: and quote TOKEN, and exit 1.
bad_config()
{
	local name=$1 line=$2 token=$3 f repl out rc
	f=$TF_TMP/$(echo "$name" | tr -c 'a-z0-9\n' '-').conf
	repl=$(cat)
	awk -v n="$line" -v r="$repl" 'NR == n { print r; next } { print }' "$TF_CONF" >"$f"
	out=$("$TUNFILTERD" -c "$f" --check-config 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF "$f:$line:" &&
		printf '%s\n' "$out" | grep -qF "$token"; then
		ok "$name: exit 1, $(printf '%s' "$out" | head -n 1 | sed "s|$TF_TMP/||")"
	else
		printf '%s\n' "$out" >"$TF_TMP/out"
		echo "exit $rc; expected $f:$line: and \"$token\"" >>"$TF_TMP/out"
		not_ok "$name: exit 1 with FILE:$line: quoting $token" "$TF_TMP/out"
	fi
}

# The line of the default configuration (lib.sh) that a case replaces.
line_of()
{
	grep -n -m1 -- "$1" "$TF_CONF" | cut -d: -f1
}

bad_config "unknown key" "$(line_of '^log_level')" "verbosity" <<<"verbosity = 3"
bad_config "bad log level" "$(line_of '^log_level')" "chatty" <<<"log_level = chatty"
bad_config "unknown section" "$(line_of '^\[routes\]')" "bogus" <<<"[bogus]"
bad_config "bad interface address" "$(line_of "^address = $LAN_ROUTER")" "10.1.0.300/24" \
	<<<"address = 10.1.0.300/24"
bad_config "mtu out of range" "$(line_of '^mtu = 1500')" "70000" <<<"mtu = 70000"
bad_config "mtu not a number" "$(line_of '^mtu = 1500')" "12x" <<<"mtu = 12x"
bad_config "route to an unknown interface" "$(line_of '^10.20.0.0/16')" "dmz0" \
	<<<"10.20.0.0/16 = dmz0"
bad_config "route with host bits" "$(line_of '^10.20.0.0/16')" "10.20.0.1/16" \
	<<<"10.20.0.1/16 = $WAN_IF"
bad_config "line without =" "$(line_of '^peer_routes')" "peer_routes" <<<"peer_routes"

check_output "a missing file is refused" "nonexistent" \
	"$TUNFILTERD" -c "$TF_TMP/nonexistent.conf" --check-config
check_fails "... with a non-zero exit" \
	"$TUNFILTERD" -c "$TF_TMP/nonexistent.conf" --check-config
