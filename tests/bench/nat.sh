#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NAT benchmark (issue 4, section 5). Not a timed test: it measures, prints
# a table and the ratios, and says whether the targets hold.
#
# The ruleset ("masq"), the same in tunfilterd and in the kernel router
# (iptables-nft, Debian's default back end, or -k legacy):
#
#   *nat     -A POSTROUTING -o SRV-SIDE -j MASQUERADE
#   *filter  :FORWARD DROP
#            -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
#            -A FORWARD -i CLI-SIDE -m conntrack --ctstate NEW -j ACCEPT
#
# In one run, between a client and a server namespace (the lab of
# forward.sh and rules.sh, from lib.sh, with their CPU placement):
#
#   (a) tunfilterd, no rules (conntrack on, as shipped): TCP
#   (b) tunfilterd, masq:                                TCP, connections/s
#   (c) kernel router namespace, masq (veth, offloads
#       off: a TUN carries MTU-sized packets only):      TCP, connections/s
#
#   TCP:  iperf3, one stream client -> server, the receiver's Mbit/s.
#   connections/s: short HTTP requests without keep-alive, ab -c C
#         (HTTP/1.0, a new connection each) against nginx on the server
#         ("return 200"), for the duration; each connection is a new
#         conntrack entry and a new MASQUERADE binding.
#
# Every figure is also given per second of the router's own CPU time
# (tunfilterd's, or the kernel's softirq work on the forwarding CPU), as
# rules.sh does: on a machine busy with other work the plain figure is a
# lower bound and the per-CPU-second one is what holds. iperf3, ab, nginx
# and tunfilterd run at nice -20 (see rules.sh; -p raises the session's
# autogroup too).
#
# Targets (issue 4): TCP with masq >= 0.9 x tunfilterd without rules;
# connections/s with masq >= 0.7 x the kernel's; at most 256 bytes per
# tracked entry with 1,000,000 entries: conntrack.sh measures that (-c runs
# it here; otherwise the last recorded figure is printed).
#
# Usage: tests/bench/nat.sh [-t SECONDS] [-r RUNS] [-c CONNS] [-B BUILDDIR] [-k BACKEND] [-p] [-m]
#   -t  seconds per figure (default 5)
#   -r  measure every figure RUNS times, setups interleaved; the table
#       shows the best plain figure and the median per CPU second (default 1)
#   -c  ab's concurrency (default 16)
#   -B  build directory holding tunfilterd and tunfilter (default build/)
#   -k  kernel iptables back end: nft (default) or legacy
#   -p  raise this session's autogroup to nice -20 for the run
#   -m  run conntrack.sh (1,000,000 entries) for the memory figure
# Root only. Needs iperf3, nginx, ab, ethtool, python3, iproute2, iptables;
# nginx-light and apache2-utils are installed if missing. Exit status: 0 if
# everything was measured (whether or not the targets hold: that is
# printed), 1 if something could not be, 2 on bad usage.
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/../.." && pwd)
duration=5
runs=1
conc=16
builddir=$top/build
backend=nft
boost=0
run_mem=0
# conntrack.sh, 2026-11-27, this machine: bytes per entry at 1,000,000.
MEM_RECORDED=195

# The lab: namespaces, routers, clean-up (stop_all), run_setup, usage.
. "$top/tests/bench/lib.sh"

while getopts "t:r:c:B:k:pmh" opt; do
	case $opt in
	t) duration=$OPTARG ;;
	r) runs=$OPTARG ;;
	c) conc=$OPTARG ;;
	B) builddir=$(cd "$OPTARG" && pwd) ;;
	k) backend=$OPTARG ;;
	p) boost=1 ;;
	m) run_mem=1 ;;
	*) bench_usage ;;
	esac
done
if ! [[ $duration =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $conc =~ ^[1-9][0-9]*$ &&
	$backend =~ ^(nft|legacy)$ ]]; then
	bench_usage
