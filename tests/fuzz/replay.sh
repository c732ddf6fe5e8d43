#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fuzz corpora as a regression test, without clang or libFuzzer:
#
#   tests/fuzz/replay.sh [--build DIR]
#
# Builds every harness with gcc, ASan and UBSan around a main() that runs
# it once on each file of tests/fuzz/corpus/NAME (the seeds and the
# reproducers of fixed crashes), and prints one TAP line per harness.
# tests/run counts those lines. DIR defaults to $TF_BUILDDIR/fuzz-replay
# (tests/run's build directory) or /tmp/tunfilter-fuzz/replay.

set -uo pipefail

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
dir=${TF_BUILDDIR:+$TF_BUILDDIR/fuzz-replay}
dir=${dir:-/tmp/tunfilter-fuzz/replay}
while [ $# -gt 0 ]; do
	case $1 in
	--build)
		dir=$2
		shift
		;;
	*)
		echo "usage: tests/fuzz/replay.sh [--build DIR]" >&2
		exit 2
		;;
	esac
	shift
done
mkdir -p "$dir"

names=()
for f in "$srcdir"/tests/fuzz/fuzz_*.c; do
	n=$(basename "$f" .c)
	names+=("${n#fuzz_}")
done
echo "1..${#names[@]}"

# All at once (-k: one that does not build does not stop the others);
# each is then made again alone, which says whether it is up to date.
make -k -s -j2 -f "$srcdir/tests/fuzz/fuzz.mk" O="$dir" MODE=replay \
	HARNESSES="$(printf 'fuzz_%s ' "${names[@]}")" >"$dir/build.log" 2>&1

# Sanitizer findings abort, so they show as a failed replay.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
bad=0
for n in "${names[@]}"; do
	files=("$srcdir"/tests/fuzz/corpus/"$n"/*)
	log=$dir/fuzz_$n.log
	if ! make -s -f "$srcdir/tests/fuzz/fuzz.mk" O="$dir" MODE=replay \
		HARNESSES="fuzz_$n" >"$log" 2>&1; then
		echo "not ok - fuzz_$n: does not build ($log)"
		grep -E 'error' "$log" | head -n 5 | sed 's/^/# /'
		bad=1
		continue
	fi
	if [ ! -e "${files[0]}" ]; then
		echo "not ok - fuzz_$n: no corpus in tests/fuzz/corpus/$n"
		bad=1
		continue
	fi
	if "$dir/fuzz_$n" "${files[@]}" >"$log" 2>&1; then
		echo "ok - fuzz_$n: ${#files[@]} corpus inputs replayed"
	else
		last=$(grep '^replay: ' "$log" | tail -n 1 | sed 's/^replay: //')
		echo "not ok - fuzz_$n: ${last:-no input ran}"
		grep -E 'property failed|ERROR: |SUMMARY' "$log" | head -n 5 | sed 's/^/# /'
		bad=1
	fi
done
exit $bad
