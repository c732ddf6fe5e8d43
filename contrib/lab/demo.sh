#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's first quick-start command: the whole job on one machine.
# As root, on Debian 12, from a clone of the repository:
#
#   contrib/lab/demo.sh [--no-install] [--build DIR]
#
# installs the Debian packages that are missing (contrib/install-deps.sh),
# builds out of tree in build/ (or DIR) unless that is already built,
# then runs a lab of two network namespaces around a tunfilterd configured
# from etc/tunfilter.conf:
#
#   netns tflab-lan              tunfilterd              netns tflab-wan
#   10.1.0.2/24 --- lan0 --- 10.1.0.1 | 10.2.0.1 --- wan0 --- 10.2.0.2/24
#                   (TUN)     (root namespace)      (TUN)
#
# The daemon creates both TUNs, moves their kernel side into the namespaces
# and configures it (address, default route) through netlink: this script
# only creates the empty namespaces. It shows the interfaces and routes,
# pings the router and across, copies 20 MB over TCP from lan to wan and
# compares SHA-256 sums, shows the counters, stops the daemon with SIGTERM
# (its links disappear) and removes the namespaces. Whatever happens, the
# EXIT trap removes what the script made. The exit status is 0 only if
# every step worked.
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$top/build
install=1
conf=$top/etc/tunfilter.conf
NS_LAN=tflab-lan
NS_WAN=tflab-wan
LAN_IF=lan0
WAN_IF=wan0
LAN_ROUTER=10.1.0.1
LAN_HOST=10.1.0.2
WAN_ROUTER=10.2.0.1
WAN_HOST=10.2.0.2
PORT=5001
SIZE_MB=20

usage() {
	echo "usage: $0 [--no-install] [--build DIR]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--build)
		[ $# -ge 2 ] || usage
		builddir=$2
		shift
		;;
	--build=*) builddir=${1#--build=} ;;
	*) usage ;;
	esac
	shift
done
case $builddir in /*) ;; *) builddir=$PWD/$builddir ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "demo: run me as root (network namespaces, TUN devices)" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/tflab.XXXXXX)
log=$tmp/tunfilterd.log
daemon_pid=
sink_pid=
current="start"
made_ns=0

heading() {
	current=$*
	printf '\n=== %s ===\n' "$*"
}

# Lines of command output, indented under their heading.
show() {
	"$@" 2>&1 | sed 's/^/    /'
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	set +e
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"
		for ((i = 0; i < 50; i++)); do
			kill -0 "$daemon_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$daemon_pid" 2>/dev/null
	fi
	if [ "$made_ns" = 1 ]; then
		ip netns del $NS_LAN 2>/dev/null
		ip netns del $NS_WAN 2>/dev/null
	fi
	if [ $rc != 0 ]; then
		if [ -s "$log" ]; then
			echo
			echo "--- tunfilterd log (last 30 lines) ---"
			tail -n 30 "$log"
		fi
		echo
		if [ $rc = 130 ]; then
			echo "demo interrupted during: $current" >&2
		else
			echo "demo FAILED during: $current (exit $rc)" >&2
		fi
	fi
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "demo: $*" >&2
	exit 1
}

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "timed out after ${secs}s waiting for $what"
}

cd "$top"

# --- packages ----------------------------------------------------------

if [ "$install" = 1 ]; then
	heading "1. Debian packages (contrib/install-deps.sh)"
	show sh contrib/install-deps.sh
fi

# --- build ---------------------------------------------------------------

heading "2. build in $builddir"
mkdir -p "$builddir"
if [ ! -x "$builddir/tunfilterd" ] || [ ! -x "$builddir/tunfilter" ] ||
	[ ! -f "$builddir/Makefile" ]; then
	echo "    autoreconf -fi; configure; make -j2 (log: $builddir/demo-build.log)"
	{ autoreconf -fi && (cd "$builddir" && "$top/configure") && make -C "$builddir" -j2; } \
		>"$builddir/demo-build.log" 2>&1 ||
		{ tail -n 30 "$builddir/demo-build.log"; fail "build failed"; }
else
	# Already built: bring the two programs the demo runs up to date, a
	# quick no-op when nothing changed.
	echo "    already built; make tunfilterd tunfilter (log: $builddir/demo-build.log)"
	make -C "$builddir" -j2 tunfilterd tunfilter >"$builddir/demo-build.log" 2>&1 ||
		{ tail -n 30 "$builddir/demo-build.log"; fail "build failed"; }
fi
tunfilterd=$builddir/tunfilterd
tunfilter=$builddir/tunfilter
[ -x "$tunfilterd" ] && [ -x "$tunfilter" ] || fail "no tunfilterd/tunfilter in $builddir"
echo "    $tunfilterd, $tunfilter"

# The control socket the configuration names (the daemon's default if none).
sock=$(awk -F= '
	/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec) }
	sec == "daemon" && $1 ~ /^[ \t]*control_socket[ \t]*$/ {
		v = $2; sub(/[ \t];.*/, "", v); gsub(/^[ \t]+|[ \t]+$/, "", v); print v
	}' "$conf")
sock=${sock:-/run/tunfilter/control.sock}
tf() {
	"$tunfilter" --socket "$sock" "$@"
}

# --- lab ---------------------------------------------------------------------

