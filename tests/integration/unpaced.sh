#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A client drawing as fast as it can, without frame callbacks (framebench:
# 1920x1080 buffers, a 64x64 square moving each frame), through wlnest in
# both shm modes on every desktop the tests run: weston (desktop shell),
# sway, GNOME's mutter and KDE's kwin.  Each host takes and gives back
# buffers its own way (at once, at repaint, after the next frame), and may
# read nothing for a while as it sets up the window.  The client must keep
# its connection (on kwin, copy mode once lost it: the host connection
# filled while kwin was busy), in copy mode frames must reach the host,
# and wlnest must exit 0.  Then make bench's desktops.sh, briefly: it
# measures every path on every desktop installed.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

if [ ! -x "$TOOLS/framebench" ]; then
	tap_fail "test tool $TOOLS/framebench is built"
	tap_done
	exit 1
fi

for host in weston sway mutter kwin; do
	if ! host_installed $host; then
		tap_skip "$host" "$host is not installed (scripts/install-deps.sh)"
		continue
	fi
	if ! host_start_free $host; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	for mode in passthrough copy; do
		name="$host, $mode: an unpaced client keeps its connection"
		if ! nest_start --shm $mode --stats; then
			fail_logs "$host, $mode: wlnest starts"
			continue
		fi
		log=$LOGDIR/framebench-$host-$mode.log
		if guest_run "$TOOLS/framebench" --damage square --seconds 1 --warmup 5 \
			>"$log" 2>&1; then
			tap_ok "$name ($(sed -n 's/.*\(fps=[0-9.]*\).*/\1/p' "$log"))"
		else
			fail_logs "$name" "$log"
		fi
		check_nest_stop "$host, $mode"
		if [ $mode = copy ] && [ "${VIRTWL_DIRECT:-0}" != 1 ]; then
			commits=$(sed -n 's/^wlnest-stats: commits=\([0-9]*\) .*/\1/p' "$NEST_LOG")
			tap_check "$host, copy: frames reached the host (${commits:-no} host commits, >= 10)" \
				test "${commits:-0}" -ge 10
		fi
	done
	host_stop
done

# The benchmark itself, briefly: every desktop here and path measures.
out=$LOGDIR/desktops-bench.txt
if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	tap_skip "make bench desktops.sh measures every path" "direct mode, no wlnest"
elif WLNEST=$WLNEST BENCH_SECONDS=0.3 sh "$VIRTWL_TOP/tests/bench/desktops.sh" \
	>"$out" 2>"$LOGDIR/desktops-bench.err"; then
	missing=""
	for host in weston sway mutter kwin; do
		host_installed $host || continue
		for c in square square-paced; do
			# report rows: HOST CASE NATIVE PT (R) COPY (R) SENT (R)
			awk -v h=$host -v c=$c '$1 == h && $2 == c && $3 + 0 > 0 && $4 + 0 > 0 &&
				$6 + 0 > 0 && $8 + 0 > 0 { found = 1 } END { exit !found }' "$out" ||
				missing="$missing [$host $c]"
		done
	done
	tap_check "make bench desktops.sh measures every path (missing:${missing:- none})" \
		[ -z "$missing" ]
else
	tap_fail "make bench desktops.sh runs"
	log_excerpt "$out"
	log_excerpt "$LOGDIR/desktops-bench.err"
fi
tap_done
