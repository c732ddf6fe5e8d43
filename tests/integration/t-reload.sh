#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Reload: a broken configuration (by SIGHUP or `tunfilter reload`) is
# refused with FILE:LINE and the old one stays in force; a good one is
# applied.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd  (SIGHUP,    |<====>| wan0 10.2.0.2/24 |
#  | ping -> wan      | TUN  |  tunfilter reload)      | TUN  | mtu 1500 -> 1400 |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"

tf_lab_up
cp "$TF_CONF" "$TF_TMP/good.conf"

check "before: lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"

# Break it at the end of [routes]: a good new route first (which must not
# be applied when the file as a whole is refused), then a bad one.
tf_write_config "$TF_TMP/broken.conf" <<EOF
$(cat "$TF_TMP/good.conf")
10.30.0.0/16 = $LAN_IF
10.40.0.0/33 = $WAN_IF
EOF
bad_line=$(grep -n '^10.40.0.0/33' "$TF_TMP/broken.conf" | cut -d: -f1)
cp "$TF_TMP/broken.conf" "$TF_CONF"

log_has()
{
	grep -qF "$1" "$TF_LOG"
}

show_routes_has()
{
	tfctl show routes | grep -qF "$1"
}

kill -HUP "$TF_PID"
if wait_for 10 log_has "$TF_CONF:$bad_line:"; then
	ok "SIGHUP with a broken config: the error is logged with FILE:LINE"
	diag "$(grep -F "$TF_CONF:$bad_line:" "$TF_LOG" | tail -n 1)"
else
	not_ok "SIGHUP with a broken config: the error is logged with $TF_CONF:$bad_line:" "$TF_LOG"
fi
if tf_daemon_alive; then
	ok "SIGHUP with a broken config: the daemon keeps running"
else
	not_ok "SIGHUP with a broken config: the daemon keeps running" "$TF_LOG"
fi
check "SIGHUP with a broken config: lan still pings wan" \
	in_lan ping -c 3 -i 0.2 -W 2 "$WAN_HOST"
check "SIGHUP with a broken config: wan still pings lan" \
	in_wan ping -c 3 -i 0.2 -W 2 "$LAN_HOST"
check "SIGHUP with a broken config: lan0 is still in lan" \
	ip -n "$NS_LAN" link show dev "$LAN_IF"
check "show routes still lists the old static route 10.20.0.0/16" show_routes_has 10.20.0.0/16
check_fails "nothing of the broken file was applied (no 10.30.0.0/16 route)" \
	show_routes_has 10.30.0.0/16

out=$(tfctl reload 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -qF "$TF_CONF:$bad_line:"; then
	ok "tunfilter reload of a broken config: exit 1 with FILE:LINE"
	diag "$out"
else
	printf '%s\nexit %s\n' "$out" "$rc" >"$TF_TMP/out"
	not_ok "tunfilter reload of a broken config: exit 1 with $TF_CONF:$bad_line:" "$TF_TMP/out"
fi
check "tunfilter reload of a broken config: forwarding goes on" \
	in_lan ping -c 1 -W 2 "$WAN_HOST"

# A good change: wan0's MTU, which the daemon applies to the kernel side,
# and a new static route.
awk '/^\[interface / { w = ($2 == "wan0]") } w && /^mtu/ { $0 = "mtu = 1400" } { print }' \
	"$TF_TMP/good.conf" >"$TF_CONF"
echo "10.30.0.0/16 = $LAN_IF" >>"$TF_CONF"
check "tunfilter reload of a good config: exit 0" tfctl reload
check "the new route 10.30.0.0/16 is in show routes" show_routes_has 10.30.0.0/16
check_output "the new MTU reached the kernel side of wan0" "mtu 1400 " \
	ip -n "$NS_WAN" link show dev "$WAN_IF"
check_output "the lan side kept mtu 1500" "mtu 1500 " \
	ip -n "$NS_LAN" link show dev "$LAN_IF"
check_output "DF and over 1400 now gets frag needed with mtu = 1400" \
	"Frag needed and DF set \(mtu = 1400\)" \
	in_lan ping -c 1 -W 2 -M do -s 1400 "$WAN_HOST"
check "after the reload: lan pings wan" in_lan ping -c 3 -i 0.2 -W 2 "$WAN_HOST"

# SIGHUP with the original file again: the MTU goes back.
cp "$TF_TMP/good.conf" "$TF_CONF"
wan_mtu_is()
{
	ip -n "$NS_WAN" link show dev "$WAN_IF" | grep -q "mtu $1 "
}
kill -HUP "$TF_PID"
check "SIGHUP back to the first config: wan0 returns to mtu 1500" wait_for 10 wan_mtu_is 1500
check_fails "... and the route 10.30.0.0/16 is gone" show_routes_has 10.30.0.0/16
check "after SIGHUP: lan pings wan" in_lan ping -c 3 -i 0.2 -W 2 "$WAN_HOST"
