# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The benchmarks' lab, shared (sourced by forward.sh, rules.sh, nat.sh,
# queue.sh): the script's usage and tool checks, namespaces, the tunfilterd
# and kernel routers between a client and a server, the iperf3 and udpgen
# figures, the router's CPU time, clean-up, and the subshell each setup
# runs in.
#
# The sourcing script calls bench_lab, which sets:
#   NS_CLI NS_SRV NS_RTR   namespace names
#   IF_CLI IF_SRV          the client's and the server's interface
#   CLI_ADDR SRV_ADDR PORT
#   CPU_APP CPU_FWD        see bench_cpus
#   tmp pids               a private directory, the processes started
#   daemon_pid             "" (set by tunfilterd_start)
#   autogroup_nice         "" (bench_boost saves the session's nice value there)
#   failed                 0 (run_setup sets it to 1 when a setup fails)
# and sets itself, before calling anything else here:
#   duration               seconds per figure
#   NICE                   "" or "nice -n -20" (prefix of the programs run)
#   builddir               holding tunfilterd and tunfilter

# --- the script ----------------------------------------------------------------

# bench_usage: the script's usage, from its header comment ("# Usage:" up
# to "# Root only"), on stderr; exit 2.
bench_usage() {
	sed -n '/^# Usage:/,/^# Root only/{/^# Root only/!s/^# \{0,1\}//p}' "$0" >&2
	exit 2
}

bench_require() { # tool...: exit 1 unless each is on PATH
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			{ echo "${0##*/}: $t missing (run contrib/install-deps.sh)" >&2; exit 1; }
	done
}

# bench_lab NS-PREFIX IF-CLI IF-SRV TMP-PREFIX: the lab's names (namespaces
# NS-PREFIX-cli, -srv and -rtr) and addresses, the CPU placement, a private
# directory, and their clean-up on any exit, whatever was reached.
bench_lab() {
	NS_CLI=$1-cli
	NS_SRV=$1-srv
	NS_RTR=$1-rtr
	IF_CLI=$2
	IF_SRV=$3
	CLI_ADDR=10.1.0.2
	SRV_ADDR=10.2.0.2
	PORT=5201
	bench_cpus
	tmp=$(mktemp -d "/tmp/$4.XXXXXX")
	pids=()
	daemon_pid=
	autogroup_nice=
	failed=0
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	[ -z "$autogroup_nice" ] || echo "$autogroup_nice" >/proc/self/autogroup
	rm -rf "$tmp"
	exit $rc
}

# bench_boost: this session's autogroup to nice -20 for the run (the nice
# value of a process weighs only within its autogroup); bench_cleanup puts
# it back.
bench_boost() {
	[ -w /proc/self/autogroup ] ||
		{ echo "${0##*/}: -p: no /proc/self/autogroup (no autogroups here)" >&2; exit 1; }
	autogroup_nice=$(sed -n 's/.* nice \(-\{0,1\}[0-9]*\)$/\1/p' /proc/self/autogroup)
	echo -20 >/proc/self/autogroup
	echo "autogroup of this session: nice -20 for the run (was $autogroup_nice)"
}

# CPU placement on a 2-CPU machine: the client and the server on CPU 0,
# the router on CPU 1 (tunfilterd by taskset, the kernel router by RPS on
# its two ingress veths).
bench_cpus() {
	if [ "$(nproc)" -ge 2 ]; then
		CPU_APP=0
		CPU_FWD=1
	else
		CPU_APP=0
		CPU_FWD=0
	fi
	CPU_FWD_MASK=$(printf '%x' $((1 << CPU_FWD)))
}

bench_machine() { # title: the heading every benchmark prints
	echo "$1, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(uname -srm), $(nproc) CPU ($(awk -F': ' '/^model name/ { print $2; exit }' \
		/proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
}

# --- cleanup ---------------------------------------------------------------------

