#!/bin/sh
# SPDX-License-Identifier: MIT
#
# What the copy mode copies, counted by wlnest --stats, with framebench
# (1920x1080 ARGB8888) on nullhost, which releases buffers at once:
#  - a 64x64 damaged square paced by frame callbacks: one host buffer, and
#    after the first full copy exactly 64*64*4 bytes per frame;
#  - full damage paced by frame callbacks: exactly one frame per frame;
#  - the square committed as soon as buffers come back (3 in flight): a
#    frame that comes while the host holds the last one waits for that
#    buffer, and a newer frame replaces it, so one host buffer does and a
#    frame copies at most 1.2x 64*64*4 bytes; every frame reaches the host
#    or is replaced (frames = commits + dropped);
#  - the same and full frames on a host that keeps each buffer until the
#    next frame (nullhost --hold): wlnest learns that it does (square),
#    stops holding frames back, sends most frames once it knows,
#    and stays within its 4 host buffers;
#  - the host ends with the client's last frame, pixel for pixel (the
#    checksum nullhost --sum took of it against framebench's, whose every
#    buffer holds the whole frame).
# Then `make bench`'s frames.sh runs once, briefly, with this wlnest: every
# path it compares must measure (the benchmark keeps working).
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	tap_skip "copysize" "direct mode: nothing is copied without wlnest"
	tap_done
	exit 0
fi
for tool in nullhost framebench byterelay; do
	if [ ! -x "$TOOLS/$tool" ]; then
		tap_fail "test tool $TOOLS/$tool is built"
		tap_done
		exit 1
	fi
done

FRAME=$((1920 * 1080 * 4))
SQUARE=$((64 * 64 * 4))

if ! null_start; then
	fail_logs "nullhost starts"
	tap_done
	exit 1
fi

# run_copy NAME FRAMEBENCH-ARGS...: framebench through wlnest --shm copy;
# sets COMMITS, COPIED, HOST_BUFFERS, FRAMES, DROPPED and BIG_COPIES,
# BIG_BYTES, BIG_US (the copies of 1 MiB or more, timed) from wlnest's
# --stats and SUM (of its last frame) from framebench
run_copy() {
	_name=$1
	shift
	COMMITS=""
	if ! nest_start --shm copy --stats ${COPY_ARGS:-}; then
		fail_logs "$_name: wlnest starts"
		return 1
	fi
	if ! guest_run "$TOOLS/framebench" --seconds 0.5 --warmup 5 "$@" \
		>"$LOGDIR/framebench-$_nest_n.log" 2>&1; then
		fail_logs "$_name: framebench runs through wlnest" "$LOGDIR/framebench-$_nest_n.log"
		nest_stop
		return 1
	fi
	if ! nest_stop; then
		fail_logs "$_name: wlnest exits 0 (status $NEST_STATUS)"
		return 1
	fi
	_stats=$(grep -o 'wlnest-stats: commits=[0-9]* copied_bytes=[0-9]* host_buffers=[0-9]* frames=[0-9]* dropped=[0-9]* big_copies=[0-9]* big_copy_bytes=[0-9]* big_copy_us=[0-9]*' \
		"$NEST_LOG" | tail -n 1)
	COMMITS=$(echo "$_stats" | sed -n 's/.*commits=\([0-9]*\).*/\1/p')
	COPIED=$(echo "$_stats" | sed -n 's/.*copied_bytes=\([0-9]*\).*/\1/p')
	HOST_BUFFERS=$(echo "$_stats" | sed -n 's/.*host_buffers=\([0-9]*\).*/\1/p')
	FRAMES=$(echo "$_stats" | sed -n 's/.*frames=\([0-9]*\).*/\1/p')
	DROPPED=$(echo "$_stats" | sed -n 's/.*dropped=\([0-9]*\).*/\1/p')
	BIG_COPIES=$(echo "$_stats" | sed -n 's/.*big_copies=\([0-9]*\).*/\1/p')
	BIG_BYTES=$(echo "$_stats" | sed -n 's/.*big_copy_bytes=\([0-9]*\).*/\1/p')
	BIG_US=$(echo "$_stats" | sed -n 's/.*big_copy_us=\([0-9]*\).*/\1/p')
	SUM=$(sed -n 's/.*last_sum=\([0-9a-f]*\).*/\1/p' "$LOGDIR/framebench-$_nest_n.log")
	if [ -z "$COMMITS" ] || [ "$COMMITS" -lt 10 ]; then
		fail_logs "$_name: wlnest --stats counts the commits (got '${_stats}')"
		return 1
	fi
}

