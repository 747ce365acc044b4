#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frames for X11 windows (libdecor) where the host draws none:
# - on weston (no xdg-decoration), a plain X toplevel gets a title bar
#   above its content: a band of frame pixels, neither the window's
#   colour nor the background, holding its title's text;
# - a pointer drag on that title bar moves the window by the distance
#   dragged; the same for xterm;
# - a double click on it maximizes the window: content as wide as the
#   output, below the bar, and weston accepts the frame's geometry;
# - a window asking for no decorations (_MOTIF_WM_HINTS) gets no frame;
# - without a libdecor plugin, wlnest says so once and X windows show
#   without frames;
# - on sway, which decorates server-side, wlnest draws no frame and says
#   the host decorates; where sway picks client-side ("border csd") for
#   a window, from a rule when it maps or a command while it is mapped,
#   wlnest draws its title bar, and takes it away after "border none";
#   a window asking for no decorations gets none of ours there either.
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

# the window's colour WIN (green, xwin's; black for xterm): where it is
# in a fresh screenshot ($T/g.ppm), whether it is exactly somewhere, and
# whether it is maximized below a bar (tests/host/lib.sh)
WIN=$GREEN
green_box() { win_box $WIN; }
green_at() { win_at $WIN "$1"; }
green_top_full() { win_maximized $WIN; }

# no_bar_above "X Y W H": only background in the rows just above the
# content (up to 14 of them; weston places a window's geometry on the
# output, so a window at the top edge has no bar)
no_bar_above() {
	set -- $1
	[ "$2" -eq 0 ] && return 0
	_rows=$2
	[ $_rows -gt 14 ] && _rows=14
	"$PIXCHECK" --save "$LOGDIR/no-bar" "$T/g.ppm" \
		"rect:$1,$(($2 - _rows)),$3,$_rows=$HOST_BG"
}

# log_since N PATTERN: PATTERN in wlnest's log after its first N lines;
# log_lines: how many it has now
log_since() {
	tail -n "+$(($1 + 1))" "$NEST_LOG" | grep -q "$2"
}
log_lines() {
	wc -l <"$NEST_LOG"
}

# the host's cursor out of the way of the checks (it stays visible once
# the pointer moved)
pointer_away() {
	pointer_move $((HOST_W - 2)) $((HOST_H - 2))
	sleep 0.2
}

