#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the fuzz harnesses with clang and libFuzzer (ASan + UBSan) and run
# each for a while, one process at a time:
#
#   tests/fuzz/run.sh [SECONDS] [NAME...]
#
# SECONDS per harness (default 60); NAME is packet, config, rules, control
# or queue (default all). Builds go to $TF_FUZZ_DIR (default
# /tmp/tunfilter-fuzz): the harnesses, the growing corpus of each (the
# committed seeds in tests/fuzz/corpus/NAME are read, never written), the
# logs, and what a crash leaves (artifacts/NAME/crash-*). To reproduce one:
#
#   $TF_FUZZ_DIR/libfuzzer/fuzz_NAME FILE          (TF_FUZZ_VERBOSE=1 says more)
#
# and commit the file as tests/fuzz/corpus/NAME/repro-WHAT once it is
# fixed, so that tests/fuzz/replay.sh keeps it fixed. Exit status 1 when a
# harness crashed or did not build.

set -uo pipefail

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
secs=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	secs=$1
	shift
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(packet config rules control queue)
work=${TF_FUZZ_DIR:-/tmp/tunfilter-fuzz}
bin=$work/libfuzzer
mkdir -p "$bin" "$work/logs"

harnesses=()
for n in "${names[@]}"; do
	if [ ! -f "$srcdir/tests/fuzz/fuzz_$n.c" ]; then
		echo "run.sh: no harness tests/fuzz/fuzz_$n.c" >&2
		exit 2
	fi
	harnesses+=("fuzz_$n")
done

echo "run.sh: building ${harnesses[*]} in $bin"
if ! make -s -j2 -f "$srcdir/tests/fuzz/fuzz.mk" O="$bin" MODE=libfuzzer \
	HARNESSES="${harnesses[*]}" >"$work/logs/build.log" 2>&1; then
	grep -E 'error|Error' "$work/logs/build.log" | head -n 20
	echo "run.sh: the build failed; see $work/logs/build.log"
	exit 1
fi

bad=0
for n in "${names[@]}"; do
	corpus=$work/corpus/$n
	artifacts=$work/artifacts/$n/
	log=$work/logs/$n.log
	mkdir -p "$corpus" "$artifacts"
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536
		-artifact_prefix="$artifacts" -print_final_stats=1)
	case $n in
	rules | control) opts+=(-dict="$srcdir/tests/fuzz/rules.dict") ;;
	config) opts+=(-dict="$srcdir/tests/fuzz/config.dict") ;;
	esac
	# The LOG target writes a line per logged packet: keep the target's
	# stderr shut (libFuzzer and the sanitizers report on their own copy).
	[ "$n" = packet ] && opts+=(-close_fd_mask=2)
	echo "run.sh: fuzz_$n for $secs s (log $log)"
	"$bin/fuzz_$n" "${opts[@]}" "$corpus" "$srcdir/tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		bad=1
		unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		echo "  CRASH fuzz_$n after ${runs:-?} runs ($cov): ${unit:-see $log}"
		grep -E '^(==[0-9]+==|SUMMARY|.*property failed)' "$log" | head -n 5 |
			sed 's/^/  | /'
	else
		files=$(find "$corpus" -type f | wc -l)
		echo "  ok    fuzz_$n: ${runs:-?} runs, $cov, corpus $files files"
	fi
done
exit $bad
