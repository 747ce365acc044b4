#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs benchmark programs one after the other and shows their output.
#   tests/bench/run.sh [--build DIR] BENCH...
# Each BENCH is an executable that prints its figures beside the native
# path and the physical limit; its full output also goes to
# $BUILD/bench-logs/.
set -u

build=build
if [ "${1:-}" = --build ]; then build=$2; shift 2; fi
logs=$build/bench-logs
mkdir -p "$logs"
top=$(pwd)
export VIRTWL_TOP="$top" VIRTWL_BUILD="$top/$build"

failed=0
for b in "$@"; do
	name=$(echo "$b" | sed "s|^$build/||; s|tests/||; s|/|-|g")
	echo "### $name"
	"$b" >"$logs/$name.log" 2>&1
	st=$?
	cat "$logs/$name.log"
	[ $st -eq 0 ] || { echo "($name exited with status $st)"; failed=$((failed + 1)); }
	echo
done
[ "$failed" -eq 0 ]
