# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# What the queue scripts (t-queue-*.sh) share, sourced after lib.sh (it
# brings lib-rules.sh along): the lab configuration with a rules file and
# a [queue] section (the queue socket in the test's directory), the example
# consumers started in the gw namespace, and the counters of one queue
# read back from `tunfilter -j queue`.
#
# Consumers run in the test's own namespace: the queue socket is a file, and
# a Unix socket bound to a path is reachable from any network namespace.

# shellcheck source=lib-rules.sh
. "$TF_LIBDIR/lib-rules.sh"

TF_QSOCK=$TF_TMP/queue.sock
TF_QPY="$TF_SRCDIR/contrib/examples/tfqueue.py"
TF_BYTEDROP=${TF_BYTEDROP:-$TF_BUILDDIR/contrib/examples/tfq-bytedrop}

# tf_queue_config [EXTRA-INI]: the rules configuration plus a [queue]
# section with the socket in TF_TMP; EXTRA-INI (read from stdin when "-")
# is appended as it is ([queue N] sections, [queue] keys).
tf_queue_config()
{
	tf_rules_config
	{
		echo "[queue]"
		echo "path = $TF_QSOCK"
		[ "${1:-}" = - ] && cat
	} >>"$TF_CONF"
}

# consumer NAME CMD...: start a consumer in the background, its output in
# $TF_TMP/NAME.out, and wait until it says "ready" (bound). Its pid is in
# TF_BG_LAST.
consumer()
{
	local name=$1 out=$TF_TMP/$1.out
	shift
	: >"$out"
	tf_bg "$@" >>"$out" 2>&1
	wait_for 10 grep -qx ready "$out" || {
		not_ok "consumer $name starts and binds" "$out"
		return 1
	}
}

# qpy NAME ARGS...: the Python example consumer on the lab's socket.
qpy()
{
	local name=$1
	shift
	consumer "$name" "$TF_PY" "$TF_QPY" -s "$TF_QSOCK" "$@"
}

# qstat N KEY: a counter of queue N from `tunfilter -j queue` ("" if none).
qstat()
{
	tfctl -j queue 2>/dev/null | "$TF_PY" -c '
import json, sys
doc = json.load(sys.stdin)
for q in doc["queues"]:
    if q["queue"] == int(sys.argv[1]):
        v = q[sys.argv[2]]
        print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
' "$1" "$2"
}

# check_qstat TEXT N KEY OP VALUE: a counter compared with test(1)'s OP.
check_qstat()
{
	local text=$1 n=$2 key=$3 op=$4 want=$5 got
	got=$(qstat "$n" "$key")
	if [ -n "$got" ] && test "$got" "$op" "$want"; then
		ok "$text ($key $got)"
	else
		tfctl queue >"$TF_TMP/queue.out" 2>&1
		echo "queue $n: $key is \"$got\", expected $op $want" >>"$TF_TMP/queue.out"
		not_ok "$text" "$TF_TMP/queue.out"
	fi
}

# qstat_is N KEY VALUE: for wait_for.
qstat_is()
{
	[ "$(qstat "$1" "$2")" = "$3" ]
}

# drop_count REASON: a drop counter from `tunfilter -j show stats`.
drop_count()
{
	tfctl -j show stats 2>/dev/null |
		"$TF_PY" -c 'import json, sys
print(json.load(sys.stdin)["drops"][sys.argv[1]])' "$1"
}
