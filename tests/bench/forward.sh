#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Forwarding benchmark (issue 2, section 6). Not a timed test: it measures,
# prints a table and the ratios, and says whether the target holds.
#
# In one run, between a client and a server namespace, across three routers
# (tunfilterd twice: as shipped, where no rule asks for connection tracking
# so none runs, as in the kernel; and with [conntrack] enable = yes, which
# tracks every packet anyway, to show what tracking costs):
#
#   (a) tunfilterd, no rules          (b) plain TUN relay (relay.c)
#
#     [cli]                              [cli]
#       IF_CLI 10.1.0.2/24, default dev    IF_CLI 10.1.0.2/24, default dev
#        | TUN                              | TUN
#     tunfilterd  10.1.0.1 | 10.2.0.1      relay: copies packets both ways
#        | TUN                              | TUN
#       IF_SRV 10.2.0.2/24, default dev    IF_SRV 10.2.0.2/24, default dev
#     [srv]                              [srv]
#
#   (c) kernel router namespace, veth pairs (ARP on)
#
#     [cli] IF_CLI 10.1.0.2/24 ==veth== rtr0 10.1.0.1/24 [rtr]
#     [srv] IF_SRV 10.2.0.2/24 ==veth== rtr1 10.2.0.1/24 [rtr] ip_forward=1
#
#   Namespaces are tfbPID-cli, tfbPID-srv, tfbPID-rtr and the links
#   IF_CLI = tfbPIDc, IF_SRV = tfbPIDs: the TUNs are born in the root
#   namespace, and nothing may clash with another run or another script.
#
#     measured with checksum/segmentation offloads off on every veth end
#     (ethtool -K tx off rx off tso off gso off gro off), because a TUN
#     without IFF_VNET_HDR carries MTU-sized packets only; and, for
#     reference, once more with the veth defaults (offloads on).
#
# Figures, each for DURATION seconds (default 10):
#   TCP:  iperf3, one stream client -> server, the receiver's throughput.
#   UDP:  packets per second received by the server, 64-byte payloads
#         (92-byte IP packets) sent as fast as the client can: datagrams
#         that reached the server's UDP layer (Udp InDatagrams +
#         RcvbufErrors in its /proc/net/snmp), to a socket that nobody
#         reads. udpgen.c sends 64 datagrams per system call; iperf3 -u
#         -l 64 -b 0 sends one per call. A process reading the datagrams
#         would share CPU 0 with the sender and hold the offered rate down
#         to what the routers forward; the receive path up to the socket
#         runs on the router's CPU in every setup anyway (see below). The
#         offered rate is printed too: above the received rate, it shows
#         that the router, not the generator, set the figure.
#
# CPU placement on a 2-CPU machine, the same for every setup: the client
# and the server (iperf3, udpgen) on CPU 0; the router on CPU 1: tunfilterd
# and the relay by taskset, the kernel router by RPS on its two ingress
# veths, so that its forwarding (softirq) also runs on CPU 1. In every setup the server
# kernel's receive path then runs on CPU 1 too (inside the TUN write, or in
# the RPS softirq that forwarded the packet).
#
# Usage: tests/bench/forward.sh [-t SECONDS] [-r ROUNDS] [-B BUILDDIR] [-s SETUPS] [-n]
#   -t  seconds per measurement (default 10)
#   -r  rounds (default 3): each round measures every setup once, and the
#       table shows the median of the rounds
#   -B  build directory holding tunfilterd and tunfilter (default build/)
#   -s  comma-separated subset of tunfilterd,tunfilterd-ct,relay,kernel
#       (default: all)
#   -n  skip the kernel router with offloads on
# Root only. Needs iperf3, ethtool, python3, iproute2, a C compiler
# (contrib/install-deps.sh installs them). Exit status: 0 if every setup
# was measured (whether or not the target holds: that is printed), 1 if a
# setup could not be measured, 2 on bad usage.
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/../.." && pwd)
duration=10
builddir=$top/build
setups=tunfilterd,tunfilterd-ct,relay,kernel
offload_on=1
rounds=3

# The lab: namespaces, routers, clean-up (stop_all), run_setup, usage.
. "$top/tests/bench/lib.sh"

while getopts "t:r:B:s:nh" opt; do
	case $opt in
	t) duration=$OPTARG ;;
	r) rounds=$OPTARG ;;
	B) builddir=$(cd "$OPTARG" && pwd) ;;
	s) setups=$OPTARG ;;
	n) offload_on=0 ;;
	*) bench_usage ;;
	esac
