#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A host slower than its clients: nullhost takes 300 us per commit while a
# client commits 1920x1080 frames as fast as its buffers come back, for 2 s,
# through wlnest in both shm modes.  wlnest must hold the client back (or
# queue) when the host's socket is full, never drop the client: the client
# ends cleanly and wlnest exits 0.  Straight on the host the client is held
# back by buffer releases, so it passes there by construction.
#
# Then two hosts that hold buffers, with a client drawing 64x64 squares
# without pacing: one that stops reading for 600 ms at its first frame (a
# compositor setting up its first window): frames the client draws
# meanwhile must not turn into requests piling up on the host connection,
# which libwayland gives up on once full; and one that keeps every buffer
# until the second repaint (every 30 ms) after it was replaced: wlnest must
# wait for a buffer back rather than write into one the host holds.  Both
# times the host must end with the client's last frame (checksums).
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

for tool in nullhost framebench; do
	if [ ! -x "$TOOLS/$tool" ]; then
		tap_fail "test tool $TOOLS/$tool is built"
		tap_done
		exit 1
	fi
done
HOST_KIND=nullhost
HOST_RT=$T/host-null
mkdir -m 700 "$HOST_RT"
HOST_DISPLAY=null-0
HOST_SOCKET=$HOST_RT/$HOST_DISPLAY
HOST_LOG=$LOGDIR/nullhost.log
spawn nullhost env XDG_RUNTIME_DIR="$HOST_RT" "$TOOLS/nullhost" --slow-us 300 $HOST_DISPLAY
HOST_PID=$SPAWNED_PID
if ! wait_until 5 test -S "$HOST_SOCKET"; then
	fail_logs "nullhost starts"
	tap_done
	exit 1
fi
HOST_LOG=$LOGDIR/nullhost.log

for mode in passthrough copy; do
	for damage in square full; do
		name="$mode, $damage damage: a client flooding a slow host through wlnest is held back, not dropped"
		if ! nest_start --shm $mode; then
			fail_logs "$mode: wlnest starts"
			continue
		fi
		if guest_run "$TOOLS/framebench" --damage $damage --seconds 2 --warmup 10 \
			>"$LOGDIR/framebench-$mode-$damage.log" 2>&1; then
			tap_ok "$name ($(sed -n 's/.*\(fps=[0-9.]*\).*/\1/p' "$LOGDIR/framebench-$mode-$damage.log"))"
		else
			fail_logs "$name" "$LOGDIR/framebench-$mode-$damage.log"
		fi
		check_nest_stop "$mode/$damage"
	done
done
stop_pid "$HOST_PID" >/dev/null 2>&1

for host in "stall-ms 600" "repaint-ms 30"; do
	for mode in passthrough copy; do
		name="$mode, a host with --$host: an unpaced client keeps its connection"
		if ! null_start --$host; then
			fail_logs "nullhost --$host starts"
			continue
		fi
		if ! nest_start --shm $mode --stats; then
			fail_logs "$name: wlnest starts"
			stop_pid "$HOST_PID" >/dev/null 2>&1
			continue
		fi
		log=$LOGDIR/framebench-held-$_null_n.log
		if guest_run "$TOOLS/framebench" --damage square --seconds 1.5 --warmup 5 >"$log" 2>&1; then
			tap_ok "$name ($(sed -n 's/.*\(fps=[0-9.]*\).*/\1/p' "$log"))"
		else
			fail_logs "$name" "$log"
		fi
		check_nest_stop "$mode, --$host"
		stop_pid "$HOST_PID" >/dev/null 2>&1
		want=$(sed -n 's/.*last_sum=\([0-9a-f]*\).*/\1/p' "$log")
		got=$(sed -n 's/^nullhost: sum=\([0-9a-f]*\)$/\1/p' "$HOST_LOG" | tail -n 1)
		tap_check "$mode, --$host: the host ends with the client's last frame (checksum $got, client $want)" \
			test -n "$want" -a "$got" = "$want"
		if [ "$host" = "repaint-ms 30" ]; then
			busy=$(sed -n 's/^nullhost: commits=[0-9]* busy_commits=\([0-9]*\)$/\1/p' "$HOST_LOG" | tail -n 1)
			tap_check "$mode, --$host: no buffer committed while the host held it (busy_commits=$busy)" \
				[ "$busy" = 0 ]
		fi
	done
done
tap_done
