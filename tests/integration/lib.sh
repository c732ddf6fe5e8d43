# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the integration scripts (tests/integration/t-*.sh).
# Source it first thing; it requires root, makes every name unique to this
# run, and installs a trap that removes whatever the script made (daemon,
# background helpers, namespaces, temporary files) however it exits.
#
# The usual lab, made by tf_lab_up (the daemon creates both TUNs itself in
# the gw namespace, moves them into lan and wan and configures their kernel
# side; the scripts never touch the links with ip):
#
#   netns $NS_LAN              netns $NS_GW                       netns $NS_WAN
#  +-------------------+      +--------------------------+      +-------------------+
#  | lan0 10.1.0.2/24  |<====>| tunfilterd               |<====>| wan0 10.2.0.2/24  |
#  | default dev lan0  | TUN  | lan0 10.1.0.1  10.2.0.1  | TUN  | default dev wan0  |
#  +-------------------+      |     wan0 (mtu $WAN_MTU)  |      +-------------------+
#                             +--------------------------+
#
# Output is TAP-like: one `ok - text` or `not ok - text` line per check,
# diagnostics on `# ` lines. tests/run counts them. The script exits 1 if
# any check failed.

set -u

TF_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TF_SRCDIR=${TF_SRCDIR:-$(cd "$TF_LIBDIR/../.." && pwd)}
TF_BUILDDIR=${TF_BUILDDIR:-$TF_SRCDIR/build}
TUNFILTERD=${TUNFILTERD:-$TF_BUILDDIR/tunfilterd}
TUNFILTER=${TUNFILTER:-$TF_BUILDDIR/tunfilter}
TF_PY=${TF_PY:-$(command -v python3)}
TF_HELPER="$TF_LIBDIR/tfhelp.py"

TF_NAME=$(basename "$0" .sh)
TF_FAILS=0
TF_CHECKS=0
TF_PID=
TF_BG_PIDS=()
TF_NAMESPACES=()

# Short, unique per run: namespace names are files under /run/netns, and
# two runs (or a stale one) must never share one.
TF_ID=tf$$
NS_GW=${TF_ID}gw
NS_LAN=${TF_ID}lan
NS_WAN=${TF_ID}wan
LAN_IF=lan0
WAN_IF=wan0
LAN_ROUTER=10.1.0.1
LAN_HOST=10.1.0.2
WAN_ROUTER=10.2.0.1
WAN_HOST=10.2.0.2
WAN_MTU=1500

# --- TAP output ---------------------------------------------------------

ok()
{
	TF_CHECKS=$((TF_CHECKS + 1))
	echo "ok - $*"
}