# check_title_bar NAME LOG [SINCE]: a title bar above the content at $box
# (the green window's "X Y W H"): frame pixels, none of them the
# background or the window's colour, and text in its middle; wlnest said
# it framed the window (after line SINCE of its log: that it draws the
# frame now)
check_title_bar() {
	since=0
	said="framed by libdecor"
	if [ $# -ge 3 ]; then
		since=$3
		said="X window 0x[0-9a-f]*: frame drawn by wlnest (libdecor)"
	fi
	if [ -z "$box" ]; then
		fail_logs "$1: the window shows" "$LOGDIR/$2.log"
		return
	fi
	set -- "$1" "$2" $box
	if [ "$4" -lt 20 ]; then
		fail_logs "$1: the window is at $box, no room for a bar"
	elif "$PIXCHECK" --save "$LOGDIR/$2" "$T/g.ppm" \
		$(title_bar_checks "$box" $WIN) &&
		log_since "$since" "$said"; then
		tap_ok "$1 (content at $box)"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/$2-shot.png"
	else
		fail_logs "$1 (content at $box)" "$LOGDIR/$2.log"
	fi
}

# drag_title_bar NAME LOG: press on the title bar of the window at $box,
# drag by (+-100, +-60) towards the middle of the screen, release: the
# window's content must have moved by the same
drag_title_bar() {
	if [ -z "$box" ]; then
		fail_logs "$1: no window to drag"
		return
	fi
	gx=${box%% *}
	gy=$(echo "$box" | cut -d' ' -f2)
	title_bar_drag "$box"
	want=$DRAG_WANT
	dx=$DRAG_DX dy=$DRAG_DY
	if wait_until 10 green_at "$want"; then
		tap_ok "$1 (from $gx,$gy by $dx,$dy)"
	else
		fail_logs "$1 (from $gx,$gy; want $want, got $(green_box))" \
			"$LOGDIR/$2.log"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/$2-drag-shot.png" 2>/dev/null
	fi
}

if ! host_start weston desktop; then
	fail_logs "weston: host compositor starts"
else
	if ! nest_x_start; then
		fail_logs "weston: wlnest -X starts"
	else
		# -- a title bar above a plain X toplevel, and a drag on it
		x_spawn "title" "$XWIN" title
		xpid=$SPAWNED_PID
		box=""
		if wait_pixels 10 "title" "bbox:$GREEN=320,240"; then
			box=$(green_box)
		fi
		check_title_bar "weston: an X toplevel gets a title bar with its title above its content" title
		drag_title_bar "weston: a pointer drag on the title bar moves the X window" title

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

		# -- the same for xterm, black on black: its content is one
		# colour before and after it draws, and the frame has no pure
		# black
		if command -v xterm >/dev/null; then
			pointer_away
			WIN=000000
			x_spawn "xterm" xterm -bg black -fg black -T "xterm frame test"
			tpid=$SPAWNED_PID
			box=""
			if wait_pixels 10 "xterm" "count:$WIN>=20000"; then
				sleep 0.5 # the first frames may still come
				box=$(green_box)
			fi
			check_title_bar "weston: a decorated xterm shows a title bar with its title" xterm
			drag_title_bar "weston: xterm moves by a pointer drag on its title bar" xterm
			stop_client $tpid
			WIN=$GREEN
		else
			tap_skip "weston: a decorated xterm" "xterm is not installed"
		fi

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
			if no_bar_above "$box" &&
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
	nest_x_start
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
		if [ -n "$box" ] && no_bar_above "$box" &&
			[ "$(grep -c 'libdecor has no plugin' "$NEST_LOG")" = 1 ]; then
			tap_ok "$name (at $box)"
		else
			fail_logs "$name (at ${box:-nowhere})" "$LOGDIR/noplugin.log"
		fi
		stop_client $npid
		nest_stop
	fi
	host_stop
fi

# -- sway decorates X windows server-side (its borders are off here),
# unless it picks client-side for one: with "border csd", from a rule
# when the window maps or from a command while it is mapped
SWAY_CSD='for_window [title="^xwin csd"] border csd'

# all_green: the green window, tiled alone, covers the whole output (but
# for the host's cursor, at most 32x32, in its corner)
all_green() {
	green_at "0 0 $HOST_W $HOST_H" &&
		"$PIXCHECK" "$T/g.ppm" "count:$GREEN>=$((HOST_W * HOST_H - 1024))" >/dev/null
}

# below_bar: the green content starts low enough for a title bar above
below_bar() {
	set -- $(green_box)
	[ $# -eq 4 ] && [ "$2" -ge 20 ]
}

# sway_title_bar: waits for the green window to show below a title bar,
# sets box to where its content is (empty if it does not)
sway_title_bar() {
	box=""
	if wait_until 10 below_bar; then
		sleep 0.3 # the title's text may come a frame later
		box=$(green_box)
	fi
}

HOST_SWAY_EXTRA=$SWAY_CSD
host_start sway desktop
started=$?
unset HOST_SWAY_EXTRA
if [ $started -ne 0 ]; then
	fail_logs "sway: host compositor starts"
elif ! nest_x_start; then
	fail_logs "sway: wlnest -X starts"
	host_stop
else
	pointer_away
	# -- no rule: the host decorates, nothing of ours is drawn
	name="sway: an X window gets the host's decorations, no frame of ours"
	n=$(log_lines)
	x_spawn "sway-plain" "$XWIN" title --title "xwin plain"
	spid=$SPAWNED_PID
	if wait_until 10 all_green &&
		log_since "$n" "X window 0x[0-9a-f]*: decorated by the host" &&
		! log_since "$n" "frame drawn by wlnest"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/sway-plain.log"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/sway-plain-shot.png" 2>/dev/null
	fi

	# -- sway switches the mapped window to client-side: our title bar
	# above its content, and back
	n=$(log_lines)
	swaymsg_host '[title="^xwin plain$"] border csd' >/dev/null
	sway_title_bar
	check_title_bar "sway: 'border csd' on a mapped X window gives it a title bar of ours" \
		sway-to-csd "$n"
	name="sway: 'border none' on it again: no frame of ours"
	n=$(log_lines)
	swaymsg_host '[title="^xwin plain$"] border none' >/dev/null
	if wait_until 10 all_green &&
		log_since "$n" "X window 0x[0-9a-f]*: decorated by the host"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/sway-plain.log"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/sway-to-none-shot.png" 2>/dev/null
	fi
	stop_client $spid

	# -- a rule gives a window client-side decorations when it maps
	n=$(log_lines)
	x_spawn "sway-csd" "$XWIN" title --title "xwin csd"
	cpid=$SPAWNED_PID
	sway_title_bar
	check_title_bar "sway: an X window that sway gives client-side decorations gets a title bar of ours" \
		sway-csd "$n"
	stop_client $cpid

	# -- one that draws its own frame gets none of ours, client-side or
	# not
	name="sway: a window asking for no decorations gets no frame where sway picks client-side"
	n=$(log_lines)
	x_spawn "sway-motif" "$XWIN" title --title "xwin csd own" --decorations 0
	mpid=$SPAWNED_PID
	if wait_until 10 all_green && sleep 0.5 && all_green &&
		! log_since "$n" "framed by libdecor"; then
		tap_ok "$name"
	else
		fail_logs "$name" "$LOGDIR/sway-motif.log"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/sway-motif-shot.png" 2>/dev/null
	fi
	stop_client $mpid
	check_nest_stop "sway"
	host_stop
fi

tap_done
