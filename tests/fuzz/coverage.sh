#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Line and branch coverage of the device model (host/wl/*.c) by the
# fuzzer's corpus: builds the harness with clang's source-based coverage,
# runs every corpus input once, and reports per file and in total.
#   tests/fuzz/coverage.sh [--min PCT] [CORPUS]
# With --min, fails (exit 1) when the model's line coverage is below PCT.
# Prints "coverage: LINES% lines, BRANCHES% branches" last.
set -eu
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
min=
if [ "${1:-}" = --min ]; then
	min=$2
	shift 2
fi
corpus=${1:-$build/fuzz-corpus/wl-dev}
out=$build/fuzz-cov
mkdir -p "$out"
cd "$top"
clang -std=c11 -D_GNU_SOURCE -g -O1 -Idriver/include/uapi -DFAKE_MEM_SIZE="(1u << 20)" \
	-DFAKE_STATIC_MEM -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	-Wl,--wrap=malloc,--wrap=calloc \
	-o "$out/fuzz-wl-dev" tests/fuzz/fuzz-wl-dev.c tests/unit/wl_fake_vmm.c host/wl/*.c
rm -f "$out"/*.profraw
LLVM_PROFILE_FILE="$out/run.profraw" "$out/fuzz-wl-dev" -runs=0 -artifact_prefix="$out/" "$corpus" \
	>"$out/run.log" 2>&1
llvm-profdata merge -o "$out/run.profdata" "$out/run.profraw"
llvm-cov report "$out/fuzz-wl-dev" -instr-profile="$out/run.profdata" host/wl/*.c \
	>"$out/report.txt"
sed 's/^/  /' "$out/report.txt" | cut -c1-200
# TOTAL ... Lines Missed Cover Branches Missed Cover
set -- $(grep '^TOTAL' "$out/report.txt")
lines=${10%\%}
branches=${13%\%}
echo "coverage: $lines% lines, $branches% branches"
if [ -n "$min" ] && awk -v l="$lines" -v m="$min" 'BEGIN { exit !(l < m) }'; then
	echo "coverage: below $min% of lines" >&2
	exit 1
fi
