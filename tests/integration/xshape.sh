#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Shaped X windows (the SHAPE extension) through wlnest -X, on weston and
# on sway, in both shm modes:
# - a 200x200 window in the default (24-bit) visual whose bounding shape
#   is its top-left and bottom-right quarters shows its colour there and
#   the host's background in the other two quarters;
# - its input shape is the top-left quarter: a click in the bottom-right
#   quarter (shown, but outside the input shape) or in the top-right one
#   (not shown) reaches no X window at all (without a host input region
#   the host would hand it to Xwayland, whose root window would get it),
#   a click in the top-left quarter reaches the window;
# - that click makes the client 100 pixels taller, blue, and shaped as the
#   other two quarters: the blue shows exactly there, and nothing of the
#   green frame is left outside the new shape;
# - a click in its top-right quarter shrinks its shape to that quarter
#   without any drawing in X: the bottom-left quarter goes at once;
# - the same in a 32-bit ARGB visual (where Xwayland's pixmap is
#   transparent outside the shape until the shape changes);
# - xeyes (shaped by default) shows as two ellipses, not a rectangle: the
#   corners of its white area show the host's background.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

XWIN=${XWIN:-$TOOLS/xwin}
BG=202020

for tool in xeyes "$XWIN"; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "xshape" "$tool is not installed"
		tap_done
		exit 0
	fi
done

# presses LOG: the number of button presses the shape client saw
presses() {
	grep -c '^press ' "$1"
}

# click X Y: a left click at output pixel X,Y.  The pointer stays a
# moment: Xwayland routes a press it handles after a leave to the root.
click() {
	pointer_move "$1" "$2"
	sleep 0.3
	pointer_click
	sleep 0.3
}

# quarters_shown NAME W H COLOUR [other]: the window (the top-left of
# COLOUR's bounding box) shows COLOUR in its top-left and bottom-right
# quarters only, the host's background in the other two; with "other",
# the other way round
quarters_shown() {
	_hw=$(($2 / 2))
	_hh=$(($3 / 2))
	_tl="0,0,$_hw,$_hh"
	_br="$_hw,$_hh,$(($2 - _hw)),$(($3 - _hh))"
	_tr="$_hw,0,$(($2 - _hw)),$_hh"
	_bl="0,$_hh,$_hw,$(($3 - _hh))"
	if [ "${5:-}" = other ]; then
		set -- "$1" "$2" "$3" "$4" "$_tr" "$_bl" "$_tl" "$_br"
	else
		set -- "$1" "$2" "$3" "$4" "$_tl" "$_br" "$_tr" "$_bl"
	fi
	wait_pixels 10 "$1" "origin:$4" \
		"count:$4=$((_hw * _hh + ($2 - _hw) * ($3 - _hh)))" \
		"rect:$5=$4" "rect:$6=$4" "rect:$7=$BG" "rect:$8=$BG"
}

