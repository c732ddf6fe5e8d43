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

# The lab: namespaces, routers, clean-up (stop_all), run_setup, usage.
. "$top/tests/bench/lib.sh"

while getopts "t:B:s:h" opt; do
	case $opt in
	t) duration=$OPTARG ;;
	B) builddir=$(cd "$OPTARG" && pwd) ;;
	s) setups=$OPTARG ;;
	*) bench_usage ;;
	esac
done
[[ $duration =~ ^[1-9][0-9]*$ ]] || bench_usage
[ "$(id -u)" = 0 ] || { echo "queue.sh: must run as root" >&2; exit 1; }
bench_require iperf3 ethtool python3 ip iptables taskset cc pkg-config
pkg-config --exists libnetfilter_queue ||
	{ echo "queue.sh: libnetfilter-queue-dev missing (contrib/install-deps.sh)" >&2; exit 1; }

# Names of their own: forward.sh may run beside this script. The lab is
# removed on any exit, whatever was reached.
NICE=
bench_lab tfq tfq0 tfq1 tfqbench

# --- helpers ------------------------------------------------------------------

# UDP: to $tmp/fig "<kpps received by the sink> <kpps offered by the sender>".
udp_run() {
	local res sent secs rcvd span
	udp_sink_start
	udp_send
	res=$(udp_sink_result)
	read -r _ sent secs <"$tmp/udp-send.out"
	read -r rcvd span <<<"$res"
	python3 -c 'import sys
r, span, s, secs = map(float, sys.argv[1:])
print("%.1f %.1f" % (r / span / 1e3 if span > 0 else 0, s / secs / 1e3))' \
		"$rcvd" "$span" "$sent" "$secs" >"$tmp/fig"
}

measure() { # label: results in $tmp/result-label as "tcp udp udp_offered"
	tcp_udp_measure "$1"
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
	local qsock=$tmp/queue.sock
	ns_prepare "$NS_CLI" "$NS_SRV"
	cat >"$tmp/rules.v4" <<-EOF
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	${1:+-A FORWARD -j NFQUEUE --queue-num 0}
	COMMIT
	EOF
	tunfilterd_start "[queue]"$'\n'"path = $qsock" "$tmp/rules.v4"
	case ${1:-} in
	each) consumer qaccept "$tmp/qaccept" "$qsock" 0 ;;
	batch) consumer qaccept "$tmp/qaccept" -b "$qsock" 0 ;;
	esac
	path_check
	measure "${2:-tfd${1:+-$1}}"
	trap stop_all EXIT
	if [ -n "${1:-}" ]; then
		tfctl queue | sed 's/^/    /'
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
	kernel_router_up
	veth_offloads off
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

# --- main ----------------------------------------------------------------------------

bench_machine "tunfilter queue benchmark"
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
