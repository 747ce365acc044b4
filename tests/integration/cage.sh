#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlnest in front of cage, the kiosk, which makes every toplevel fullscreen
# (its headless output is 1280x720), in both shm modes:
# - a Wayland client asking for fullscreen fills the whole output;
# - xterm through wlnest -X gets cage's fullscreen size and shows its text,
#   and text it prints later shows too: an X window's content follows
#   Xwayland's frames after the first.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

for tool in cage grim xterm; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "cage" "$tool is not installed"
		tap_done
		exit 0
	fi
done

if ! host_start cage; then
	fail_logs "cage: host compositor starts"
	tap_done
	exit 0
fi
ALL=$((HOST_W * HOST_H))

for mode in passthrough copy; do
	if ! nest_x_start --shm $mode; then
		fail_logs "cage/$mode: wlnest -X starts and reports its X11 display"
		continue
	fi

	# -- a Wayland client: its buffer follows cage's fullscreen configure
	spawn "solid-cage-$mode" env XDG_RUNTIME_DIR="$NEST_RT" WAYLAND_DISPLAY="$NEST_DISPLAY" \
		"$TOOLS/solid" --fullscreen --color 0000ff
	spid=$SPAWNED_PID
	if wait_pixels 10 "solid-cage-$mode" "count:0000FF=$ALL"; then
		tap_ok "cage/$mode: a Wayland client fills the ${HOST_W}x$HOST_H output"
	else
		fail_logs "cage/$mode: a Wayland client fills the ${HOST_W}x$HOST_H output" \
			"$LOGDIR/solid-cage-$mode.log"
	fi
	stop_client $spid

	if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
		tap_skip "cage/$mode: xterm" "direct mode: no wlnest, no X11"
		check_nest_stop "cage/$mode"
		continue
	fi
	# -- xterm: green background, red text; more text once $T/go exists
	xterm_go_spawn "xterm-cage-$mode"
	xpid=$SPAWNED_PID
	# the first line: at least 40 red pixels, on a window of cage's size
	if wait_pixels 20 "xterm-cage-$mode" "count:00FF00>=$((ALL * 95 / 100))" \
		"count:FF0000>=40"; then
		tap_ok "cage/$mode: xterm gets the ${HOST_W}x$HOST_H fullscreen size and shows its text"
	else
		fail_logs "cage/$mode: xterm gets the ${HOST_W}x$HOST_H fullscreen size and shows its text" \
			"$LOGDIR/xterm-cage-$mode.log"
	fi
	shot "$T/first.ppm"
	red1=$("$PIXCHECK" count "$T/first.ppm" FF0000 2>/dev/null || echo 0)
	[ "$red1" -ge 40 ] 2>/dev/null || red1=40
	touch "$T/go"
	# 20 more lines: many times the red of the first
	if wait_pixels 20 "xterm-later-cage-$mode" "count:FF0000>=$((red1 * 10))"; then
		tap_ok "cage/$mode: text xterm prints later shows too (red pixels: $red1, then at least $((red1 * 10)))"
	else
		fail_logs "cage/$mode: text xterm prints later shows too (red pixels: $red1 at first)" \
			"$LOGDIR/xterm-cage-$mode.log"
	fi
	stop_client $xpid
	check_nest_stop "cage/$mode"
done
host_stop
tap_done
