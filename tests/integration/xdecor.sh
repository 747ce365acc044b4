#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frames for X11 windows (libdecor) where the host draws none:
# - on weston (no xdg-decoration), a plain X toplevel gets a title bar
#   above its content: a band of frame pixels, neither the window's
#   colour nor the background, holding its title's text;
# - a pointer drag on that title bar moves the window by the distance
#   dragged;
# - a double click on it maximizes the window: content as wide as the
#   output, below the bar, and weston accepts the frame's geometry;
# - a window asking for no decorations (_MOTIF_WM_HINTS) gets no frame;
# - without a libdecor plugin, wlnest says so once and X windows show
#   without frames;
# - on sway (server-side decorations) wlnest draws no frame.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

XWIN=${XWIN:-$TOOLS/xwin}
GREEN=00FF00

if ! command -v Xwayland >/dev/null || [ ! -x "$XWIN" ]; then
	tap_skip "xdecor" "Xwayland or $XWIN is missing"
	tap_done
	exit 0
fi
if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	tap_skip "xdecor" "direct mode: no wlnest to draw frames"
	tap_done
	exit 0
fi

# x_spawn NAME CMD...: an X client of wlnest's display
x_spawn() {
	_xname=$1
	shift
	spawn "$_xname" env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" "$@"
}

# nest_x ARGS...: wlnest -X; sets XDISPLAY
nest_x() {
	nest_start -X -v "$@" || return 1
	wait_until 10 grep -q "X11 display :[0-9]* ready" "$NEST_LOG"
	XDISPLAY=$(sed -n 's/.*X11 display \(:[0-9]*\) ready.*/\1/p' "$NEST_LOG" | head -n 1)
	[ -n "$XDISPLAY" ]
}

# green_box: the green window's "X Y W H" in a fresh screenshot ($T/g.ppm)
green_box() {
	shot "$T/g.ppm" && "$PIXCHECK" locate "$T/g.ppm" $GREEN
}

# green_at "X Y W H": the green window is exactly there
green_at() {
	[ "$(green_box)" = "$1" ]
}

