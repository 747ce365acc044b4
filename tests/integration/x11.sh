#!/bin/sh
# SPDX-License-Identifier: MIT
#
# X11 clients through wlnest -X (its Xwayland and window manager), on
# weston and on sway:
# - xterm, xeyes and xlogo map and show on the host;
# - text typed on the host reaches xterm;
# - an override-redirect menu, and a nested one, show at exactly their X
#   offsets from their toplevel (pixel check); on sway, also when they
#   map while another client's window has the focus;
# - a transient dialog stacks above its parent;
# - a fullscreen request gives a host-sized window; a maximize request
#   too (less the title bar of the frame on weston), and the host's
#   maximized state comes back in _NET_WM_STATE;
# - a client asking for an interactive move (_NET_WM_MOVERESIZE) on a
#   button press is moved by the host with the pointer;
# - a window's X cursor (a 16x16 magenta square) shows at the host pointer;
# - CLIPBOARD and PRIMARY round trips of 1 MiB, xclip <-> wl-copy/wl-paste;
# - killing Xwayland: the next X client starts a new one;
# - the EWMH check finds the window manager, and xdpyinfo works.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

XWIN=${XWIN:-$TOOLS/xwin}
SIZE=1048576
BG=202020

for tool in xterm xeyes xlogo xclip xprop xdpyinfo "$XWIN"; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "x11" "$tool is not installed"
		tap_done
		exit 0
	fi
done

