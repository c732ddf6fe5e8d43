#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Queue benchmark (issue 5, section 5). Not a timed test: it measures,
# prints a table and the ratios, and says whether the target holds.
#
# In one run, every forwarded packet goes through a userspace consumer that
# accepts it, in four setups between a client and a server namespace:
#
#   (a) tunfilterd, no rules: the same path without the queue
#   (b) tunfilterd, -A FORWARD -j NFQUEUE --queue-num 0, and qaccept.c, an
#       accept-all consumer on libtunfilter-queue (one verdict per packet)
#   (b') the same, the consumer answering with one batch verdict per read
#   (c) kernel router namespace (veth, offloads off), no rules
#   (d) the same with -A FORWARD -j NFQUEUE --queue-num 0 and nfqaccept.c,
#       an accept-all consumer on libnetfilter_queue (one verdict per packet)
#
#     [tfq-cli] 10.1.0.2 --TUN/veth-- router --TUN/veth-- 10.2.0.2 [tfq-srv]
#                                       |
#                              consumer (queue 0)
#
# Both consumers copy whole packets (copy mode packet, 65535 bytes) and the
# queues hold at most 4096 packets, without fail-open. The kernel's veths run
# without checksum and segmentation offloads, as a TUN without IFF_VNET_HDR
# carries MTU-sized packets only (forward.sh measures the kernel both ways).
#
# Figures, each for DURATION seconds (default 10), as in forward.sh:
#   TCP:  iperf3, one stream client -> server, the receiver's throughput.
#   UDP:  packets per second received by a sink on the server, 64-byte
#         payloads sent as fast as udpgen can (64 datagrams per system call).
#
# CPU placement on a 2-CPU machine, the same for every setup: iperf3 and
# udpgen on CPU 0; the router and its consumer on CPU 1 (tunfilterd and the
# consumer by taskset, the kernel's forwarding by RPS on its ingress veths).
# Setups (b2) and (d2) put the consumer on CPU 0 instead, beside the
# traffic generators: the kernel's consumer then no longer competes with
# the forwarding softirq, which is its better case.
#
# Target (issue 5): (b) at least (d) on both measures.
#
# Usage: tests/bench/queue.sh [-t SECONDS] [-B BUILDDIR] [-s SETUPS]
#   -t  seconds per measurement (default 10)
#   -B  build directory holding tunfilterd, tunfilter and the library
#       (default build/)
#   -s  comma-separated subset of plain,queue,batch,queue2,kernel,nfqueue,
#       nfqueue2 (default: all)
# Root only. Needs iperf3, ethtool, python3, iproute2, iptables, a C compiler
# and libnetfilter-queue-dev (contrib/install-deps.sh installs them). Exit
# status: 0 if every setup was measured (whether or not the target holds),
# 1 if a setup could not be measured, 2 on bad usage.
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/../.." && pwd)
duration=10
builddir=$top/build
setups=plain,queue,batch,queue2,kernel,nfqueue,nfqueue2

usage() {
	sed -n '/^# Usage:/,/^#       (default: all)/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts "t:B:s:h" opt; do
	case $opt in
	t) duration=$OPTARG ;;
	B) builddir=$(cd "$OPTARG" && pwd) ;;
	s) setups=$OPTARG ;;
	*) usage ;;
	esac
done
[[ $duration =~ ^[1-9][0-9]*$ ]] || usage
[ "$(id -u)" = 0 ] || { echo "queue.sh: must run as root" >&2; exit 1; }
for t in iperf3 ethtool python3 ip iptables taskset cc pkg-config; do
	command -v "$t" >/dev/null ||
		{ echo "queue.sh: $t missing (run contrib/install-deps.sh)" >&2; exit 1; }
done
pkg-config --exists libnetfilter_queue ||
	{ echo "queue.sh: libnetfilter-queue-dev missing (contrib/install-deps.sh)" >&2; exit 1; }

# Names of their own: forward.sh may run beside this script.
NS_CLI=tfq-cli
NS_SRV=tfq-srv
NS_RTR=tfq-rtr
CLI_ADDR=10.1.0.2
SRV_ADDR=10.2.0.2
PORT=5201

if [ "$(nproc)" -ge 2 ]; then
	CPU_APP=0
	CPU_FWD=1
else
	CPU_APP=0
	CPU_FWD=0
fi
CPU_FWD_MASK=$(printf '%x' $((1 << CPU_FWD)))

tmp=$(mktemp -d /tmp/tfqbench.XXXXXX)
pids=()
failed=0

# --- cleanup: on any exit, whatever was reached -----------------------------

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