# green_top_full: the green window is as wide as the output and reaches
# its bottom, below a bar at the top
green_top_full() {
	set -- $(green_box)
	[ $# -eq 4 ] && [ "$1" = 0 ] && [ "$3" = "$HOST_W" ] &&
		[ "$2" -gt 10 ] && [ $(($2 + $4)) = "$HOST_H" ]
}

# band_of "X Y W H": 10 rows ending 4 rows above the window's content,
# as wide as the content: where a title bar is, and nothing else (weston
# puts no other window there)
band_of() {
	set -- $1
	echo "$1,$(($2 - 14)),$3,10"
}

# text_of "X Y W H": the middle of that band, where the title is written
# (the plugin centres it; its buttons are at the right end)
text_of() {
	set -- $1
	echo "$(($1 + $3 / 2 - 60)),$(($2 - 14)),120,10"
}

# the host's cursor out of the way of the checks (it stays visible once
# the pointer moved)
pointer_away() {
	pointer_move $((HOST_W - 2)) $((HOST_H - 2))
	sleep 0.2
}

if ! host_start weston desktop; then
	fail_logs "weston: host compositor starts"
else
	if ! nest_x; then
		fail_logs "weston: wlnest -X starts"
	else
		# -- a title bar above a plain X toplevel
		name="weston: an X toplevel gets a title bar with its title above its content"
		x_spawn "title" "$XWIN" title
		xpid=$SPAWNED_PID
		box=""
		if wait_pixels 10 "title" "bbox:$GREEN=320,240"; then
			box=$(green_box)
		fi
		if [ -n "$box" ]; then
			set -- $box
			if [ "$2" -lt 20 ]; then
				fail_logs "$name: the window is at $box, no room for a bar"
			elif "$PIXCHECK" --save "$LOGDIR/title" "$T/g.ppm" \
				"without:$(band_of "$box")=$HOST_BG" \
				"without:$(band_of "$box")=$GREEN" \
				"colours:$(text_of "$box")>=6" &&
				grep -q "framed by libdecor" "$NEST_LOG"; then
				tap_ok "$name (content at $box)"
				"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/title-shot.png"
			else
				fail_logs "$name (content at $box)" "$LOGDIR/title.log"
			fi
		else
			fail_logs "$name: the window shows" "$LOGDIR/title.log"
		fi

		# -- a drag on the title bar moves the window by the same
		name="weston: a pointer drag on the title bar moves the X window"
		if [ -n "$box" ]; then
			set -- $box
			gx=$1 gy=$2
			# on the title's left part, clear of the buttons
			px=$((gx + 60))
			py=$((gy - 10))
			dx=100 dy=60
			[ $((gx + 160)) -gt $((HOST_W / 2)) ] && dx=-100
			[ $((gy + 120)) -gt $((HOST_H / 2)) ] && dy=-60
			pointer_move $px $py
			sleep 0.3
			printf 'button 272 1\n' >"$INJECT"
			sleep 0.3
			for step in 1 2 3 4 5 6 7 8; do
				pointer_move $((px + step * dx / 8)) $((py + step * dy / 8))
				sleep 0.08
			done
			sleep 0.2
			printf 'button 272 0\n' >"$INJECT"
			want="$((gx + dx)) $((gy + dy)) 320 240"
			if wait_until 10 green_at "$want"; then
				tap_ok "$name (from $gx,$gy by $dx,$dy)"
			else
				fail_logs "$name (from $gx,$gy; want $want, got $(green_box))" \
					"$LOGDIR/title.log"
				"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/drag-shot.png" 2>/dev/null
			fi
		else
			fail_logs "$name: no window to drag"
		fi

		# -- a double click on the title bar maximizes: the content
		# fills the output below the bar, and weston accepts the
		# frame's geometry (it ends a client whose maximized window
		# has another size)
		name="weston: a double click on the title bar maximizes the X window"
		box=$(green_box)
		if [ -n "$box" ]; then
			set -- $box
			pointer_move $(($1 + 60)) $(($2 - 10))
			sleep 0.3
			printf 'button 272 1\nbutton 272 0\nbutton 272 1\nbutton 272 0\n' >"$INJECT"
			if wait_until 10 green_top_full &&
				! grep -q "protocol error" "$NEST_LOG"; then
				tap_ok "$name (content $(green_box))"
			else
				fail_logs "$name (content $(green_box))" "$LOGDIR/title.log"
			fi
		else
			fail_logs "$name: no window"
		fi
		stop_client $xpid

		# -- _MOTIF_WM_HINTS without decorations: no frame
		name="weston: a window asking for no decorations gets no frame"
		pointer_away
		framed=$(grep -c "framed by libdecor" "$NEST_LOG")
		x_spawn "motif" "$XWIN" title --decorations 0
		mpid=$SPAWNED_PID
		box=""
		if wait_pixels 10 "motif" "bbox:$GREEN=320,240"; then
			box=$(green_box)
		fi
		if [ -n "$box" ]; then
			set -- $box
			# nothing but the background above it
			if [ "$2" -ge 20 ] &&
				"$PIXCHECK" --save "$LOGDIR/motif" "$T/g.ppm" \
				"rect:$(band_of "$box")=$HOST_BG" &&
				[ "$(grep -c "framed by libdecor" "$NEST_LOG")" = "$framed" ]; then
				tap_ok "$name (at $box)"
			else
				fail_logs "$name (at $box)" "$LOGDIR/motif.log"
			fi
		else
			fail_logs "$name: the window shows" "$LOGDIR/motif.log"
		fi
		stop_client $mpid
		check_nest_stop "weston"
	fi

	# -- no libdecor plugin: one log line, X windows without frames
	name="weston: without a libdecor plugin, X windows show without frames"
	mkdir -p "$T/no-plugins"
	export LIBDECOR_PLUGIN_DIR="$T/no-plugins"
	nest_x
	started=$?
	unset LIBDECOR_PLUGIN_DIR
	if [ $started -ne 0 ]; then
		fail_logs "$name: wlnest -X starts"
	else
		pointer_away
		x_spawn "noplugin" "$XWIN" title
		npid=$SPAWNED_PID
		box=""
		if wait_pixels 10 "noplugin" "bbox:$GREEN=320,240"; then
			box=$(green_box)
		fi
		set -- ${box:-0 0 0 0}
		if [ -n "$box" ] && [ "$2" -ge 20 ] &&
			"$PIXCHECK" --save "$LOGDIR/noplugin" "$T/g.ppm" \
				"rect:$(band_of "$box")=$HOST_BG" &&
			[ "$(grep -c 'libdecor has no plugin' "$NEST_LOG")" = 1 ]; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/noplugin.log"
		fi
		stop_client $npid
		nest_stop
	fi
	host_stop
fi

# -- sway decorates: wlnest draws nothing of its own
name="sway: X windows get the host's decorations, no libdecor frame"
if ! host_start sway desktop; then
	fail_logs "sway: host compositor starts"
elif ! nest_x; then
	fail_logs "sway: wlnest -X starts"
	host_stop
else
	x_spawn "sway-title" "$XWIN" title
	spid=$SPAWNED_PID
	if wait_pixels 10 "sway-title" "count:$GREEN>=70000" &&
		! grep -q "libdecor\|no frames" "$NEST_LOG"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/sway-title.log"
	fi
	stop_client $spid
	check_nest_stop "sway"
	host_stop
fi

tap_done
