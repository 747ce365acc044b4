#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs test programs level by level and sums up their TAP output.
#   tests/harness.sh [--build DIR] LEVEL TEST... [-- LEVEL TEST...]...
# A test is an executable that prints TAP lines ("ok ...", "not ok ...",
# "ok ... # SKIP reason").  A test that exits non-zero without reporting a
# failure counts as one failure; one that prints nothing counts as one too.
# Each test's full output is kept in $BUILD/test-logs/.  The last line is
# "N passed, N failed".
set -u

build=build
if [ "${1:-}" = --build ]; then build=$2; shift 2; fi
logs=$build/test-logs
mkdir -p "$logs/sanitizer"
top=$(pwd)
export VIRTWL_TOP="$top" VIRTWL_BUILD="$top/$build"
export CMOCKA_MESSAGE_OUTPUT=TAP

passed=0
failed=0
skipped=0
failures=""
skips=""
level=""
start_all=$(date +%s)

run_test() {
	t=$1
	# "san:PROGRAM" runs PROGRAM with VIRTWL_SAN=1: it then drives the
	# ASan+UBSan builds of our programs.
	san=0
	case $t in san:*) san=1; t=${t#san:} ;; esac
	name=$(echo "$t" | sed "s|^$build/||; s|tests/||; s|/|-|g")
	[ $san -eq 1 ] && name="san-$name"
	log=$logs/$level-$name.log
	sanlog=$logs/sanitizer/$level-$name
	rm -f "$sanlog".*
	limit=${VIRTWL_TEST_TIMEOUT:-600}
	t0=$(date +%s)
	VIRTWL_SAN=$san \
	ASAN_OPTIONS="log_path=$sanlog:detect_leaks=1:abort_on_error=0" \
	UBSAN_OPTIONS="log_path=$sanlog:print_stacktrace=1:halt_on_error=1" \
	LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0" \
		timeout -k 10 "$limit" "$t" >"$log" 2>&1
	status=$?
	t1=$(date +%s)
	for r in "$sanlog".*; do
		[ -e "$r" ] || continue
		echo "not ok - sanitizer report $r" >>"$log"
		cat "$r" >>"$log"
	done
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -ci '^ok .*# *skip' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$status" -eq 124 ]; then
			echo "not ok - $t timed out after ${limit}s" >>"$log"
		else
			echo "not ok - $t exited with status $status" >>"$log"
		fi
		f=1
	fi
	if [ $((p + s + f)) -eq 0 ]; then
		echo "not ok - $t reported no result" >>"$log"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		failures="$failures$(grep '^not ok ' "$log" | sed "s|^|  [$level] |")
"
	fi
	if [ "$s" -gt 0 ]; then
		skips="$skips$(grep -i '^ok .*# *skip' "$log" | sed "s|^ok [0-9]* *-* *|  [$level] |")
"
	fi
	printf '%-12s %-44s %3d ok %3d failed %3d skipped %4ds\n' \
		"[$level]" "$name" "$p" "$f" "$s" $((t1 - t0))
}

expect_level=1
for arg in "$@"; do
	if [ "$arg" = -- ]; then
		expect_level=1
		continue
	fi
	if [ $expect_level -eq 1 ]; then
		level=$arg
		expect_level=0
		continue
	fi
	run_test "$arg"
done

end_all=$(date +%s)
echo
if [ -n "$skips" ]; then
	echo "Skipped ($skipped):"
	printf '%s' "$skips"
fi
if [ -n "$failures" ]; then
	echo "Failed (logs in $logs/):"
	printf '%s' "$failures"
fi
echo "$skipped skipped; $((end_all - start_all)) s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