stop_all() {
	local pid ns
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	pids=()
	for ns in $NS_CLI $NS_SRV $NS_RTR; do
		if ip netns list | grep -qw "^$ns"; then
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers (as forward.sh) --------------------------------------------------

die_setup() {
	echo "  error: $*" >&2
	exit 1
}

wait_for() { # seconds description command...
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die_setup "timed out after ${secs}s waiting for $what"
}

ns_prepare() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
}

ping_ok() {
	ip netns exec "$1" ping -c 1 -W 1 -q "$2"
}

path_check() {
	wait_for 10 "ping $CLI_ADDR -> $SRV_ADDR" ping_ok $NS_CLI $SRV_ADDR
	wait_for 10 "ping $SRV_ADDR -> $CLI_ADDR" ping_ok $NS_SRV $CLI_ADDR
}

listening() {
	[ -n "$(ip netns exec $NS_SRV ss -Hltn "sport = :$PORT")" ]
}

tcp_run() {
	local spid json=$tmp/iperf.json
	ip netns exec $NS_SRV taskset -c $CPU_APP iperf3 -s -1 -B $SRV_ADDR -p $PORT \
		>"$tmp/iperf-server.log" 2>&1 &
	spid=$!
	pids+=("$spid")
	wait_for 5 "iperf3 server" listening
	timeout $((duration + 30)) ip netns exec $NS_CLI taskset -c $CPU_APP \
		iperf3 -c $SRV_ADDR -p $PORT -t "$duration" -J >"$json" ||
		die_setup "iperf3 failed: $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1])).get("error", "?"))' "$json" 2>/dev/null)"
	stop_pid "$spid"
	python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' \
		"$json" >"$tmp/fig"
}

udp_run() {
	local rpid sent secs rcvd span
	ip netns exec $NS_SRV taskset -c $CPU_APP "$tmp/udpgen" recv $SRV_ADDR $PORT \
		>"$tmp/udp-recv.out" &
	rpid=$!
	pids+=("$rpid")
	wait_for 5 "the udpgen sink" grep -q ready "$tmp/udp-recv.out"
	timeout $((duration + 30)) ip netns exec $NS_CLI taskset -c $CPU_APP \
		"$tmp/udpgen" send $SRV_ADDR $PORT "$duration" 64 >"$tmp/udp-send.out" ||
		die_setup "udpgen send failed"
	wait_for 10 "the udpgen sink to finish" grep -q received "$tmp/udp-recv.out"
	read -r _ sent secs <"$tmp/udp-send.out"
	read -r _ rcvd span < <(grep received "$tmp/udp-recv.out")
	python3 -c 'import sys
r, span, s, secs = map(float, sys.argv[1:])
print("%.1f %.1f" % (r / span / 1e3 if span > 0 else 0, s / secs / 1e3))' \
		"$rcvd" "$span" "$sent" "$secs" >"$tmp/fig"
}

measure() { # label
	local label=$1 t u o
	echo "  TCP (${duration}s) ..."
	tcp_run
	t=$(<"$tmp/fig")
	echo "  UDP 64-byte (${duration}s) ..."
	udp_run
	read -r u o <"$tmp/fig"
	echo "$t $u $o" >"$tmp/result-$label"
	printf '  %s: TCP %s Mbit/s; UDP %s kpps received at the server (%s kpps offered)\n' \
		"$label" "$t" "$u" "$o"
}

# consumer LABEL CMD...: an accept-all consumer on CPU_CONS (CPU_FWD unless
# a setup says otherwise), ready when bound; its pid in CONSUMER.
CPU_CONS=$CPU_FWD
consumer() {
	local label=$1
	shift
	taskset -c $CPU_CONS "$@" >"$tmp/$label.out" 2>&1 &
	CONSUMER=$!
	pids+=("$CONSUMER")
	wait_for 10 "the $label consumer" grep -qx ready "$tmp/$label.out"
}

# The consumer's own count once stopped, to show it saw the traffic.
consumer_report() { # label
	stop_pid "$CONSUMER"
	echo "  consumer: $(grep accepted "$tmp/$1.out" || echo "no count")"
}

# --- tunfilterd --------------------------------------------------------------

