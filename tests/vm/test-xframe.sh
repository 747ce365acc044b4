#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frames for X windows in a VM: on a host without server-side decorations
# (headless weston, desktop-shell), the guest's wlnest frames an X
# toplevel with libdecor, whose buffers wlnest moves into virtwl memory:
#   - the window gets a title bar above its content: a band of frame
#     pixels, neither the window's colour nor the background, with text
#     in its middle;
#   - a pointer drag on the bar moves the window by the distance dragged
#     (the host's pointer events reach libdecor in the guest, its move
#     request the host);
#   - a double click on the bar maximizes the window, and the frame is
#     drawn again at the new size (new buffers, moved the same way);
#   - wlnest logs nothing about frames being off.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

avm_require "frames for X windows in a VM" weston

GREEN=00FF00	# xwin's toplevel

# the X window's content: where it is in a fresh screenshot, whether it
# is exactly somewhere, whether it is maximized (tests/host/lib.sh)
green_box() { win_box $GREEN; }
green_at() { win_at $GREEN "$1"; }
green_maximized() { win_maximized $GREEN; }

avm_host_boot weston desktop

g_bg xwin xwin title
box=
if wait_pixels 90 xwin "bbox:$GREEN=320,240"; then
	box=$(green_box)
fi
name="an X toplevel in the guest gets a title bar above its content"
if [ -z "$box" ]; then
	gfail "$name: the window shows" xwin
else
	set -- $box
	if [ "$2" -lt 20 ]; then
		tap_fail "$name: the window is at $box, no room for a bar"
	elif "$PIXCHECK" --save "$LOGDIR/bar" "$T/g.ppm" $(title_bar_checks "$box" $GREEN); then
		tap_ok "$name (content at $box)"
	else
		tap_fail "$name (content at $box)"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/bar-shot.png" 2>/dev/null
		g 'cat /run/wlnest.log'
		printf '%s\n' "$AVM_OUT" | tail -n 20 | sed 's/^/# wlnest: /'
	fi
fi

# A drag on the bar's left part, towards the middle of the output.
name="a pointer drag on the title bar moves the X window"
if [ -n "$box" ]; then
	gx=${box%% *}
	gy=$(echo "$box" | cut -d' ' -f2)
	title_bar_drag "$box" 0.15
	want=$DRAG_WANT
	dx=$DRAG_DX dy=$DRAG_DY
	if wait_until 20 green_at "$want"; then
		tap_ok "$name (from $gx,$gy by $dx,$dy)"
		box=$want
	else
		tap_fail "$name (from $gx,$gy; want $want, got $(green_box))"
		box=$(green_box)
	fi
else
	tap_fail "$name: no window"
fi

# A double click on the bar maximizes the window: libdecor draws the
# frame again, at the new size, in new buffers; weston accepts the
# frame's geometry (it ends a client whose maximized window has another
# size).
name="a double click on the title bar maximizes the X window, framed"
if [ -n "$box" ]; then
	set -- $box
	pointer_move $(($1 + 60)) $(($2 - 10))
	sleep 0.5
	printf 'button 272 1\nbutton 272 0\nbutton 272 1\nbutton 272 0\n' >"$INJECT"
	pointer_move $((HOST_W - 2)) $((HOST_H - 2))
	if wait_until 30 green_maximized && set -- $(green_box) &&
		"$PIXCHECK" --save "$LOGDIR/maximized" "$T/g.ppm" $(title_bar_checks "$*" $GREEN); then
		tap_ok "$name (content at $*)"
	else
		tap_fail "$name (content at $(green_box))"
		"$PIXCHECK" convert "$T/g.ppm" "$LOGDIR/maximized-shot.png" 2>/dev/null
	fi
else
	tap_fail "$name: no window"
fi

if g '! grep -i "no frames" /run/wlnest.log'; then
	tap_ok "the guest's wlnest logs nothing about frames being off"
else
	tap_fail "the guest's wlnest logs nothing about frames being off: $AVM_OUT"
fi
g_kill xwin
avm_poweroff_check
host_stop
tap_done