name="64x64 damage paced by frame callbacks"
if run_copy "$name" --damage square --pace frame; then
	want=$((FRAME + (COMMITS - 1) * SQUARE))
	tap_check "$name: $COMMITS frames copied $COPIED bytes = one full frame + 64*64*4 per frame after it ($want), in $HOST_BUFFERS host buffer" \
		test "$COPIED" -eq "$want" -a "$HOST_BUFFERS" -eq 1
	tap_check "$name: wlnest timed the one copy of 1 MiB or more, the first full frame ($BIG_COPIES copies, $BIG_BYTES bytes)" \
		test "$BIG_COPIES" -eq 1 -a "$BIG_BYTES" -eq "$FRAME"
fi

name="full damage paced by frame callbacks"
if run_copy "$name" --damage full --pace frame; then
	want=$((COMMITS * FRAME))
	tap_check "$name: $COMMITS frames copied $COPIED bytes = one frame each ($want)" \
		[ "$COPIED" -eq "$want" ]
	tap_check "$name: wlnest timed every copy ($BIG_COPIES copies, $BIG_BYTES bytes, $BIG_US us of CPU)" \
		test "$BIG_COPIES" -eq "$COMMITS" -a "$BIG_BYTES" -eq "$COPIED" -a "$BIG_US" -gt 0
fi

# host_sum: the checksum of the last frame the host got, once it is gone
host_sum() {
	stop_pid "$HOST_PID" >/dev/null 2>&1
	sed -n 's/^nullhost: sum=\([0-9a-f]*\)$/\1/p' "$HOST_LOG" | tail -n 1
}

name="64x64 damage, 3 buffers in flight"
if run_copy "$name" --damage square; then
	per=$(((COPIED - FRAME * HOST_BUFFERS) / FRAMES))
	# a second buffer only when the host was late (past 20 ms) once
	tap_check "$name: $per bytes per frame over $FRAMES frames (<= 1.2x 64*64*4 = $((SQUARE * 12 / 10))), in $HOST_BUFFERS host buffers (<= 2)" \
		test "$per" -le $((SQUARE * 12 / 10)) -a "$HOST_BUFFERS" -le 2
	tap_check "$name: each host frame copied at least the new square ($(((COPIED - FRAME * HOST_BUFFERS) / COMMITS)) bytes)" \
		test $(((COPIED - FRAME * HOST_BUFFERS) / COMMITS)) -ge "$SQUARE"
	tap_check "$name: $FRAMES frames = $COMMITS sent to the host + $DROPPED replaced before it took them, some were" \
		test "$FRAMES" -eq $((COMMITS + DROPPED)) -a "$DROPPED" -gt 0
	sum=$(host_sum)
	tap_check "$name: the host ends with the client's last frame (checksum $sum, client $SUM)" \
		test -n "$SUM" -a "$sum" = "$SUM"
fi

if ! null_start; then
	fail_logs "nullhost starts again"
fi

name="full frames, 3 buffers in flight"
if run_copy "$name" --damage full; then
	tap_check "$name: $FRAMES frames = $COMMITS sent to the host + $DROPPED replaced" \
		test "$FRAMES" -eq $((COMMITS + DROPPED))
	sum=$(host_sum)
	tap_check "$name: the host ends with the client's last frame (checksum $sum, client $SUM)" \
		test -n "$SUM" -a "$sum" = "$SUM"