fi
[ "$(id -u)" = 0 ] || { echo "nat.sh: must run as root" >&2; exit 1; }
if ! command -v nginx >/dev/null || ! command -v ab >/dev/null; then
	echo "nat.sh: installing nginx-light and apache2-utils (nginx, ab)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		nginx-light apache2-utils </dev/null >/dev/null ||
		{ echo "nat.sh: could not install nginx-light apache2-utils" >&2; exit 1; }
fi
bench_require iperf3 nginx ab ethtool python3 ip taskset "iptables-$backend-restore"

HTTP_PORT=80
NICE="nice -n -20"
# The lab's names, removed on any exit, whatever was reached.
bench_lab tfn$$ tfn$$c tfn$$s tfnat

# masq_rules IN OUT: the ruleset, IN/OUT the router's client/server side.
masq_rules() {
	cat <<-EOF
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	-A POSTROUTING -o $2 -j MASQUERADE
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -i $1 -m conntrack --ctstate NEW -j ACCEPT
	COMMIT
	EOF
}

# --- the figures -----------------------------------------------------------------

# Many short connections: the whole port range on the client, and a
# server that takes them as fast as they come.
conn_lab() {
	ip netns exec "$NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec "$NS_SRV" sysctl -qw net.core.somaxconn=4096 \
		net.ipv4.tcp_max_syn_backlog=4096
}

nginx_start() {
	mkdir -p "$tmp/nginx"
	cat >"$tmp/nginx/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	master_process off;
	pid $tmp/nginx/nginx.pid;
	error_log $tmp/nginx/error.log warn;
	events { worker_connections 4096; }
	http {
		access_log off;
		client_body_temp_path $tmp/nginx/body;
		keepalive_timeout 0;
		server {
			listen $SRV_ADDR:$HTTP_PORT backlog=4096;
			location / { return 200 "ok\n"; }
		}
	}
	EOF
	# shellcheck disable=SC2086
	ip netns exec "$NS_SRV" $NICE taskset -c "$CPU_APP" nginx -p "$tmp/nginx" \
		-c "$tmp/nginx/nginx.conf" >"$tmp/nginx/out.log" 2>&1 &
	pids+=("$!")
	wait_for 5 "nginx" listening $HTTP_PORT
}

# ab for the duration; to $tmp/fig "conns/s conns-per-router-CPU-second",
# where the forwarding CPU's time went to $tmp/usage.
conn_run() {
	local s0 s1 out=$tmp/ab.out done_ fail rps cpu
	s0=$(router_sample)
	# -n after -t: ab's -t sets a cap of 50000 requests, -n lifts it.
	# shellcheck disable=SC2086
	timeout $((duration + 30)) ip netns exec "$NS_CLI" $NICE taskset -c "$CPU_APP" \
		ab -q -r -t "$duration" -n 100000000 -c "$conc" \
		"http://$SRV_ADDR:$HTTP_PORT/" >"$out" 2>&1 ||
		die_setup "ab failed: $(tail -3 "$out")"
	s1=$(router_sample)
	done_=$(awk '/^Complete requests:/ { print $3 }' "$out")
	fail=$(awk '/^Failed requests:/ { print $3 }' "$out")
	rps=$(awk '/^Requests per second:/ { print $4 }' "$out")
	[ -n "$done_" ] && [ -n "$rps" ] || die_setup "ab: no figures: $(tail -3 "$out")"
	[ "${fail:-0}" = 0 ] || echo "  warning: ab: $fail of $done_ requests failed" >&2
	cpu=$(router_usage "$s0" "$s1" 2>"$tmp/usage")
	python3 -c 'import sys
n, rps, cpu = map(float, sys.argv[1:])
print("%.0f %s" % (rps, "%.0f" % (n / cpu) if cpu > 0 else "n/a"))' \
		"$done_" "$rps" "$cpu" >"$tmp/fig"
}