# shape_test DEPTH: the shape client in a DEPTH-bit visual: its bounding
# shape, its input shape, its new shape after a resize
shape_test() {
	depth=$1
	# -- the bounding shape: two quarters shown, two transparent
	name="$tag: a shaped $depth-bit X window shows only inside its bounding shape"
	run=shape$depth-$host-$mode
	log=$LOGDIR/$run.log
	x_spawn "$run" "$XWIN" shape --size 200x200 --depth $depth
	spid=$SPAWNED_PID
	if quarters_shown "$run" 200 200 00FF00; then
		tap_ok "$name"
	else
		fail_logs "$name" "$log"
	fi

	# -- the input shape: clicks outside it reach no X window
	at=""
	shot "$T/shape.ppm" && at=$("$PIXCHECK" locate "$T/shape.ppm" 00FF00)
	if [ -n "$at" ]; then
		set -- $at
		gx=$1
		gy=$2
		pointer_move $((gx + 50)) $((gy + 50))
		sleep 0.5
		click $((gx + 150)) $((gy + 150)) # shown, outside the input shape
		click $((gx + 150)) $((gy + 50))  # outside the bounding shape
		sleep 1
		n=$(presses "$log")
		name="$tag, $depth-bit: clicks outside the input shape reach no X window"
		if [ "$n" = 0 ]; then
			tap_ok "$name"
		else
			fail_logs "$name ($n presses)" "$log"
		fi
		# Xwayland applies the relative motion that came before
		# the leave after the next enter: a motion puts the X
		# pointer back where the host's is
		pointer_move $((gx + 50)) $((gy + 50))
		sleep 0.3
		click $((gx + 52)) $((gy + 52))
		name="$tag, $depth-bit: a click inside the input shape reaches the window"
		if wait_until 5 grep -q "^press $(sed -n 's/^mapped \(0x[0-9a-f]*\) .*/\1/p' "$log") " "$log"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$log"
		fi

		# -- the click made it 200x300, blue, the other quarters
		pointer_move 0 0
		name="$tag, $depth-bit: after a resize with a new shape, nothing old shows outside it"
		if wait_until 5 grep -q '^shaped .* 200x300$' "$log" &&
			quarters_shown "re$run" 200 300 0000FF other &&
			"$PIXCHECK" "$T/poll.ppm" count:00FF00=0 >/dev/null; then
			tap_ok "$name"
		else
			fail_logs "$name" "$log"
		fi

		# -- a click in its top-right quarter shrinks the shape to
		# that quarter, and X redraws nothing: wlnest cuts the frame
		# the host shows
		name="$tag, $depth-bit: a smaller shape without a new frame shows at once"
		if shot "$T/reshaped.ppm" &&
			set -- $("$PIXCHECK" locate "$T/reshaped.ppm" 0000FF) && [ $# = 4 ]; then
			bx=$1
			by=$2
			pointer_move $((bx + 150)) $((by + 50))
			sleep 0.3
			click $((bx + 152)) $((by + 52))
			pointer_move 0 0
			if wait_until 5 grep -q '^shrunk ' "$log" &&
				wait_pixels 10 "shrunk$run" "origin:$bx,$by" count:0000FF=15000 \
					rect:100,0,100,150=0000FF rect:0,0,100,150=$BG \
					rect:0,150,200,150=$BG; then
				tap_ok "$name"
			else
				fail_logs "$name" "$log"
			fi
		else
			fail_logs "$name: the window shows" "$log"
		fi
	else
		fail_logs "$tag, $depth-bit: the shaped window shows (for the input checks)" "$log"
	fi
	stop_client $spid
}

for host in weston sway; do
	if ! host_start "$host" desktop; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	for mode in passthrough copy; do
		tag="$host, $mode"
		if ! nest_x_start --shm $mode; then
			fail_logs "$tag: wlnest -X starts and reports its X11 display"
			continue
		fi

		shape_test 24
		shape_test 32

		# -- xeyes: the corners of its white area are the host's
		# background, not a white rectangle (the host's cursor, at
		# the top-left of the output, may cover one corner)
		name="$tag: xeyes shows as two ellipses, not a rectangle"
		x_spawn "xeyes-$host-$mode" xeyes -geometry 200x150
		epid=$SPAWNED_PID
		bare=0
		if wait_pixels 10 "xeyes-$host-$mode" "count:FFFFFF>=5000" &&
			shot "$T/xeyes.ppm"; then
			set -- $("$PIXCHECK" locate "$T/xeyes.ppm" FFFFFF)
			if [ $# = 4 ]; then
				for corner in 0,0 $(($3 - 4)),0 0,$(($4 - 4)) $(($3 - 4)),$(($4 - 4)); do
					"$PIXCHECK" "$T/xeyes.ppm" "origin:$1,$2" \
						"rect:$corner,4,4=$BG" >/dev/null && bare=$((bare + 1))
				done
			fi
		fi
		if [ $bare -ge 3 ]; then
			tap_ok "$name ($bare of 4 corners bare)"
		else
			cp "$T/xeyes.ppm" "$LOGDIR/xeyes-$host-$mode.ppm" 2>/dev/null
			fail_logs "$name ($bare of 4 corners bare)" "$LOGDIR/xeyes-$host-$mode.log"
		fi
		stop_client $epid

		check_nest_stop "$tag"
	done
	host_stop
done
tap_done