fi

for damage in square full; do
	if ! null_start --hold; then
		fail_logs "nullhost --hold starts"
		continue
	fi
	name="$damage damage on a host that keeps buffers until the next frame"
	if ! COPY_ARGS=--verbose run_copy "$name" --damage $damage; then
		stop_pid "$HOST_PID" >/dev/null 2>&1
		continue
	fi
	if [ $damage = square ]; then
		# frames wait for the host, and are replaced, only until wlnest
		# learns that it keeps them (3 waits of 20 ms): a run slowed
		# down (sanitizers) spends more of its frames learning
		tap_check "$name: $FRAMES frames = $COMMITS sent + $DROPPED replaced, at least 1 in 4 sent, in $HOST_BUFFERS host buffers (<= 4)" \
			test "$FRAMES" -eq $((COMMITS + DROPPED)) -a $((COMMITS * 4)) -ge "$FRAMES" \
			-a "$HOST_BUFFERS" -le 4
		grep -q "the host keeps its buffers" "$NEST_LOG"
		tap_check "$name: wlnest logs that the host keeps its buffers" [ $? = 0 ]
	else
		# a frame that waited for the buffer the host keeps would come
		# 20 ms late: 25 a run at most
		tap_check "$name: $FRAMES frames = $COMMITS sent (>= 100: none waits for the buffer the host keeps) + $DROPPED replaced, in $HOST_BUFFERS host buffers (<= 4)" \
			test "$FRAMES" -eq $((COMMITS + DROPPED)) -a "$COMMITS" -ge 100 \
			-a "$HOST_BUFFERS" -le 4
	fi
	sum=$(host_sum)
	tap_check "$name: the host ends with the client's last frame (checksum $sum, client $SUM)" \
		test -n "$SUM" -a "$sum" = "$SUM"
done

# The benchmark itself, briefly: each path it compares measures.
out=$LOGDIR/frames-bench.txt
if WLNEST=$WLNEST BENCH_SECONDS=0.2 BENCH_REPEAT=1 sh "$VIRTWL_TOP/tests/bench/frames.sh" \
	>"$out" 2>"$LOGDIR/frames-bench.err"; then
	missing=""
	for row in "memcpy full" "paint-copy full" "paint-memcpy full" "paint-only full" \
		"native full" "byterelay full" "wlnest-passthrough full" \
		"wlnest-copy full" "memcpy square" "native square" "byterelay square" \
		"wlnest-passthrough square" "wlnest-copy square" "native square-paced" \
		"byterelay square-paced" "wlnest-passthrough square-paced" \
		"wlnest-copy square-paced"; do
		# summary rows: PATH CASE FPS ...; a path that failed shows "-"
		set -- $row
		awk -v p="$1" -v c="$2" '$1 == p && $2 == c && $3 + 0 > 0 { found = 1 }
			END { exit !found }' "$out" || missing="$missing [$row]"
	done
	# the copy itself, timed by wlnest: a CPU figure only (column 5)
	awk '$1 == "copy-itself" && $2 == "full" && $5 + 0 > 0 { found = 1 }
		END { exit !found }' "$out" || missing="$missing [copy-itself full]"
	grep -q "copy mode spends [0-9.]* ms per frame copied above passthrough" "$out" ||
		missing="$missing [the full-frame copy target]"
	grep -q "the copy itself: [0-9.]* ms of wlnest CPU" "$out" ||
		missing="$missing [the copy itself]"
	tap_check "make bench frames.sh measures every path (missing:${missing:- none})" \
		[ -z "$missing" ]
else
	tap_fail "make bench frames.sh runs"
	log_excerpt "$out"
	log_excerpt "$LOGDIR/frames-bench.err"
fi
tap_done
