#!/bin/sh
# SPDX-License-Identifier: MIT
#
# X11 windows of the default 24-bit visual through wlnest -X on weston, in
# both shm modes (passthrough, the default, hands Xwayland's own pixels to
# weston, whose unused top byte is 0; copy sets it):
# - xterm, 24-bit, with a green background and red text, shows its
#   colours and its first line of text;
# - text it prints later shows too: the window's content follows
#   Xwayland's frames after the first, it does not stay as it was.
# The screenshots are wshot's, which keeps the pixels' colours whatever
# their top byte (weston-screenshooter's PNG makes pixels whose top byte
# is 0 black and transparent).
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

for tool in xterm xwininfo; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "x11shm" "$tool is not installed"
		tap_done
		exit 0
	fi
done
if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	tap_skip "x11shm" "direct mode: no wlnest, no X11"
	tap_done
	exit 0
fi

if ! host_start weston desktop; then
	fail_logs "weston: host compositor starts"
	tap_done
	exit 0
fi

for mode in passthrough copy; do
	tag="weston, $mode"
	if ! nest_x_start --shm $mode; then
		fail_logs "$tag: wlnest -X starts and reports its X11 display"
		continue
	fi

	# -- xterm: green background, red text; more text once $T/go exists.
	# It runs 80x24 cells of the fixed font, 6x13 pixels each: about
	# 150000 pixels of background.
	xterm_go_spawn "xterm-$mode"
	xpid=$SPAWNED_PID
	name="$tag: a 24-bit xterm shows its green background and its red text"
	depth=""
	wait_until 10 test -s "$T/windowid" &&
		depth=$(x_run xwininfo -id "$(cat "$T/windowid")" 2>/dev/null |
			sed -n 's/^ *Depth: *//p')
	if [ "$depth" != 24 ]; then
		fail_logs "$name: the window's depth is ${depth:-unknown}, not 24" \
			"$LOGDIR/xterm-$mode.log"
	elif wait_pixels 20 "xterm-$mode" "count:00FF00>=100000" "count:FF0000>=40"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/xterm-$mode.log"
	fi
	red1=40
	shot "$T/first.ppm" && red1=$("$PIXCHECK" count "$T/first.ppm" FF0000 2>/dev/null)
	[ "$red1" -ge 40 ] 2>/dev/null || red1=40
	touch "$T/go"
	# 20 more lines: many times the red of the first
	name="$tag: text xterm prints later shows too (red pixels: $red1, then at least $((red1 * 10)))"
	if wait_pixels 20 "xterm-later-$mode" "count:00FF00>=100000" \
		"count:FF0000>=$((red1 * 10))"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/xterm-$mode.log"
	fi
	stop_client $xpid
	check_nest_stop "$tag"
done
host_stop
tap_done