# run_tfd QUEUE [LABEL]: QUEUE is "" (no rules), "each" or "batch" (the
# consumer's mode).
run_tfd() {
	local conf=$tmp/bench.conf sock=$tmp/control.sock qsock=$tmp/queue.sock label
	[ -x "$builddir/tunfilterd" ] && [ -x "$builddir/tunfilter" ] ||
		die_setup "no tunfilterd/tunfilter in $builddir (build first, or -B DIR)"
	ns_prepare $NS_CLI $NS_SRV
	cat >"$tmp/rules.v4" <<-EOF
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	${1:+-A FORWARD -j NFQUEUE --queue-num 0}
	COMMIT
	EOF
	cat >"$conf" <<-EOF
	# tunfilterd for the queue benchmark.
	[daemon]
	control_socket = $sock
	rules = $tmp/rules.v4

	[queue]
	path = $qsock

	[interface tfq0]
	address = 10.1.0.1/24
	netns = $NS_CLI
	peer_address = $CLI_ADDR/24
	peer_routes = default

	[interface tfq1]
	address = 10.2.0.1/24
	netns = $NS_SRV
	peer_address = $SRV_ADDR/24
	peer_routes = default
	EOF
	taskset -c $CPU_FWD "$builddir/tunfilterd" -f -c "$conf" >"$tmp/tunfilterd.log" 2>&1 &
	pids+=("$!")
	trap 'sed "s/^/  tunfilterd: /" "$tmp/tunfilterd.log" >&2; stop_all' EXIT
	wait_for 10 "the tunfilterd control socket" \
		"$builddir/tunfilter" --socket "$sock" show interfaces
	case ${1:-} in
	each) consumer qaccept "$tmp/qaccept" "$qsock" 0 ;;
	batch) consumer qaccept "$tmp/qaccept" -b "$qsock" 0 ;;
	esac
	path_check
	label=${2:-tfd${1:+-$1}}
	measure "$label"
	trap stop_all EXIT
	if [ -n "${1:-}" ]; then
		"$builddir/tunfilter" --socket "$sock" queue | sed 's/^/    /'
		consumer_report qaccept
	fi
}

run_plain() { run_tfd ""; }
run_queue() { run_tfd each; }
run_batch() { run_tfd batch; }
run_queue2() {
	CPU_CONS=$CPU_APP
	run_tfd each tfd-each2
}

# --- kernel ----------------------------------------------------------------------

kernel_up() {
	local spec
	ns_prepare $NS_CLI $NS_SRV $NS_RTR
	ip netns exec $NS_RTR sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
	ip link add tfq0 netns $NS_CLI type veth peer name rtr0 netns $NS_RTR
	ip link add tfq1 netns $NS_SRV type veth peer name rtr1 netns $NS_RTR
	ip -n $NS_CLI addr add $CLI_ADDR/24 dev tfq0
	ip -n $NS_SRV addr add $SRV_ADDR/24 dev tfq1
	ip -n $NS_RTR addr add 10.1.0.1/24 dev rtr0
	ip -n $NS_RTR addr add 10.2.0.1/24 dev rtr1
	for spec in "$NS_CLI tfq0" "$NS_SRV tfq1" "$NS_RTR rtr0" "$NS_RTR rtr1"; do
		ip -n ${spec% *} link set ${spec#* } up
		# veth refuses some of these (rx); the others still change.
		ip netns exec ${spec% *} ethtool -K ${spec#* } tx off rx off tso off gso off \
			gro off >/dev/null 2>&1 || true
	done
	ip -n $NS_CLI route add default via 10.1.0.1
	ip -n $NS_SRV route add default via 10.2.0.1
	ip netns exec $NS_RTR sh -c "
		echo $CPU_FWD_MASK > /sys/class/net/rtr0/queues/rx-0/rps_cpus &&
		echo $CPU_FWD_MASK > /sys/class/net/rtr1/queues/rx-0/rps_cpus" ||
		die_setup "RPS on the router's veths"
	if ip netns exec $NS_CLI ethtool -k tfq0 |
		grep -Eq '^(tcp-segmentation-offload|generic-segmentation-offload): on'; then
		die_setup "could not turn offloads off"
	fi
}

run_kernel() {
	kernel_up
	path_check
	measure kernel
}

run_nfqueue() { # [LABEL]
	kernel_up
	ip netns exec $NS_RTR iptables -A FORWARD -j NFQUEUE --queue-num 0
	consumer nfqaccept ip netns exec $NS_RTR "$tmp/nfqaccept" 0
	path_check
	measure "${1:-kernel-nfqueue}"
	consumer_report nfqaccept
}

run_nfqueue2() {
	CPU_CONS=$CPU_APP
	run_nfqueue kernel-nfqueue2
}

run_setup() { # name heading
	local rc
	echo
	echo "=== $2 ==="
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

# --- main ----------------------------------------------------------------------------

echo "tunfilter queue benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(uname -srm), $(nproc) CPU ($(awk -F': ' '/^model name/ { print $2; exit }' \
	/proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "iperf3/udpgen on CPU $CPU_APP, router and consumer on CPU $CPU_FWD;" \
	"${duration}s per figure; load average $(cut -d' ' -f1-3 /proc/loadavg)"
cc -O2 -Wall -o "$tmp/udpgen" "$top/tests/bench/udpgen.c"
# shellcheck disable=SC2046
cc -O2 -Wall -o "$tmp/nfqaccept" "$top/tests/bench/nfqaccept.c" \
	$(pkg-config --cflags --libs libnetfilter_queue)
[ -e "$builddir/.libs/libtunfilter-queue.so" ] ||
	{ echo "queue.sh: no libtunfilter-queue in $builddir (build first)" >&2; exit 1; }
cc -O2 -Wall -I"$top/include" -o "$tmp/qaccept" "$top/tests/bench/qaccept.c" \
	-L"$builddir/.libs" -ltunfilter-queue -Wl,-rpath,"$builddir/.libs"
stop_all

for s in ${setups//,/ }; do
	case $s in
	plain) run_setup plain "(a) tunfilterd, no rules" ;;
	queue) run_setup queue "(b) tunfilterd, NFQUEUE, library consumer (a verdict per packet)" ;;
	batch) run_setup batch "(b') tunfilterd, NFQUEUE, library consumer (batch verdicts)" ;;
	queue2) run_setup queue2 "(b2) as (b), the consumer on CPU $CPU_APP" ;;
	kernel) run_setup kernel "(c) kernel router, no rules" ;;
	nfqueue) run_setup nfqueue "(d) kernel router, NFQUEUE, libnetfilter_queue consumer" ;;
	nfqueue2) run_setup nfqueue2 "(d2) as (d), the consumer on CPU $CPU_APP" ;;
	*) echo "queue.sh: unknown setup \"$s\"" >&2; exit 2 ;;
	esac
