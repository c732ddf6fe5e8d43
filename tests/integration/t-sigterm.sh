#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# SIGTERM: the daemon exits 0 and the TUN links disappear from both
# namespaces (closing a TUN fd removes a non-persistent device). With
# NOTIFY_SOCKET set it tells a service manager READY=1 and STOPPING=1.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd  <- SIGTERM  |<====>| wan0 10.2.0.2/24 |
#  |   (then gone)    | TUN  | NOTIFY_SOCKET=notify.sock| TUN  |   (then gone)    |
#  +------------------+      +-------------------------+      +------------------+

. "$(dirname "$0")/lib.sh"

# A datagram socket standing in for systemd's notification socket.
notify_sock=$TF_TMP/notify.sock
notify_log=$TF_TMP/notify.log
: >"$notify_log"
tf_bg socat -u "UNIX-RECV:$notify_sock" "OPEN:$notify_log,append"
wait_for 5 test -S "$notify_sock" || not_ok "notification socket ready"
export NOTIFY_SOCKET=$notify_sock

tf_lab_up
unset NOTIFY_SOCKET

check "lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"
check "sd_notify: READY=1 was sent" wait_for 5 grep -q "READY=1" "$notify_log"

pid=$TF_PID
tf_daemon_stop
if [ "$TF_WAIT_STATUS" = 0 ]; then
	ok "SIGTERM: the daemon exits with status 0"
else
	not_ok "SIGTERM: the daemon exits with status 0 (got $TF_WAIT_STATUS)" "$TF_LOG"
fi
check_fails "SIGTERM: lan0 is gone from lan" ip -n "$NS_LAN" link show dev "$LAN_IF"
check_fails "SIGTERM: wan0 is gone from wan" ip -n "$NS_WAN" link show dev "$WAN_IF"
check_fails "SIGTERM: no TUN left behind in gw" \
	sh -c "ip -n $NS_GW -o link show | grep -v ': lo:'"
check_fails "SIGTERM: no process left in gw" sh -c "ip netns pids $NS_GW | grep -q ."
check "sd_notify: STOPPING=1 was sent" grep -q "STOPPING=1" "$notify_log"
check_fails "SIGTERM: the control socket is removed" test -e "$TF_SOCK"
diag "daemon $pid, notifications: $(tr '\n' ' ' <"$notify_log")"

# And it starts again on the same namespaces: nothing stale blocks it.
if tf_daemon_start; then
	ok "the daemon starts again after SIGTERM"
	check "after the restart: lan pings wan" in_lan ping -c 1 -W 2 "$WAN_HOST"
	kill -INT "$TF_PID"
	if wait_pid 10 "$TF_PID"; then
		TF_PID=
	fi
	if [ "$TF_WAIT_STATUS" = 0 ]; then
		ok "SIGINT: the daemon exits with status 0"
	else
		not_ok "SIGINT: the daemon exits with status 0 (got ${TF_WAIT_STATUS:-running})" "$TF_LOG"
	fi
	check_fails "SIGINT: lan0 is gone from lan" ip -n "$NS_LAN" link show dev "$LAN_IF"
else
	not_ok "the daemon starts again after SIGTERM" "$TF_LOG"
fi