# TCP with the router's CPU time: to $tmp/fig "Mbit/s Mbit-per-CPU-second".
tcp_measure() {
	local s0 s1 mbit cpu
	s0=$(router_sample)
	tcp_run
	s1=$(router_sample)
	mbit=$(<"$tmp/fig")
	cpu=$(router_usage "$s0" "$s1" 2>"$tmp/usage")
	python3 -c 'import sys
mbit, cpu, t = map(float, sys.argv[1:])
print("%s %s" % (sys.argv[1], "%.0f" % (mbit * t / cpu) if cpu > 0 else "n/a"))' \
		"$mbit" "$cpu" "$duration" >"$tmp/fig"
}

# measure ROUTER WHAT (tcp, conn): "figure per-cpu" appended to
# $tmp/result-ROUTER-WHAT.
measure() {
	local f c unit
	if [ "$2" = tcp ]; then
		tcp_measure
		unit=Mbit/s
	else
		conn_run
		unit=conns/s
	fi
	read -r f c <"$tmp/fig"
	echo "$f $c" >>"$tmp/result-$1-$2"
	printf '  %-16s %-4s %8s %-7s %8s per router CPU second\n' "$1" "$2" "$f" "$unit" "$c"
	printf '%23s(%s)\n' "" "$(<"$tmp/usage")"
}

# --- the routers -------------------------------------------------------------------

# With masq the server cannot open a connection (nor ping) to the client:
# the path is checked from the client only.
masq_path_check() {
	wait_for 10 "ping $CLI_ADDR -> $SRV_ADDR" ping_ok "$NS_CLI" "$SRV_ADDR"
}

run_tunfilterd_norules() {
	ns_prepare "$NS_CLI" "$NS_SRV"
	tunfilterd_start
	path_check
	measure tunfilterd-none tcp
	echo "  tunfilterd drops:$(tunfilterd_drops)"
	trap stop_all EXIT
}

run_tunfilterd_masq() {
	ns_prepare "$NS_CLI" "$NS_SRV"
	conn_lab
	masq_rules "$IF_CLI" "$IF_SRV" >"$tmp/masq.v4"
	tunfilterd_start "" "$tmp/masq.v4"
	masq_path_check
	measure tunfilterd-masq tcp
	nginx_start
	measure tunfilterd-masq conn
	echo "  tunfilterd drops:$(tunfilterd_drops)"
	echo "  conntrack: $(tfctl conntrack -C 2>/dev/null || echo '?') entries;" \
		"$(tfctl conntrack -S 2>/dev/null | head -1 || true)"
	trap stop_all EXIT
}

run_kernel_masq() {
	kernel_router_up
	veth_offloads off
	conn_lab
	masq_rules rtr0 rtr1 >"$tmp/kernel.v4"
	ip netns exec "$NS_RTR" "iptables-$backend-restore" <"$tmp/kernel.v4" ||
		die_setup "iptables-$backend-restore failed"
	masq_path_check
	measure kernel-masq tcp
	nginx_start
	measure kernel-masq conn
	echo "  conntrack: $(ip netns exec "$NS_RTR" cat /proc/sys/net/netfilter/nf_conntrack_count \
		2>/dev/null || echo '?') entries"
}

# --- main ------------------------------------------------------------------------------

bench_machine "tunfilter NAT benchmark"
echo "clients/servers on CPU $CPU_APP, router on CPU $CPU_FWD; ${duration}s per figure," \
	"$runs run(s); ab -c $conc; kernel: iptables-$backend"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
	echo "warning: the machine is busy; the plain figures will be low and noisy"
fi
stop_all
[ "$boost" = 0 ] || bench_boost

for ((run = 1; run <= runs; run++)); do
	run_setup tunfilterd_norules "(a) tunfilterd, no rules, run $run of $runs"
	run_setup tunfilterd_masq "(b) tunfilterd, masq, run $run of $runs"
	run_setup kernel_masq "(c) kernel router, masq, iptables-$backend, run $run of $runs"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mem=$MEM_RECORDED
