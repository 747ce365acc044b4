#!/bin/sh
# SPDX-License-Identifier: MIT
#
# X11 clients through wlnest -X (its Xwayland and window manager), on
# weston and on sway:
# - xterm, xeyes and xlogo map and show on the host;
# - text typed on the host reaches xterm;
# - an override-redirect menu, and a nested one, show at exactly their X
#   offsets from their toplevel (pixel check);
# - a transient dialog stacks above its parent;
# - a fullscreen request gives a host-sized window;
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

# x_run CMD...: an X client of wlnest's display
x_run() {
	env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" "$@"
}

# x_spawn NAME CMD...: spawn an X client
x_spawn() {
	_xname=$1
	shift
	spawn "$_xname" env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" "$@"
}

x_clear() {
	stop_pid "$1"
	wait_clear
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
	XDISPLAY=$(sed -n 's/.*X11 display \(:[0-9]*\) ready.*/\1/p' "$NEST_LOG" | head -n 1)
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
		x_clear $apid
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
	x_clear $xpid

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
	x_clear $mpid

	# -- a transient dialog shows whole, above its parent
	x_spawn "transient-$host" "$XWIN" transient
	tpid=$SPAWNED_PID
	if wait_pixels 10 "transient-$host" bbox:FFFF00=120,90 "count:00FF00>=40000"; then
		tap_ok "$host: transient dialog stacks above its parent"
	else
		fail_logs "$host: transient dialog stacks above its parent" "$LOGDIR/transient-$host.log"
	fi
	x_clear $tpid

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
	x_clear $fpid

	# -- Xwayland killed: the next X client starts a new one
	xw=$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)
	if [ -n "$xw" ]; then
		kill -KILL "$xw"
		wait_until 5 sh -c "! kill -0 $xw 2>/dev/null"
		x_spawn "after-kill-$host" "$XWIN" title
		apid=$SPAWNED_PID
		if wait_pixels 15 "after-kill-$host" "count:00FF00>=76800" &&
			[ "$(pgrep -P "$NEST_PID" -x Xwayland | head -n 1)" != "$xw" ]; then
			tap_ok "$host: after Xwayland is killed, the next X client starts a new one"
		else
			fail_logs "$host: after Xwayland is killed, the next X client starts a new one" \
				"$LOGDIR/after-kill-$host.log"
		fi
		x_clear $apid
	else
		fail_logs "$host: Xwayland runs as wlnest's child"
	fi

	check_nest_stop "$host"
	host_stop
done
tap_done