# not_ok TEXT [DETAIL-FILE]: a failed check, with the tail of a file.
not_ok()
{
	TF_CHECKS=$((TF_CHECKS + 1))
	TF_FAILS=$((TF_FAILS + 1))
	echo "not ok - $1"
	if [ $# -ge 2 ] && [ -s "$2" ]; then
		tail -n 15 "$2" | sed 's/^/#   /'
	fi
}

diag()
{
	echo "# $*"
}

# check TEXT CMD...: run CMD (output kept for the report), ok if it exits 0.
check()
{
	local text=$1 out
	shift
	out=$(mktemp "$TF_TMP/check.XXXXXX")
	if "$@" >"$out" 2>&1; then
		ok "$text"
	else
		echo "command: $* (exit $?)" >>"$out"
		not_ok "$text" "$out"
	fi
	rm -f "$out"
}

# check_fails TEXT CMD...: ok if CMD exits non-zero.
check_fails()
{
	local text=$1 out
	shift
	out=$(mktemp "$TF_TMP/check.XXXXXX")
	if "$@" >"$out" 2>&1; then
		echo "command: $* (exit 0, expected failure)" >>"$out"
		not_ok "$text" "$out"
	else
		ok "$text"
	fi
	rm -f "$out"
}

# check_output TEXT REGEX CMD...: ok if CMD's output (stdout and stderr)
# matches the extended regex; the exit status does not matter.
check_output()
{
	local text=$1 re=$2 out
	shift 2
	out=$(mktemp "$TF_TMP/check.XXXXXX")
	"$@" >"$out" 2>&1
	echo "exit $?" >>"$out"
	if grep -Eq -- "$re" "$out"; then
		ok "$text"
	else
		echo "command: $*; expected /$re/" >>"$out"
		not_ok "$text" "$out"
	fi
	rm -f "$out"
}

# run_tap CMD...: run a helper that prints its own ok/not ok lines.
run_tap()
{
	local out rc
	out=$(mktemp "$TF_TMP/tap.XXXXXX")
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	TF_CHECKS=$((TF_CHECKS + $(grep -Ec '^(not )?ok - ' "$out")))
	TF_FAILS=$((TF_FAILS + $(grep -c '^not ok - ' "$out")))
	if [ $rc -ne 0 ] && ! grep -q '^not ok - ' "$out"; then
		not_ok "$* exited $rc"
	fi
	rm -f "$out"
}

# --- waiting ------------------------------------------------------------

# wait_for TIMEOUT CMD...: poll CMD (quietly) every 0.1 s until it succeeds
# or TIMEOUT seconds have passed. This is the only way a script waits for
# something; sleeping a fixed time instead would be either slow or flaky.
wait_for()
{
	local timeout=$1 deadline
	shift
	deadline=$(($(date +%s%N) / 1000000 + timeout * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge $deadline ] && return 1
		sleep 0.1
	done
}

# wait_pid TIMEOUT PID: wait for a child of this shell to exit; its status
# is in TF_WAIT_STATUS. Returns 1 if it is still running after TIMEOUT.
wait_pid()
{
	local timeout=$1 pid=$2
	TF_WAIT_STATUS=
	wait_for "$timeout" tf_pid_gone "$pid" || return 1
	wait "$pid"
	TF_WAIT_STATUS=$?
	return 0
}

tf_pid_gone()
{
	# A zombie child still answers kill -0; ps shows its state as Z.
	! kill -0 "$1" 2>/dev/null && return 0
	[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]
}

# --- namespaces ---------------------------------------------------------

in_gw() { ip netns exec "$NS_GW" "$@"; }
in_lan() { ip netns exec "$NS_LAN" "$@"; }
in_wan() { ip netns exec "$NS_WAN" "$@"; }

# Settings from the differential-testing notes: the kernel must not eat
# ICMP errors with its rate limits, must not drop our deliberately odd
# sources, and IPv6 noise (router solicitations, MLD) must stay off the TUNs.
tf_ns_sysctls()
{
	ip netns exec "$1" sysctl -q -w \
		net.ipv4.icmp_ratelimit=0 \
		net.ipv4.icmp_msgs_per_sec=100000 \
		net.ipv4.icmp_msgs_burst=100000 \
		net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.accept_redirects=0 \
		net.ipv4.conf.default.accept_redirects=0 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 \
		net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

tf_ns_add()
{
	ip netns add "$1" || return 1
	TF_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
	tf_ns_sysctls "$1"
}

# Make the three namespaces. The TUNs themselves are the daemon's job.
tf_netns_up()
{
	tf_ns_add "$NS_GW" && tf_ns_add "$NS_LAN" && tf_ns_add "$NS_WAN"
}

# --- configuration ------------------------------------------------------

# tf_write_config [FILE] <<EOF ... EOF: the configuration comes from a heredoc.
tf_write_config()
{
	cat >"${1:-$TF_CONF}"
}

# The standard lab configuration; WAN_MTU may be changed before calling.
tf_default_config()
{
	tf_write_config "${1:-$TF_CONF}" <<EOF
# tunfilterd configuration for $TF_NAME (generated by lib.sh)
[daemon]
control_socket = $TF_SOCK
log_level = info
# The checks count ICMP errors one by one: no rate limit in the router,
# just as the kernel namespaces run with net.ipv4.icmp_ratelimit=0.
icmp_ratelimit = 0
icmp_msgs_per_sec = 0

[interface $LAN_IF]
address = $LAN_ROUTER/24
netns = $NS_LAN
mtu = 1500
peer_address = $LAN_HOST/24
peer_routes = default

[interface $WAN_IF]
address = $WAN_ROUTER/24
netns = $NS_WAN
mtu = $WAN_MTU
peer_address = $WAN_HOST/24
peer_routes = default

[routes]
10.20.0.0/16 = $WAN_IF
EOF
}

# tf_conntrack_config [-]: the standard lab configuration with connection
# tracking on even without a rule that needs it (the default, auto, would
# leave it off); with "-", more [conntrack] keys are read from stdin.
tf_conntrack_config()
{
	tf_default_config
	{
		printf '\n[conntrack]\nenable = yes\n'
		[ "${1:-}" = - ] && cat
	} >>"$TF_CONF"
}

# --- the daemon ---------------------------------------------------------

tfctl() { "$TUNFILTER" --socket "$TF_SOCK" "$@"; }

# The kernel side of both links is up, addressed and routed (the daemon
# did it through netlink), and the control socket answers.
tf_lab_ready()
{
	ip -n "$NS_LAN" -o addr show dev "$LAN_IF" 2>/dev/null | grep -q "inet $LAN_HOST/" &&
		ip -n "$NS_WAN" -o addr show dev "$WAN_IF" 2>/dev/null | grep -q "inet $WAN_HOST/" &&
		ip -n "$NS_LAN" route show default 2>/dev/null | grep -q "dev $LAN_IF" &&
		ip -n "$NS_WAN" route show default 2>/dev/null | grep -q "dev $WAN_IF" &&
		ip -n "$NS_LAN" link show dev "$LAN_IF" 2>/dev/null | grep -q "[<,]UP[,>]" &&
		ip -n "$NS_WAN" link show dev "$WAN_IF" 2>/dev/null | grep -q "[<,]UP[,>]" &&
		tfctl show interfaces
}

# Start tunfilterd in the gw namespace, in the foreground mode with its log
# in $TF_LOG. Returns when the daemon is ready, 1 if it is not in time.
tf_daemon_start()
{
	[ -x "$TUNFILTERD" ] || {
		diag "no daemon at $TUNFILTERD (build first)"
		return 1
	}
	echo "--- start $(date +%T.%N)" >>"$TF_LOG"
	# ip netns exec execs the daemon (no fork), so $! is the daemon's pid.
	ip netns exec "$NS_GW" "$TUNFILTERD" -c "$TF_CONF" -f >>"$TF_LOG" 2>&1 </dev/null &
	TF_PID=$!
	if ! wait_for 20 tf_lab_ready; then
		diag "daemon not ready after 20 s (pid $TF_PID)"
		tail -n 20 "$TF_LOG" | sed 's/^/#   /'
		return 1
	fi
}

tf_daemon_alive()
{
	[ -n "$TF_PID" ] && ! tf_pid_gone "$TF_PID"
}

# Stop the daemon with SIGTERM; its exit status is in TF_WAIT_STATUS.
tf_daemon_stop()
{
	[ -n "$TF_PID" ] || return 0
	kill -TERM "$TF_PID" 2>/dev/null
	if ! wait_pid 10 "$TF_PID"; then
		kill -KILL "$TF_PID" 2>/dev/null
		wait "$TF_PID" 2>/dev/null
		TF_WAIT_STATUS=killed
	fi
	TF_PID=
	return 0
}

# The whole lab: namespaces, configuration (the default unless the script
# wrote one), daemon. On failure there is nothing to test: say so and stop.
tf_lab_up()
{
	tf_netns_up || {
		not_ok "$TF_NAME: set up the namespaces"
		exit 1
	}
	[ -s "$TF_CONF" ] || tf_default_config
	tf_daemon_start || {
		not_ok "$TF_NAME: tunfilterd starts and configures both links" "$TF_LOG"
		exit 1
	}
}

# Start a background helper and remember its pid for the cleanup.
tf_bg()
{
	"$@" &
	TF_BG_PIDS+=($!)
	TF_BG_LAST=$!
}

# --- cleanup ------------------------------------------------------------

tf_cleanup()
{
	local rc=$? pid ns

	trap - EXIT INT TERM HUP
	if [ -n "$TF_PID" ]; then
		if tf_pid_gone "$TF_PID"; then
			not_ok "$TF_NAME: tunfilterd stays up until the end of the test" "$TF_LOG"
		fi
		tf_daemon_stop
	fi
	# A sanitizer build reports at exit; a report is a failure.
	if [ -s "$TF_LOG" ] && grep -Eq 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$TF_LOG"; then
		not_ok "$TF_NAME: sanitizer report in the daemon log" "$TF_LOG"
	fi
	for pid in "${TF_BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${TF_BG_PIDS[@]}"; do
		wait_pid 5 "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	# Anything still inside our namespaces was started by this script.
	for ns in "${TF_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$TF_FAILS" -gt 0 ] && [ -s "$TF_LOG" ]; then
		diag "daemon log (tail):"
		tail -n 30 "$TF_LOG" | sed 's/^/#   /'
	fi
	rm -rf "$TF_TMP"
	if [ "$TF_FAILS" -gt 0 ] || [ "$TF_CHECKS" -eq 0 ]; then
		exit 1
	fi
	[ "$rc" -gt 128 ] && exit "$rc"
	exit 0
}

if [ "$(id -u)" != 0 ]; then
	echo "not ok - $TF_NAME: integration tests must run as root"
	exit 1
fi

TF_TMP=$(mktemp -d "/tmp/$TF_NAME.XXXXXX")
TF_CONF=$TF_TMP/tunfilter.conf
TF_SOCK=$TF_TMP/control.sock
TF_LOG=$TF_TMP/tunfilterd.log
trap tf_cleanup EXIT
# A signal ends the script through the EXIT trap, so the cleanup runs.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