stop_pid() { # pid: SIGTERM, wait up to 5 s, then SIGKILL
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

stop_all() { # every process started and every namespace made
	local pid ns
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	pids=()
	daemon_pid=
	for ns in $NS_CLI $NS_SRV $NS_RTR; do
		if ip netns list 2>/dev/null | grep -qw "^$ns"; then
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
}

# --- helpers ---------------------------------------------------------------------
# Each setup runs in a subshell with errexit (run_setup): any failing command
# abandons that setup only, and the subshell's EXIT trap removes what it made.

die_setup() { # message
	echo "  error: $*" >&2
	exit 1
}

wait_for() { # seconds description command...: poll a condition every 0.1 s
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die_setup "timed out after ${secs}s waiting for $what"
}

ns_prepare() { # ns...: fresh namespaces with lo up, IPv6 off, no rp_filter
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
}

ping_ok() { # ns dst
	ip netns exec "$1" ping -c 1 -W 1 -q "$2"
}

path_check() {
	wait_for 10 "ping $CLI_ADDR -> $SRV_ADDR" ping_ok "$NS_CLI" "$SRV_ADDR"
	wait_for 10 "ping $SRV_ADDR -> $CLI_ADDR" ping_ok "$NS_SRV" "$CLI_ADDR"
}

listening() { # [port]: something listens on the server
	[ -n "$(ip netns exec "$NS_SRV" ss -Hltn "sport = :${1:-$PORT}")" ]
}

# TCP: one iperf3 stream client -> server; the receiver's Mbit/s to $tmp/fig.
tcp_run() {
	local spid json=$tmp/iperf.json
	# shellcheck disable=SC2086 # NICE is a command prefix or nothing
	ip netns exec "$NS_SRV" ${NICE:-} taskset -c "$CPU_APP" iperf3 -s -1 -B "$SRV_ADDR" \
		-p "$PORT" >"$tmp/iperf-server.log" 2>&1 &
	spid=$!
	pids+=("$spid")
	wait_for 5 "iperf3 server" listening
	# shellcheck disable=SC2086
	timeout $((duration + 30)) ip netns exec "$NS_CLI" ${NICE:-} taskset -c "$CPU_APP" \
		iperf3 -c "$SRV_ADDR" -p "$PORT" -t "$duration" -J >"$json" ||
		die_setup "iperf3 failed: $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1])).get("error", "?"))' "$json" 2>/dev/null)"
	stop_pid "$spid"
	python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' \
		"$json" >"$tmp/fig"
}

# udp_sink_start: udpgen's sink on the server, counting what arrives.
udp_sink_start() {
	# shellcheck disable=SC2086
	ip netns exec "$NS_SRV" ${NICE:-} taskset -c "$CPU_APP" "$tmp/udpgen" recv "$SRV_ADDR" \
		"$PORT" >"$tmp/udp-recv.out" &
	pids+=("$!")
	wait_for 5 "the udpgen sink" grep -q ready "$tmp/udp-recv.out"
}

# udp_send: udpgen, 64-byte payloads client -> server for the duration, as
# fast as it can (64 datagrams per system call); "sent N SECONDS" to
# $tmp/udp-send.out.
udp_send() {
	# shellcheck disable=SC2086
	timeout $((duration + 30)) ip netns exec "$NS_CLI" ${NICE:-} taskset -c "$CPU_APP" \
		"$tmp/udpgen" send "$SRV_ADDR" "$PORT" "$duration" 64 >"$tmp/udp-send.out" ||
		die_setup "udpgen send failed"
}

# udp_sink_result: once the sink stopped (by itself, 1 s after the last
# datagram), "DATAGRAMS SECONDS" it received, first to last.
udp_sink_result() {
	wait_for 10 "the udpgen sink to finish" grep -q received "$tmp/udp-recv.out"
	sed -n 's/^received //p' "$tmp/udp-recv.out"
}

# tcp_udp_measure LABEL [ROUND]: the TCP figure (tcp_run) and the UDP one
# (the script's udp_run: "received offered" kpps), as "tcp udp offered" to
# $tmp/result-LABEL, or result-LABEL.ROUND.
tcp_udp_measure() {
	local label=$1 t u o
	echo "  TCP (${duration}s) ..."
	tcp_run
	t=$(<"$tmp/fig")
	echo "  UDP 64-byte (${duration}s) ..."
	udp_run
	read -r u o <"$tmp/fig"
	echo "$t $u $o" >"$tmp/result-$label${2:+.$2}"
	printf '  %s: TCP %s Mbit/s; UDP %s kpps received at the server (%s kpps offered)\n' \
		"$label" "$t" "$u" "$o"
}

# CPU time of process $1 so far, in clock ticks (utime + stime).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# The router's CPU so far, in clock ticks, as "CPU-LINE DAEMON": the
# forwarding CPU's /proc/stat line (its softirq column includes the time
# ksoftirqd spends serving softirqs) and tunfilterd's time (0 for the
# kernel router; the server's receive path runs inside its TUN writes).
router_sample() {
	echo "$(grep "^cpu$CPU_FWD " /proc/stat | cut -d' ' -f2-)" \
		"$([ -z "${daemon_pid:-}" ] && echo 0 || cpu_ticks "$daemon_pid")"
}

# router_usage S0 S1: the router's CPU seconds between two router_sample
# results on stdout; where CPU_FWD's time went on stderr.
router_usage() {
	python3 -c 'import sys
hz = float(sys.argv[1])
a, b = (list(map(int, x.split())) for x in sys.argv[2:4])
d = [y - x for x, y in zip(a, b)]
tot = sum(d[:8]) or 1              # user nice system idle iowait irq softirq steal
# A tick in a softirq that interrupted tunfilterd counts in the softirq
# column and in the stime of tunfilterd too: the sum is bounded by the
# busy time of the CPU.
router = min(d[6] + d[10], tot - d[3])   # softirq, tunfilterd; not idle
print("%.3f" % (router / hz))
sys.stderr.write("CPU %s: router %.0f%% (softirq %.0f%%, tunfilterd %.0f%%), "
                 "idle %.0f%%, other %.0f%%" % (sys.argv[4], 100.0 * router / tot,
                 100.0 * d[6] / tot, 100.0 * d[10] / tot,
                 100.0 * d[3] / tot, max(0.0, 100.0 * (tot - router - d[3]) / tot)))' \
		"$(getconf CLK_TCK)" "$1" "$2" "$CPU_FWD"
}

# --- routers -------------------------------------------------------------------------

tfctl() { "$builddir/tunfilter" --socket "$tmp/control.sock" "$@"; }

# tunfilterd_start [EXTRA-CONFIG [RULES-FILE]]: the namespaces $NS_CLI and
# $NS_SRV must exist; tunfilterd on CPU_FWD between them, its log shown if
# the setup fails from here on.
tunfilterd_start() {
	local conf=$tmp/bench.conf
	[ -x "$builddir/tunfilterd" ] && [ -x "$builddir/tunfilter" ] ||
		die_setup "no tunfilterd/tunfilter in $builddir (build first, or -B DIR)"
	cat >"$conf" <<-EOF
	# tunfilterd for the benchmark: the lab configuration.
	[daemon]
	control_socket = $tmp/control.sock
	${2:+rules = $2}

	[interface $IF_CLI]
	address = 10.1.0.1/24
	netns = $NS_CLI
	peer_address = $CLI_ADDR/24
	peer_routes = default

	[interface $IF_SRV]
	address = 10.2.0.1/24
	netns = $NS_SRV
	peer_address = $SRV_ADDR/24
	peer_routes = default

	${1:-}
	EOF
	# shellcheck disable=SC2086
	${NICE:-} taskset -c "$CPU_FWD" "$builddir/tunfilterd" -f -c "$conf" \
		>"$tmp/tunfilterd.log" 2>&1 &
	daemon_pid=$!
	pids+=("$daemon_pid")
	trap 'sed "s/^/  tunfilterd: /" "$tmp/tunfilterd.log" >&2; stop_all' EXIT
	wait_for 10 "the tunfilterd control socket" tfctl show interfaces
}

# tunfilterd_drops: the non-zero drop counters, or " none".
tunfilterd_drops() {
	local drops
	drops=$(tfctl show stats | awk '/^drops:/ { d = 1; next } /^[^ ]/ { d = 0 }
		d && $2 != 0 { printf " %s=%s", $1, $2 }')
	echo "${drops:- none}"
}

veth_offloads() { # on|off, on the four veth ends of the kernel router
	local spec ns dev
	for spec in "$NS_CLI $IF_CLI" "$NS_RTR rtr0" "$NS_RTR rtr1" "$NS_SRV $IF_SRV"; do
		read -r ns dev <<<"$spec"
		# veth refuses some of these (rx); the others still change.
		ip netns exec "$ns" ethtool -K "$dev" tx "$1" rx "$1" tso "$1" gso "$1" \
			gro "$1" >/dev/null 2>&1 || true
	done
	if [ "$1" = off ] && ip netns exec "$NS_CLI" ethtool -k "$IF_CLI" |
		grep -Eq '^(tcp-segmentation-offload|generic-segmentation-offload): on'; then
		die_setup "could not turn offloads off"
	fi
}

# kernel_router_up: the three namespaces, veths (offloads as veth makes
# them), ip_forward, routes, and the forwarding on CPU_FWD by RPS.
kernel_router_up() {
	local spec
	ns_prepare "$NS_CLI" "$NS_SRV" "$NS_RTR"
	ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
	ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name rtr0 netns "$NS_RTR"
	ip link add "$IF_SRV" netns "$NS_SRV" type veth peer name rtr1 netns "$NS_RTR"
	ip -n "$NS_CLI" addr add "$CLI_ADDR/24" dev "$IF_CLI"
	ip -n "$NS_SRV" addr add "$SRV_ADDR/24" dev "$IF_SRV"
	ip -n "$NS_RTR" addr add 10.1.0.1/24 dev rtr0
	ip -n "$NS_RTR" addr add 10.2.0.1/24 dev rtr1
	for spec in "$NS_CLI $IF_CLI" "$NS_SRV $IF_SRV" "$NS_RTR rtr0" "$NS_RTR rtr1"; do
		ip -n "${spec% *}" link set "${spec#* }" up
	done
	ip -n "$NS_CLI" route add default via 10.1.0.1
	ip -n "$NS_SRV" route add default via 10.2.0.1
	ip netns exec "$NS_RTR" sh -c "
		echo $CPU_FWD_MASK > /sys/class/net/rtr0/queues/rx-0/rps_cpus &&
		echo $CPU_FWD_MASK > /sys/class/net/rtr1/queues/rx-0/rps_cpus" ||
		die_setup "RPS on the router's veths"
}

# run_setup NAME HEADING: run_NAME in a subshell with errexit; sets
# failed=1 if it fails.
run_setup() {
	local rc
	echo
	echo "=== $2 ==="
	# Not "if ! run_x": errexit does not apply inside a tested command.
	set +e
	(
		set -e
		trap stop_all EXIT
		trap 'exit 130' INT TERM
		"run_$1"
	)
	rc=$?
	set -e
	[ $rc = 130 ] && exit 130
	if [ $rc != 0 ]; then
		echo "  $2: not measured"
		failed=1
	fi
}