done
[[ $duration =~ ^[1-9][0-9]*$ ]] && [[ $rounds =~ ^[1-9][0-9]*$ ]] || bench_usage
[ "$(id -u)" = 0 ] || { echo "forward.sh: must run as root" >&2; exit 1; }
bench_require iperf3 ethtool python3 ip taskset cc

NICE=
# The lab's names (see the top), removed on any exit, whatever was reached.
bench_lab tfb$$ tfb$$c tfb$$s tfbench

udp_rx_count() { # datagrams that reached the server's UDP layer
	ip netns exec $NS_SRV cat /proc/net/snmp | awk '
		$1 == "Udp:" && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == "Udp:" { print $col["InDatagrams"] + $col["RcvbufErrors"] }'
}

# UDP: udpgen, 64-byte payloads as fast as the sender can; to $tmp/fig:
# "<kpps received by the server> <kpps offered by the sender>".
udp_run() {
	local hpid before after sent secs
	ip netns exec $NS_SRV "$tmp/udpgen" hold $SRV_ADDR $PORT >"$tmp/udp-hold.out" &
	hpid=$!
	pids+=("$hpid")
	wait_for 5 "the udpgen socket" grep -q ready "$tmp/udp-hold.out"
	before=$(udp_rx_count)
	udp_send
	# What is still in the TUN queues or the router arrives within
	# milliseconds; wait until the count stops moving.
	after=$(udp_rx_count)
	while sleep 0.2 && [ "$(udp_rx_count)" != "$after" ]; do
		after=$(udp_rx_count)
	done
	stop_pid "$hpid"
	rm -f "$tmp/udp-hold.out"
	read -r _ sent secs <"$tmp/udp-send.out"
	python3 -c 'import sys
r, s, secs = map(float, sys.argv[1:])
print("%.1f %.1f" % (r / secs / 1e3, s / secs / 1e3))' \
		"$((after - before))" "$sent" "$secs" >"$tmp/fig"
}

measure() { # label: results in $tmp/result-label.round as "tcp udp udp_offered"
	tcp_udp_measure "$1" "$round"
}

# --- (a) tunfilterd ------------------------------------------------------------

# tunfilterd_run LABEL [EXTRA-CONFIG]
tunfilterd_run() {
	ns_prepare $NS_CLI $NS_SRV
	tunfilterd_start "${2:-}"
	path_check
	measure "$1"
	trap stop_all EXIT
	# Drops would mean the figures measured something else than forwarding.
	echo "  tunfilterd drops:$(tunfilterd_drops)"
}

# As shipped ([conntrack] enable = auto): no rule needs tracking, so
# none runs, as in the kernel router's namespace without iptables rules.
run_tunfilterd() {
	tunfilterd_run tunfilterd
}

# Every packet tracked and its entry confirmed, though no rule asks.
run_tunfilterd_ct() {
	tunfilterd_run tunfilterd-ct $'[conntrack]\nenable = yes'
}

# --- (b) plain relay -------------------------------------------------------------

run_relay() {
	local ns dev addr
	ns_prepare $NS_CLI $NS_SRV
	taskset -c $CPU_FWD "$tmp/relay" $IF_CLI $IF_SRV >"$tmp/relay.out" 2>"$tmp/relay.err" &
	pids+=("$!")
	wait_for 5 "the relay's TUNs" grep -q ready "$tmp/relay.out"
	for spec in "$NS_CLI $IF_CLI $CLI_ADDR" "$NS_SRV $IF_SRV $SRV_ADDR"; do
		read -r ns dev addr <<<"$spec"
		ip link set "$dev" netns "$ns"
		ip -n "$ns" addr add "$addr/24" dev "$dev"
		ip -n "$ns" link set "$dev" up
		ip -n "$ns" route add default dev "$dev"
	done
	path_check
	measure relay
}

# --- (c) kernel router -------------------------------------------------------------

run_kernel() {
	kernel_router_up
	path_check
	if [ "$offload_on" = 1 ]; then
		echo "  offloads on (veth defaults):"
		measure kernel-on
	fi
	veth_offloads off
	echo "  offloads off:"
	measure kernel-off
}

# --- main ----------------------------------------------------------------------------

# Per cent of CPU time busy over one second, all CPUs: the load average
# would still count a benchmark that just ended.
cpu_busy() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep 1
	b=$(head -n 1 /proc/stat)
	echo "$a" "$b" | awk '{
		for (i = 2; i <= 11; i++) { t1 += $i; t2 += $(i + 11) }
		idle1 = $5 + $6; idle2 = $16 + $17
		printf "%.0f", 100 * (1 - (idle2 - idle1) / (t2 - t1)) }'
}

