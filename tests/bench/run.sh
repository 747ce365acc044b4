#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The `make bench` driver: runs every benchmark entry given (BENCHES in the
# makefiles), one after the other, each with VIRTWL_TOP and VIRTWL_BUILD
# set, and prints their reports.
#   tests/bench/run.sh [--build DIR] [--only PATTERN] BENCH...
# A benchmark is any executable that prints its own report (figures side by
# side with the native path and the physical limit, as ratios) and exits 0
# when it could measure, 77 when something it needs is missing (reported as
# skipped), anything else on failure.  Each report is also kept in
# $BUILD/bench-logs/NAME.txt.
set -u

build=build
only=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) break ;;
	esac
done
top=$(pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
export VIRTWL_TOP="$top" VIRTWL_BUILD="$build"
logs=$build/bench-logs
mkdir -p "$logs"

ran=0
failed=0
skipped=0
echo "virtwl benchmarks on $(uname -n): $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine adds noise; CPU time per frame is steadier than frames/s)"
for b in "$@"; do
	if [ -n "$only" ]; then
		case $b in *$only*) ;; *) continue ;; esac
	fi
	name=$(basename "$b" | sed 's/\.[^.]*$//')
	echo
	echo "=== $name ($b)"
	if [ ! -x "$b" ]; then
		echo "bench $b is not executable"
		failed=$((failed + 1))
		continue
	fi
	t0=$(date +%s)
	rm -f "$logs/$name.status"
	# the report shows as it is made; the status survives the pipeline
	# through a file
	{ "$b"; echo $? >"$logs/$name.status"; } 2>"$logs/$name.err" | tee "$logs/$name.txt"
	status=$(cat "$logs/$name.status" 2>/dev/null || echo 1)
	t1=$(date +%s)
	case $status in
	0) ran=$((ran + 1)) ;;
	77) skipped=$((skipped + 1)); echo "(skipped)" ;;
	*)
		failed=$((failed + 1))
		echo "bench $name failed (status $status); its stderr ends:"
		tail -n 20 "$logs/$name.err" | sed 's/^/  /'
		;;
	esac
	echo "($name took $((t1 - t0)) s; report in $logs/$name.txt)"
done
echo
echo "$ran benches ran, $skipped skipped, $failed failed"
[ $failed -eq 0 ]
