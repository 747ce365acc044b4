#!/bin/sh
# SPDX-License-Identifier: MIT
#
# HiDPI: wlnest in front of sway with its 800x600 output at scale 2 and at
# the fractional scale 1.5 (sway 1.7 then tells clients 2 and scales their
# frames down):
# - clients of wlnest learn the host output's scale and logical size
#   exactly as its own clients do (wl_output, xdg_output);
# - a Wayland client drawing at buffer scale 2 shows at the size that
#   scale gives, pixel for pixel at scale 2, on the host's screenshot;
# - an X11 window (wlnest -X) is scaled by the host: 200x150 X pixels
#   cover 200x150 times the scale in output pixels;
# - the pointer over both lands on exactly the surface (Wayland) or window
#   (X11) coordinates the host's scale gives.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

XWIN=${XWIN:-$TOOLS/xwin}
for tool in sway grim wayland-info; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "hidpi" "$tool is not installed"
		tap_done
		exit 0
	fi
done

# the output facts a client sees: scale and logical size
output_facts() {
	grep -E '^[[:space:]]*(x: .*scale:|logical_width:)' | sed 's/^[[:space:]]*//'
}

# scaled N: N times the output scale (an integer here)
scaled() {
	awk -v n="$1" -v s="$HOST_SCALE" 'BEGIN { printf "%d", n * s + 0.5 }'
}

# shows_at NAME COLOUR W H: the colour fills a W x H rectangle at the
# output's top-left corner; at a fractional scale, where the host filters
# while scaling down, its outermost rows and columns may blend with the
# background
shows_at() {
	case $HOST_SCALE in
	*.*)
		wait_pixels 10 "$1" "rect:1,1,$(($3 - 2)),$(($4 - 2))=$2" \
			"count:$2<=$(($3 * $4))" "count:$2>=$((($3 - 1) * ($4 - 1)))"
		;;
	*) wait_pixels 10 "$1" "bbox:$2=$3,$4" ;;
	esac
}

# gone PID COLOUR: stops a client and waits until its colour is gone
# (at a fractional scale sway's background is not one colour: wait_clear
# cannot tell)
gone() {
	stop_pid "$1"
	wait_until 5 _pixels_once "count:$2=0"
}

for HOST_SCALE in 2 1.5; do
	h="sway@$HOST_SCALE"
	if ! host_start sway; then
		fail_logs "$h: host compositor starts"
		continue
	fi
	if ! nest_start -X -v; then
		fail_logs "$h: wlnest starts"
		host_stop
		continue
	fi
	XDISPLAY=$(nest_x_display)

	# -- what clients learn of the output
	host_run wayland-info 2>/dev/null | output_facts >"$T/native"
	guest_run wayland-info 2>"$LOGDIR/wayland-info-$HOST_SCALE.err" | output_facts >"$T/nested"
	if [ -s "$T/native" ] && grep -q 'scale: 2' "$T/native" &&
		cmp -s "$T/native" "$T/nested"; then
		tap_ok "$h: clients of wlnest see the host's output scale and logical size ($(tr '\n' ' ' <"$T/nested" | sed 's/, *$//'))"
	else
		fail_logs "$h: clients of wlnest see the host's output scale and logical size"
		echo "# native: $(tr '\n' ' ' <"$T/native")"
		echo "# nested: $(tr '\n' ' ' <"$T/nested")"
	fi

	# -- a Wayland client at buffer scale 2: 400x300 buffer pixels are a
	#    200x150 surface
	w=$(scaled 200)
	hh=$(scaled 150)
	spawn "solid-$HOST_SCALE" env XDG_RUNTIME_DIR="$NEST_RT" WAYLAND_DISPLAY="$NEST_DISPLAY" \
		"$TOOLS/solid" --scale 2 --size 400x300 --color 0000ff
	spid=$SPAWNED_PID
	if shows_at "solid-$HOST_SCALE" 0000FF $w $hh; then
		tap_ok "$h: a buffer-scale-2 client's 400x300 buffer shows as ${w}x$hh output pixels"
	else
		fail_logs "$h: a buffer-scale-2 client's 400x300 buffer shows as ${w}x$hh output pixels" \
			"$LOGDIR/solid-$HOST_SCALE.log"
	fi
	# the pointer at output pixel 150,90: the layout's and the surface's
	# 150,90 / scale
	px=150
	py=90
	lx=$(awk -v s="$HOST_SCALE" 'BEGIN { printf "%.0f", 150 / s }')
	ly=$(awk -v s="$HOST_SCALE" 'BEGIN { printf "%.0f", 90 / s }')
	pointer_move $lx $ly
	if wait_until 10 grep -Eq "pointer\.(enter|motion) $lx,$ly\$" "$LOGDIR/solid-$HOST_SCALE.log"; then
		tap_ok "$h: the pointer at output pixel $px,$py is at surface $lx,$ly"
	else
		fail_logs "$h: the pointer at output pixel $px,$py is at surface $lx,$ly" \
			"$LOGDIR/solid-$HOST_SCALE.log"
	fi
	pointer_move $((HOST_LW - 1)) $((HOST_LH - 1))
	gone $spid 0000FF

	# -- an X11 window of 200x150, scaled by the host
	if [ "${VIRTWL_DIRECT:-0}" = 1 ] || [ -z "$XDISPLAY" ]; then
		tap_skip "$h: X11" "direct mode: no wlnest, no X11"
		check_nest_stop "$h"
		host_stop
		continue
	fi
	x_spawn "xwin-$HOST_SCALE" \
		"$XWIN" clicks --size 200x150
	xpid=$SPAWNED_PID
	if shows_at "xwin-$HOST_SCALE" 00FF00 $w $hh; then
		tap_ok "$h: a 200x150 X window shows as ${w}x$hh output pixels"
	else
		fail_logs "$h: a 200x150 X window shows as ${w}x$hh output pixels" \
			"$LOGDIR/xwin-$HOST_SCALE.log"
	fi
	pointer_move $lx $ly
	sleep 0.5
	pointer_click
	if wait_until 10 grep -q "^button 0x[0-9a-f]* 1 at $lx,$ly\$" "$LOGDIR/xwin-$HOST_SCALE.log"; then
		tap_ok "$h: a click at output pixel $px,$py reaches the X window at $lx,$ly"
	else
		fail_logs "$h: a click at output pixel $px,$py reaches the X window at $lx,$ly" \
			"$LOGDIR/xwin-$HOST_SCALE.log"
	fi
	pointer_move $((HOST_LW - 1)) $((HOST_LH - 1))
	gone $xpid 00FF00
	check_nest_stop "$h"
	host_stop
done
tap_done