heading "3. namespaces $NS_LAN and $NS_WAN, tunfilterd -c etc/tunfilter.conf"
if tf show interfaces >/dev/null 2>&1; then
	fail "a tunfilterd already answers on $sock; stop it first"
fi
show "$tunfilterd" -c "$conf" --check-config
for ns in $NS_LAN $NS_WAN; do
	if [ -e "/run/netns/$ns" ]; then
		echo "    removing $ns left by an earlier run"
		ip netns del "$ns"
	fi
done
made_ns=1
for ns in $NS_LAN $NS_WAN; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# IPv4 only: keeps router solicitations and MLD out of the counters.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
"$tunfilterd" -f -c "$conf" >"$log" 2>&1 &
daemon_pid=$!
echo "    tunfilterd running, pid $daemon_pid (log: foreground, stderr)"

# Ready when the control socket answers; stop waiting if the daemon died
# (wait_for silences the condition's output, so fail outside it).
daemon_dead=0
daemon_ready() {
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		daemon_dead=1
		return 0
	fi
	tf show interfaces
}
wait_for 10 "the control socket $sock" daemon_ready
[ "$daemon_dead" = 0 ] || fail "tunfilterd exited during start-up"
wait_for 5 "$LAN_IF up with $LAN_HOST in $NS_LAN" \
	sh -c "ip -n $NS_LAN -br addr show dev $LAN_IF up | grep -q '$LAN_HOST/'"
wait_for 5 "$WAN_IF up with $WAN_HOST in $NS_WAN" \
	sh -c "ip -n $NS_WAN -br addr show dev $WAN_IF up | grep -q '$WAN_HOST/'"

heading "4. tunfilter show interfaces"
show tf show interfaces
heading "5. tunfilter show routes"
show tf show routes
echo "    kernel side, as the daemon configured it:"
show ip -n $NS_LAN -br addr show dev $LAN_IF
show ip -n $NS_LAN route
show ip -n $NS_WAN -br addr show dev $WAN_IF
show ip -n $NS_WAN route

# --- traffic ---------------------------------------------------------------------

# With pipefail, ping's status is the pipeline's: no reply fails the demo.
ping_from() { # ns dst
	echo "    $1: ping $2"
	ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" 2>&1 |
		sed -n 's/^/      /; /bytes from\|packet loss/p'
}

heading "6. ping the router"
ping_from $NS_LAN $LAN_ROUTER
ping_from $NS_WAN $WAN_ROUTER
ping_from $NS_LAN $WAN_ROUTER

heading "7. ping across the router"
ping_from $NS_LAN $WAN_HOST
ping_from $NS_WAN $LAN_HOST

heading "8. TCP: ${SIZE_MB} MB from $NS_LAN to $NS_WAN (socat), compared by SHA-256"
head -c $((SIZE_MB << 20)) /dev/urandom >"$tmp/sent"
ip netns exec $NS_WAN socat -u TCP-LISTEN:$PORT,bind=$WAN_HOST,reuseaddr \
	CREATE:"$tmp/received" &
sink_pid=$!
wait_for 5 "socat listening in $NS_WAN" \
	sh -c "ip netns exec $NS_WAN ss -Hltn 'sport = :$PORT' | grep -q ."
t0=$(date +%s%N)
timeout 60 ip netns exec $NS_LAN socat -u OPEN:"$tmp/sent",rdonly TCP:$WAN_HOST:$PORT
wait_for 30 "the receiving socat to finish" sh -c "! kill -0 $sink_pid"
wait "$sink_pid" || fail "the receiving socat failed"
sink_pid=
t1=$(date +%s%N)
sent_sum=$(sha256sum <"$tmp/sent" | cut -d' ' -f1)
recv_sum=$(sha256sum <"$tmp/received" | cut -d' ' -f1)
echo "    sent     $(stat -c %s "$tmp/sent") bytes  sha256 $sent_sum"
echo "    received $(stat -c %s "$tmp/received") bytes  sha256 $recv_sum"
awk -v ns=$((t1 - t0)) -v mb=$SIZE_MB \
	'BEGIN { printf "    %.2f s, %.0f Mbit/s\n", ns / 1e9, mb * 8 * 1.048576 / (ns / 1e9) }'
[ "$sent_sum" = "$recv_sum" ] || fail "the received file differs from the sent one"
echo "    identical"

heading "9. tunfilter show interfaces (counters after the traffic)"
show tf show interfaces
heading "10. tunfilter show stats"
show tf show stats

# --- teardown ------------------------------------------------------------------------

heading "11. stop tunfilterd (SIGTERM); its links disappear"
kill -TERM "$daemon_pid"
wait_for 10 "tunfilterd to exit" sh -c "! kill -0 $daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" = 0 ] || fail "tunfilterd exited with status $rc"
echo "    tunfilterd exited with status 0"
link_gone() { ! ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
wait_for 5 "$LAN_IF to disappear from $NS_LAN" link_gone $NS_LAN $LAN_IF
wait_for 5 "$WAN_IF to disappear from $NS_WAN" link_gone $NS_WAN $WAN_IF
echo "    $LAN_IF and $WAN_IF are gone"
echo "    tunfilterd log:"
sed 's/^/      /' "$log"

heading "12. remove the namespaces"
ip netns del $NS_LAN
ip netns del $NS_WAN
made_ns=0
echo "    $NS_LAN and $NS_WAN removed"

echo
echo "demo OK: traffic crossed tunfilterd, counters shown, lab removed"
