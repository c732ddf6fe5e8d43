#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Connection tracking memory (issue 4, section 5): the resident memory
# tunfilterd takes per tracked entry, with 1,000,000 entries. Not a timed
# test: it measures, prints, and says whether the target (at most 256 bytes
# an entry; the kernel's nf_conntrack takes about 300) holds.
#
#   netns lan                  netns gw                        netns wan
#  +------------------+      +-------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd              |<====>| wan0 10.2.0.2/24 |
#  | ctflood: one UDP | TUN  |  [conntrack]            | TUN  | a socket bound   |
#  | datagram from    |      |  max_entries = N        |      | to port 9 that   |
#  | each of N        |      |  udp_timeout = 3600     |      | never reads (no  |
#  | (10.9.x.y, port) |      |                         |      | ICMP errors)     |
#  +------------------+      +-------------------------+      +------------------+
#
# VmRSS of the daemon is read after a warm-up of 64 flows (packet buffers
# and the code touched) and again with N entries in the table; the
# difference over the entries made is the cost of one: the entry itself,
# its share of the hash buckets, and nothing else that grows. Datagrams the
# TUN queue dropped are sent again until the table holds N.
#
# Usage: tests/bench/conntrack.sh [-n ENTRIES] [-B BUILDDIR]
# Root only; needs a C compiler and python3. Exit status 0 when measured
# (whether or not the target holds: that is printed), 1 otherwise.

set -u
entries=1000000
while getopts "n:B:" opt; do
	case $opt in
	n) entries=$OPTARG ;;
	B) export TF_BUILDDIR=$OPTARG ;;
	*) sed -n 's/^# Usage: //p' "$0"; exit 2 ;;
	esac
done

. "$(dirname "$0")/../integration/lib.sh"

flood=$TF_TMP/ctflood
cc -O2 -o "$flood" "$TF_SRCDIR/tests/bench/ctflood.c" || {
	not_ok "build ctflood"
	exit 1
}

tf_default_config
cat >>"$TF_CONF" <<EOF

[conntrack]
max_entries = $entries
udp_timeout = 3600
udp_timeout_stream = 3600
EOF
sed -i 's/^log_level = info/log_level = notice/' "$TF_CONF"
tf_lab_up

tf_bg ip netns exec "$NS_WAN" "$TF_PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 9))
time.sleep(100000)'

# A long queue on the LAN side of the TUN: the daemon shares the CPUs with
# the sender, and what the queue drops must be sent again.
ip -n "$NS_LAN" link set "$LAN_IF" txqueuelen 20000

count() { tfctl conntrack -C 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$TF_PID/status"; }

in_lan "$flood" 10.9 "$WAN_HOST" 9 64 >/dev/null
wait_for 10 sh -c "[ \"\$($TUNFILTER --socket $TF_SOCK conntrack -C)\" = 64 ]" ||
	{ not_ok "warm-up: 64 entries (have $(count))"; exit 1; }
tfctl conntrack -F >/dev/null 2>&1
base_count=$(count)
base=$(rss_kb)

t0=$(date +%s%N)
for pass in $(seq 1 20); do
	in_lan "$flood" 10.9 "$WAN_HOST" 9 "$entries" 100000 >"$TF_TMP/flood.out"
	# Let the daemon drain its TUN before counting.
	last=-1
	while now=$(count); [ "$now" != "$last" ]; do
		last=$now
		sleep 0.5
	done
	[ "$now" -ge "$entries" ] && break
	diag "pass $pass: $now entries (the TUN queue dropped some); sending again"
done
t1=$(date +%s%N)
have=$(count)
after=$(rss_kb)
if [ "$have" -lt "$entries" ]; then
	not_ok "the table holds $entries entries (has $have)"
	exit 1
fi
ok "the table holds $have entries after $pass pass(es), $(((t1 - t0) / 1000000)) ms"
made=$((have - base_count))
per=$(((after - base) * 1024 / made))
echo "# entries:           $made"
echo "# VmRSS before:      $base kB"
echo "# VmRSS after:       $after kB"
echo "# bytes per entry:   $per (struct ct_entry 192, buckets 4 per possible entry)"
slab=$(awk '$1 == "nf_conntrack" { print $4 }' /proc/slabinfo 2>/dev/null)
[ -n "$slab" ] && echo "# kernel nf_conntrack object size on this machine: $slab bytes"
check_output "conntrack -S: nothing dropped for want of room" "drop=0 " tfctl conntrack -S
if [ "$per" -le 256 ]; then
	ok "at most 256 bytes per entry ($per)"
else
	not_ok "at most 256 bytes per entry ($per)"
fi
