#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make fuzz: a long libFuzzer run of the virtio-wl device model, one job
# per core, over the corpus that make check's short runs grow; then the
# model's line coverage by that corpus, which must reach 95 %; then the
# QEMU adapter under qtest with many random hostile chains.
#   VIRTWL_FUZZ_RUNS         inputs to run in all (default 10000000)
#   VIRTWL_FUZZ_JOBS         parallel jobs (default: the number of cores)
#   VIRTWL_QTEST_ITERATIONS  random chains for the adapter (default 20000)
# Progress every minute; the last line is "fuzz: N runs, no finding" or
# what was found (crash, leak or timeout inputs in build/fuzz-out/long/).
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
runs=${VIRTWL_FUZZ_RUNS:-10000000}
jobs=${VIRTWL_FUZZ_JOBS:-$(nproc)}
corpus=$build/fuzz-corpus/wl-dev
out=$build/fuzz-out/long
fuzzer=$build/tests/fuzz/fuzz-wl-dev

[ -x "$fuzzer" ] || { echo "fuzz: no $fuzzer (make needs clang)" >&2; exit 1; }
mkdir -p "$corpus" "$out"
# The seeds and dictionary of make check's run, without its run.
VIRTWL_TOP=$top VIRTWL_BUILD=$build VIRTWL_FUZZ_SECONDS=1 \
	sh "$top/tests/fuzz/run-fuzz-wl-dev.sh" >/dev/null 2>&1
# A copy: rebuilding the tree must not touch the running binary.
cp "$fuzzer" "$out/fuzz-wl-dev"
rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* "$out"/job-*.log
per_job=$(((runs + jobs - 1) / jobs))
echo "fuzz: $jobs jobs x $per_job runs, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
t0=$(date +%s)
i=0
pids=
while [ $i -lt "$jobs" ]; do
	"$out/fuzz-wl-dev" -runs="$per_job" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-dict="$build/fuzz-out/wl-dev/wl.dict" -print_final_stats=1 \
		-artifact_prefix="$out/" -seed=$((t0 + i)) "$corpus" \
		>"$out/job-$i.log" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
total() {
	# libFuzzer prints "#N ..." status lines as it goes.
	for f in "$out"/job-*.log; do
		grep -o '^#[0-9]*' "$f" | tail -n 1 | tr -d '#'
	done | awk '{ s += $1 } END { print s + 0 }'
}
while :; do
	alive=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive -eq 1 ] || break
	sleep 60
	n=$(total)
	el=$(($(date +%s) - t0))
	echo "fuzz: $n runs in $el s ($((n / (el + 1)))/s), corpus $(ls "$corpus" | wc -l)"
done
status=0
for p in $pids; do wait "$p" || status=1; done
n=0
for f in "$out"/job-*.log; do
	k=$(sed -n 's/^stat::number_of_executed_units: *//p' "$f" | tail -n 1)
	n=$((n + ${k:-0}))
done
found=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null)
VIRTWL_TOP=$top VIRTWL_BUILD=$build sh "$top/tests/fuzz/coverage.sh" --min 95 "$corpus" \
	>"$out/coverage.log" 2>&1
cov=$?
tail -n 2 "$out/coverage.log"
if [ $status -ne 0 ] || [ -n "$found" ]; then
	echo "fuzz: $n runs in $(($(date +%s) - t0)) s; found: ${found:-a job failed (see $out/job-*.log)}"
	exit 1
fi
echo "fuzz: $n runs in $(($(date +%s) - t0)) s, no finding"
qt=$(VIRTWL_TOP=$top VIRTWL_QTEST_ITERATIONS=${VIRTWL_QTEST_ITERATIONS:-20000} \
	sh "$top/tests/vm/test-qemu-device.sh" 2>&1)
printf '%s\n' "$qt" | grep -E '^(not ok|ok .*(survives|SKIP))'
if printf '%s\n' "$qt" | grep -q '^not ok'; then
	echo "fuzz: the QEMU adapter failed under qtest"
	exit 1
fi
exit $cov