# right_half COLOUR: in a fresh screenshot, COLOUR only in the right half
right_half() {
	shot "$T/half.ppm" &&
		set -- $("$PIXCHECK" locate "$T/half.ppm" "$1") &&
		[ $# -eq 4 ] && [ "$1" -ge $((HOST_W / 2)) ]
}

# green_at "X Y W H": the green window's bounding box on the host screen
green_at() {
	shot "$T/green.ppm" && [ "$("$PIXCHECK" locate "$T/green.ppm" 00FF00)" = "$1" ]
}

# x_window LOG: the id of the toplevel an xwin log reports mapped
x_window() {
	sed -n 's/^mapped \(0x[0-9a-f]*\) .*/\1/p' "$1" | head -n 1
}

for host in weston sway; do
	if ! host_start "$host" desktop; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	if ! nest_start -X -v; then
		fail_logs "$host: wlnest -X starts"
		host_stop
		continue
	fi
	XDISPLAY=$(nest_x_display)
	if [ -z "$XDISPLAY" ]; then
		fail_logs "$host: wlnest -X reports its X11 display"
		host_stop
		continue
	fi

	# -- EWMH: the supporting window names the window manager
	wm=$(x_run xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | awk '{print $NF}')
	if [ -n "$wm" ] && x_run xprop -id "$wm" _NET_WM_NAME 2>/dev/null | grep -q '"wlnest"' &&
		x_run xdpyinfo >"$LOGDIR/xdpyinfo-$host.txt" 2>&1; then
		tap_ok "$host: EWMH check finds wlnest; xdpyinfo works (Xwayland started on demand)"
	else
		fail_logs "$host: EWMH check finds wlnest; xdpyinfo works"
	fi

	# -- real X clients map and show
	for app in xterm xeyes xlogo; do
		x_spawn "$app-$host" "$app"
		apid=$SPAWNED_PID
		if wait_pixels 10 "$app-$host" "other:$BG>=2000"; then
			tap_ok "$host: $app maps and shows"
		else
			fail_logs "$host: $app maps and shows" "$LOGDIR/$app-$host.log"
		fi
		stop_client $apid
	done

	# -- typing on the host reaches xterm
	rm -f "$T/typed"
	x_spawn "xterm-type-$host" xterm -e sh -c "cat > '$T/typed'"
	xpid=$SPAWNED_PID
	wait_pixels 10 "xterm-type-$host" "other:$BG>=2000" >/dev/null
	text="typed into xterm"
	type_text "$text"
	if wait_until 10 grep -qx "$text" "$T/typed"; then
		tap_ok "$host: text typed on the host reaches xterm"
	else
		fail_logs "$host: text typed on the host reaches xterm" "$LOGDIR/xterm-type-$host.log"
		echo "# got: $(cat "$T/typed" 2>/dev/null)"
	fi

	# -- selections, X -> host (xterm keeps focus and gives serials)
	for sel in clipboard primary; do
		wlflag=""
		[ $sel = primary ] && wlflag=--primary
		if [ $sel = primary ] && ! host_run wayland-info 2>/dev/null |
			grep -q zwp_primary_selection_device_manager_v1; then
			tap_skip "$host: PRIMARY X -> host" "$host has no primary selection"
			tap_skip "$host: PRIMARY host -> X" "$host has no primary selection"
			continue
		fi
		head -c $SIZE /dev/urandom | base64 -w 76 | head -c $SIZE >"$T/x2h"
		x_spawn "xclip-in-$host-$sel" xclip -quiet -selection $sel -i "$T/x2h"
		cpid=$SPAWNED_PID
		key 42 # a key press: the window manager needs a fresh serial
		name="$host: $(echo $sel | tr a-z A-Z) X -> host, 1 MiB byte-exact"
		if wait_until 10 sh -c "
			env XDG_RUNTIME_DIR='$HOST_RT' WAYLAND_DISPLAY='$HOST_DISPLAY' \
			timeout 10 wl-paste $wlflag -n -t 'text/plain;charset=utf-8' >'$T/x2h.got' 2>>'$LOGDIR/wl-paste.log' &&
			cmp -s '$T/x2h' '$T/x2h.got'"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/wl-paste.log"
			echo "# received $(wc -c <"$T/x2h.got" 2>/dev/null || echo 0) of $SIZE bytes"
			echo "# the host offers: $(host_run timeout 5 wl-paste $wlflag --list-types 2>&1 | tr '\n' ' ')"
		fi
		stop_pid $cpid

		# host -> X: an X window takes focus after wl-copy, so the
		# window manager learns the new selection
		head -c $SIZE /dev/urandom | base64 -w 76 | head -c $SIZE >"$T/h2x"
		SPAWN_STDIN=$T/h2x spawn "wl-copy-$host-$sel" host_run wl-copy --foreground $wlflag -t "text/plain;charset=utf-8"
		wpid=$SPAWNED_PID
		sleep 0.5
		x_spawn "focus-$host-$sel" "$XWIN" title
		fpid=$SPAWNED_PID
		wait_pixels 10 "focus-$host-$sel" "count:00FF00>=76800" >/dev/null
		key 42
		name="$host: $(echo $sel | tr a-z A-Z) host -> X, 1 MiB byte-exact"
		if wait_until 10 sh -c "
			env -u WAYLAND_DISPLAY DISPLAY='$XDISPLAY' timeout 10 xclip -selection $sel -o \
				>'$T/h2x.got' 2>>'$LOGDIR/xclip-out.log' &&
			cmp -s '$T/h2x' '$T/h2x.got'"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/xclip-out.log" "$LOGDIR/wl-copy-$host-$sel.log"
			echo "# received $(wc -c <"$T/h2x.got" 2>/dev/null || echo 0) of $SIZE bytes"
		fi
		stop_pid $wpid
		stop_pid $fpid
	done
	stop_client $xpid

	# -- override-redirect menus at their X offsets from the toplevel
	x_spawn "menu-$host" "$XWIN" menu --at 40,30
	mpid=$SPAWNED_PID
	if wait_pixels 10 "menu-$host" origin:00FF00 rect:40,30,60,80=FF0000 \
		rect:100,50,50,40=0000FF count:FF0000=4800 count:0000FF=2000; then
		tap_ok "$host: override-redirect menu and nested menu at their X positions"
	else
		fail_logs "$host: override-redirect menu and nested menu at their X positions" \
			"$LOGDIR/menu-$host.log"
	fi
	stop_client $mpid

	# -- the same while another client's window has the focus: sway
	# tiles the new toplevel on the right, and its menus show there
	# (they map before sway focuses it)
	if [ "$host" = sway ]; then
		x_spawn "other-$host" "$XWIN" title
		opid=$SPAWNED_PID
		wait_pixels 10 "other-$host" "count:00FF00>=76800" >/dev/null
		x_spawn "menu2-$host" "$XWIN" menu --at 40,30
		mpid=$SPAWNED_PID
		name="$host: menus of a new X toplevel show in it, not in another client's focused window"
		if wait_until 10 right_half FF0000 && right_half 0000FF; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/menu2-$host.log"
			"$PIXCHECK" convert "$T/half.ppm" "$LOGDIR/menu2-$host-shot.png" 2>/dev/null
		fi
		stop_pid $mpid
		stop_client $opid
	fi

	# -- a transient dialog shows whole, above its parent
	x_spawn "transient-$host" "$XWIN" transient
	tpid=$SPAWNED_PID
	if wait_pixels 10 "transient-$host" bbox:FFFF00=120,90 "count:00FF00>=40000"; then
		tap_ok "$host: transient dialog stacks above its parent"
	else
		fail_logs "$host: transient dialog stacks above its parent" "$LOGDIR/transient-$host.log"
	fi
	stop_client $tpid

	# -- fullscreen: the X window gets the host output's size
	x_spawn "fullscreen-$host" "$XWIN" fullscreen
	fpid=$SPAWNED_PID
	# (weston draws its pointer on top: up to 32x32 pixels may differ)
	if wait_until 10 grep -q "configured .* ${HOST_W}x${HOST_H}\$" "$LOGDIR/fullscreen-$host.log" &&
		wait_pixels 10 "fullscreen-$host" "count:00FF00>=$((HOST_W * HOST_H - 1024))"; then
		tap_ok "$host: fullscreen request gives a ${HOST_W}x${HOST_H} window"
	else
		fail_logs "$host: fullscreen request gives a ${HOST_W}x${HOST_H} window" \
			"$LOGDIR/fullscreen-$host.log"
	fi
	stop_client $fpid

	# -- maximize, both ways: the host maximizes, and says so in the
	# window's _NET_WM_STATE
	if [ "$host" = sway ]; then
		tap_skip "$host: maximize request" "sway has no maximized state (it tiles)"
	else
		# six windows, asking once mapped or mapped maximized (the first
		# configure is then maximized): a frame of the old size must
		# never follow the ack of a maximized configure.  On weston the
		# window manager's frame takes a title bar off the height:
		# MAX_H is the content height the host gives.
		max_h=$HOST_H
		[ "$host" = weston ] && max_h=$((HOST_H - 24))
		name="$host: maximize requests give ${HOST_W}x${max_h} windows whose _NET_WM_STATE says maximized (6 windows)"
		xw=$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)
		good=0
		for round in 1 2 3 4 5 6; do
			mode=maximize
			[ $((round % 2)) = 0 ] && mode=maximized
			x_spawn "maximize-$host-$round" "$XWIN" $mode
			xpid=$SPAWNED_PID
			log=$LOGDIR/maximize-$host-$round.log
			if wait_until 10 grep -q "configured .* ${HOST_W}x${max_h}\$" "$log" &&
				wait_pixels 10 "maximize-$host-$round" "count:00FF00>=$((HOST_W * max_h - 1024))" &&
				wait_until 5 sh -c "env -u WAYLAND_DISPLAY DISPLAY=$XDISPLAY xprop -id \
					$(x_window "$log") _NET_WM_STATE |
					grep _NET_WM_STATE_MAXIMIZED_VERT | grep -q _NET_WM_STATE_MAXIMIZED_HORZ"; then
				good=$((good + 1))
			fi
			stop_client $xpid
		done
		if [ $good -eq 6 ] && ! grep -q 'protocol error' "$NEST_LOG" &&
			[ "$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)" = "$xw" ]; then
			tap_ok "$name"
		else
			fail_logs "$name: $good of 6, Xwayland ${xw:-?} now $(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)" \
				"$LOGDIR/maximize-$host-$round.log"
		fi
	fi

	# -- _NET_WM_MOVERESIZE: press in the window, the client asks for a
	# move, the pointer drags the window by (+-100, +-60)
	name="$host: a window asking for a move on a button press follows the pointer"
	x_spawn "drag-$host" "$XWIN" drag
	dpid=$SPAWNED_PID
	at=""
	if wait_pixels 10 "drag-$host" bbox:00FF00=320,240 &&
		shot "$T/drag.ppm"; then
		at=$("$PIXCHECK" locate "$T/drag.ppm" 00FF00)
	fi
	if [ -n "$at" ]; then
		set -- $at
		gx=$1
		gy=$2
		cx=$((gx + 160))
		cy=$((gy + 120))
		# towards the middle of the screen, so the window stays on it
		dx=100
		dy=60
		[ $cx -gt $((HOST_W / 2)) ] && dx=-100
		[ $cy -gt $((HOST_H / 2)) ] && dy=-60
		pointer_move $cx $cy
		sleep 0.3
		printf 'button 272 1\n' >"$INJECT"
		if wait_until 5 grep -q '^moveresize ' "$LOGDIR/drag-$host.log"; then
			sleep 0.3
			for step in 1 2 3 4 5; do
				pointer_move $((cx + step * dx / 5)) $((cy + step * dy / 5))
				sleep 0.1
			done
		fi
		printf 'button 272 0\n' >"$INJECT"
		want="$((gx + dx)) $((gy + dy)) 320 240"
		if wait_until 10 green_at "$want"; then
			tap_ok "$name (from $gx,$gy to $want)"
		else
			fail_logs "$name (from $gx,$gy; want $want, got $("$PIXCHECK" locate "$T/green.ppm" 00FF00))" \
				"$LOGDIR/drag-$host.log"
		fi
	else
		fail_logs "$name: the window shows" "$LOGDIR/drag-$host.log"
	fi
	stop_client $dpid

	# -- the window's own X cursor shows where the host pointer is
	name="$host: an X window's cursor shows at the host pointer"
	x_spawn "cursor-$host" "$XWIN" cursor
	cpid=$SPAWNED_PID
	at=""
	if wait_pixels 10 "cursor-$host" "count:00FF00>=70000" && shot "$T/cursor.ppm"; then
		at=$("$PIXCHECK" locate "$T/cursor.ppm" 00FF00)
	fi
	if [ -n "$at" ]; then
		set -- $at
		px=$(($1 + 100))
		py=$(($2 + 100))
		pointer_move $px $py
		if wait_pixels 10 "cursor-$host" "count:FF00FF=256" "origin:$px,$py" \
			"rect:0,0,16,16=FF00FF"; then
			tap_ok "$name (16x16 magenta at $px,$py)"
		else
			fail_logs "$name" "$LOGDIR/cursor-$host.log"
		fi
	else
		fail_logs "$name: the window shows" "$LOGDIR/cursor-$host.log"
	fi
	stop_client $cpid
	pointer_move 0 0

	# -- Xwayland killed: the next X client starts a new one (the host's
	# cursor may cover up to 32x32 of its window)
	xw=$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)
	if [ -n "$xw" ]; then
		kill -KILL "$xw"
		wait_until 5 sh -c "! kill -0 $xw 2>/dev/null"
		x_spawn "after-kill-$host" "$XWIN" title
		apid=$SPAWNED_PID
		if wait_pixels 15 "after-kill-$host" "count:00FF00>=$((76800 - 1024))" &&
			[ "$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)" != "$xw" ]; then
			tap_ok "$host: after Xwayland is killed, the next X client starts a new one"
		else
			fail_logs "$host: after Xwayland is killed, the next X client starts a new one" \
				"$LOGDIR/after-kill-$host.log"
		fi
		stop_client $apid
	else
		fail_logs "$host: Xwayland runs as wlnest's child"
	fi

	check_nest_stop "$host"
	host_stop
done
tap_done