bench_machine "tunfilter forwarding benchmark"
busy=$(cpu_busy)
echo "iperf3/udpgen on CPU $CPU_APP, router on CPU $CPU_FWD; ${duration}s per figure;" \
	"$rounds rounds, median; CPU busy before the start: $busy%"
if [ "$busy" -gt 10 ]; then
	echo "warning: the machine is busy; the figures will be low and noisy"
fi
for tool in relay udpgen; do
	cc -O2 -Wall -o "$tmp/$tool" "$top/tests/bench/$tool.c"
done

# Rounds interleave the setups, so that a change of background load
# affects every setup alike rather than one of them.
for ((round = 1; round <= rounds; round++)); do
	rnd=", round $round of $rounds"
	for s in ${setups//,/ }; do
		case $s in
		tunfilterd) run_setup tunfilterd "(a) tunfilterd, no rules$rnd" ;;
		tunfilterd-ct)
			run_setup tunfilterd_ct "(a') tunfilterd, no rules, tracking every packet$rnd" ;;
		relay) run_setup relay "(b) plain TUN relay$rnd" ;;
		kernel) run_setup kernel "(c) kernel router namespace, veth$rnd" ;;
		*) echo "forward.sh: unknown setup \"$s\"" >&2; exit 2 ;;
		esac
	done
done

# --- the table ------------------------------------------------------------------------

echo
echo "=== results ==="
python3 - "$tmp" "$offload_on" <<-'EOF'
	import glob, os, statistics, sys
	tmp, offload_on = sys.argv[1], sys.argv[2] == "1"
	res = {}  # label -> list of (tcp, udp, offered)
	for path in sorted(glob.glob(os.path.join(tmp, "result-*"))):
	    label = os.path.basename(path)[len("result-"):].rsplit(".", 1)[0]
	    res.setdefault(label, []).append([float(x) for x in open(path).read().split()])

	def med(label, i):
	    runs = res.get(label)
	    return statistics.median(r[i] for r in runs) if runs else None

	def fmt(v):
	    return "n/a" if v is None else "%.1f" % v

	def spread(label, i):  # min-max over the rounds
	    runs = res.get(label)
	    if not runs or len(runs) < 2:
	        return ""
	    return "%.0f-%.0f" % (min(r[i] for r in runs), max(r[i] for r in runs))

	def ratio(a, b, i):
	    x, y = med(a, i), med(b, i)
	    return None if x is None or not y else x / y

	rows = [("tunfilterd", "tunfilterd, no rules"),
	        ("tunfilterd-ct", "tunfilterd, enable = yes"), ("relay", "plain TUN relay"),
	        ("kernel-off", "kernel router, offloads off")]
	if offload_on:
	    rows.append(("kernel-on", "kernel router, offloads on"))
	print("%-28s %10s %11s %9s %9s %9s %5s" % ("router", "TCP Mbit/s", "(range)", "UDP kpps",
	                                         "(range)", "(offered)", "runs"))
	bound = False
	for label, name in rows:
	    u, o = med(label, 1), med(label, 2)
	    # Received close to offered: the generator, not the router, was the limit.
	    mark = "*" if u is not None and u >= 0.95 * o else " "
	    bound = bound or mark == "*"
	    print("%-28s %10s %11s %8s%s %9s %9s %5d" % (name, fmt(med(label, 0)), spread(label, 0),
	                                               fmt(u), mark, spread(label, 1), fmt(o),
	                                               len(res.get(label, []))))
	if bound:
	    print("* received about all that was offered: the sender's CPU, not this router,")
	    print("  set the UDP figure; the router can forward at least that much")
	print()
	print("%-30s %11s %11s" % ("ratio of the medians", "TCP", "UDP"))
	for a, b, name in (("tunfilterd", "relay", "tunfilterd / relay"),
	                   ("tunfilterd", "kernel-off", "tunfilterd / kernel (off)"),
	                   ("tunfilterd-ct", "relay", "tracking all / relay"),
	                   ("tunfilterd-ct", "kernel-off", "tracking all / kernel (off)")):
	    r = [ratio(a, b, i) for i in (0, 1)]
	    print("%-30s %11s %11s" % (name, *("n/a" if x is None else "%.2f" % x for x in r)))
	print()
	print("target (issue 2): tunfilterd >= 0.9 x relay on TCP and UDP")
	for label, name in (("tunfilterd", "as shipped"), ("tunfilterd-ct", "tracking all")):
	    r = [ratio(label, "relay", i) for i in (0, 1)]
	    if None in r:
	        verdict = "NOT MEASURED"
	    else:
	        verdict = "PASS" if min(r) >= 0.9 else "FAIL"
	    print("  %-28s %s" % (name + ":", verdict))
	EOF
exit $failed