done

# --- the table ------------------------------------------------------------------------

# shellcheck disable=SC2034 # read through namerefs in fig and ratio
declare -A tcp udp offered
for f in "$tmp"/result-*; do
	[ -e "$f" ] || continue
	label=${f##*/result-}
	read -r "tcp[$label]" "udp[$label]" "offered[$label]" <"$f"
done

fig() {
	local -n a=$1
	printf '%s' "${a[$2]:-n/a}"
}

ratio() {
	local -n a=$1
	local n=${a[$2]:-} d=${a[$3]:-}
	if [ -n "$n" ] && [ -n "$d" ]; then
		python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" \
			"$n" "$d"
	else
		printf 'n/a'
	fi
}

# The kernel's best consumer placement, figure by figure.
for m in tcp udp; do
	declare -n a=$m
	best=
	for l in kernel-nfqueue kernel-nfqueue2; do
		v=${a[$l]:-}
		[ -n "$v" ] || continue
		if [ -z "$best" ] || python3 -c "import sys
sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$v" "$best"; then
			best=$v
		fi
	done
	[ -n "$best" ] && a[kernel-best]=$best
	unset -n a
done

echo
echo "=== results ==="
printf '%-44s %12s %10s %12s\n' "setup" "TCP Mbit/s" "UDP kpps" "(offered)"
for spec in "tfd|(a) tunfilterd, no rules" "tfd-each|(b) tunfilterd + queue, verdict per packet" \
	"tfd-batch|(b') tunfilterd + queue, batch verdicts" \
	"tfd-each2|(b2) as (b), consumer on CPU $CPU_APP" "kernel|(c) kernel router, no rules" \
	"kernel-nfqueue|(d) kernel + NFQUEUE (libnetfilter_queue)" \
	"kernel-nfqueue2|(d2) as (d), consumer on CPU $CPU_APP"; do
	label=${spec%%|*}
	[ -e "$tmp/result-$label" ] || continue
	printf '%-44s %12s %10s %12s\n' "${spec#*|}" "$(fig tcp "$label")" "$(fig udp "$label")" \
		"$(fig offered "$label")"
done
echo
printf '%-44s %12s %10s\n' "ratio" "TCP" "UDP"
for spec in "(b) / (d)|tfd-each kernel-nfqueue" "(b') / (d)|tfd-batch kernel-nfqueue" \
	"(b2) / (d2)|tfd-each2 kernel-nfqueue2" "(b) / best of (d), (d2)|tfd-each kernel-best" \
	"(b) / (a): the cost of the queue|tfd-each tfd"; do
	read -r n d <<<"${spec#*|}"
	printf '%-44s %12s %10s\n' "${spec%%|*}" "$(ratio tcp "$n" "$d")" "$(ratio udp "$n" "$d")"
done
echo
rt=$(ratio tcp tfd-each kernel-best)
ru=$(ratio udp tfd-each kernel-best)
if [ "$rt" = n/a ] || [ "$ru" = n/a ]; then
	verdict="NOT MEASURED"
elif python3 -c "import sys; sys.exit(0 if min(map(float, sys.argv[1:])) >= 1.0 else 1)" \
	"$rt" "$ru"; then
	verdict=PASS
else
	verdict=FAIL
fi
echo "target (issue 5): (b) tunfilterd + library consumer >= the best kernel NFQUEUE figure," \
	"TCP and UDP: $verdict"
exit $failed
