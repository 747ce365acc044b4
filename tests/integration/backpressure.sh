#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A host slower than its clients: nullhost takes 300 us per commit while a
# client commits 1920x1080 frames as fast as its buffers come back, for 2 s,
# through wlnest in both shm modes.  wlnest must hold the client back (or
# queue) when the host's socket is full, never drop the client: the client
# ends cleanly and wlnest exits 0.  Straight on the host the client is held
# back by buffer releases, so it passes there by construction.
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
tap_done