mem_src="recorded by conntrack.sh (-m to measure now)"
if [ "$run_mem" = 1 ]; then
	echo
	echo "=== memory per tracked entry: conntrack.sh -n 1000000 ==="
	if "$top/tests/bench/conntrack.sh" -n 1000000 -B "$builddir" | tee "$tmp/mem.out"; then
		mem=$(awk '/bytes per entry:/ { print $5 }' "$tmp/mem.out")
		mem_src="measured now by conntrack.sh"
	fi
	if ! [[ $mem =~ ^[0-9]+$ ]]; then
		mem=n/a
		mem_src="conntrack.sh failed"
		failed=1
	fi
fi

# --- the table -----------------------------------------------------------------------

echo
echo "=== results (load average after: $load_after) ==="
python3 - "$tmp" "$mem" "$mem_src" <<-'EOF'
	import glob, os, statistics, sys
	tmp, mem, mem_src = sys.argv[1:4]
	res = {}
	for path in glob.glob(os.path.join(tmp, "result-*")):
	    key = os.path.basename(path)[len("result-"):]
	    res[key] = [l.split() for l in open(path) if l.strip()]

	def fig(key, i):
	    """Best plain figure (other work only lowers it); median per CPU second."""
	    vals = [float(r[i]) for r in res.get(key, []) if r[i] != "n/a"]
	    if not vals:
	        return None
	    return max(vals) if i == 0 else statistics.median(vals)

	def fmt(v, p=1):
	    return "n/a" if v is None else "%.*f" % (p, v)

	def ratio(a, b):
	    return None if a is None or not b else a / b

	print("%-24s %12s %14s %12s %14s" % ("router", "TCP Mbit/s", "per CPU s", "conns/s",
	                                      "per CPU s"))
	for key, name in (("tunfilterd-none", "tunfilterd, no rules"),
	                  ("tunfilterd-masq", "tunfilterd, masq"),
	                  ("kernel-masq", "kernel, masq")):
	    print("%-24s %12s %14s %12s %14s" % (name, fmt(fig(key + "-tcp", 0)),
	          fmt(fig(key + "-tcp", 1), 0), fmt(fig(key + "-conn", 0), 0),
	          fmt(fig(key + "-conn", 1), 0)))
	print()
	rows = []
	for what, i, a, b, target in (
	        ("TCP masq / no rules", 0, "tunfilterd-masq-tcp", "tunfilterd-none-tcp", 0.9),
	        ("TCP masq / no rules, per CPU s", 1, "tunfilterd-masq-tcp", "tunfilterd-none-tcp",
	         0.9),
	        ("TCP tunfilterd / kernel", 0, "tunfilterd-masq-tcp", "kernel-masq-tcp", None),
	        ("TCP tunfilterd / kernel, per CPU s", 1, "tunfilterd-masq-tcp", "kernel-masq-tcp",
	         None),
	        ("conns/s tunfilterd / kernel", 0, "tunfilterd-masq-conn", "kernel-masq-conn", 0.7),
	        ("conns/s tunfilterd / kernel, per CPU s", 1, "tunfilterd-masq-conn",
	         "kernel-masq-conn", 0.7)):
	    r = ratio(fig(a, i), fig(b, i))
	    verdict = "" if target is None else (
	        "NOT MEASURED" if r is None else ("PASS" if r >= target else "FAIL"))
	    rows.append((what, fmt(r, 2), ">= %.1f" % target if target else "", verdict))
	m = None if mem == "n/a" else int(mem)
	rows.append(("bytes per tracked entry (1e6)", mem, "<= 256",
	             "NOT MEASURED" if m is None else ("PASS" if m <= 256 else "FAIL")))
	print("%-40s %7s %8s  %s" % ("ratio", "value", "target", "verdict"))
	for r in rows:
	    print("%-40s %7s %8s  %s" % r)
	print()
	print("memory: " + mem_src + ".")
	print("per CPU s: the figure per second of the router's own CPU time (tunfilterd, or the")
	print("kernel's softirq work on the forwarding CPU); on a busy machine, the one that holds.")
	print("Plain figures: the best of the runs; per CPU s: the median.")
	EOF
exit $failed
