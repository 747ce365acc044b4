#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlnest in front of GNOME's mutter (headless, a virtual monitor) and
# KDE's kwin (virtual), which give tests neither screenshots nor input, so
# the checks are protocol evidence from both ends:
# - a Wayland client through wlnest is configured, the host answers the
#   frame callback of its first frame (it was shown), it commits an update
#   in its other buffer, and the host releases its first buffer for the
#   next one;
# - an X11 window through wlnest -X becomes a host toplevel: the host
#   configures it, and wlnest sends its first frame, of the window's size,
#   once the X client sees itself mapped; on mutter, which draws no
#   decorations (no xdg-decoration), wlnest draws its frame (libdecor),
#   on kwin, which picks server-side decorations, it says the host
#   decorates it;
# - wlnest exits 0 on SIGTERM.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

XWIN=${XWIN:-$TOOLS/xwin}

for host in mutter kwin; do
	if ! host_installed $host || ! command -v dbus-run-session >/dev/null; then
		tap_skip "$host" "$host is not installed (scripts/install-deps.sh)"
		continue
	fi
	if ! host_start "$host"; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	if ! nest_start -X -v; then
		fail_logs "$host: wlnest -X starts"
		host_stop
		continue
	fi
	XDISPLAY=$(nest_x_display)

	# -- a Wayland client: configured, shown, updated, its buffer released
	log=$LOGDIR/solid-$host.log
	spawn "solid-$host" env XDG_RUNTIME_DIR="$NEST_RT" WAYLAND_DISPLAY="$NEST_DISPLAY" \
		"$TOOLS/solid" --size 200x150 --update 0,0,100,100=00ff00 \
		--update 100,50,100,100=0000ff
	spid=$SPAWNED_PID
	if wait_until 15 grep -q '^solid: update 2 committed' "$log" &&
		grep -q '^solid: xdg_surface.configure serial' "$log" &&
		grep -q '^solid: frame 1 done' "$log" &&
		grep -q '^solid: buffer released' "$log"; then
		tap_ok "$host: a Wayland client through wlnest is configured and shown, and its buffers come back"
	else
		fail_logs "$host: a Wayland client through wlnest is configured and shown, and its buffers come back" "$log"
	fi
	stop_pid $spid

	# -- an X11 window
	if [ "${VIRTWL_DIRECT:-0}" = 1 ] || [ -z "$XDISPLAY" ]; then
		tap_skip "$host: X11" "direct mode: no wlnest, no X11"
	else
		xlog=$LOGDIR/xwin-$host.log
		x_spawn "xwin-$host" "$XWIN" title --size 240x180
		xpid=$SPAWNED_PID
		name="$host: a 240x180 X11 window through wlnest -X becomes a host toplevel, configured, and its first frame goes to the host"
		if wait_until 15 grep -q '^mapped 0x' "$xlog" &&
			id=$(sed -n 's/^mapped \(0x[0-9a-f]*\) .*/\1/p' "$xlog" | head -n 1) &&
			wait_until 15 grep -q "X window $id: toplevel role for surface" "$NEST_LOG" &&
			sid=$(sed -n "s/.*X window $id: toplevel role for surface \([0-9]*\).*/\1/p" "$NEST_LOG" | head -n 1) &&
			wait_until 15 grep -Eq "X window $id: first (frame )?configure" "$NEST_LOG" &&
			wait_until 15 grep -q "surface $sid: its first frame, 240x180, goes to the host" "$NEST_LOG"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$xlog"
		fi
		# mutter draws no decorations (no xdg-decoration): wlnest's
		# libdecor frame shows; kwin picks server-side decorations for
		# the frame libdecor makes
		case $host in
		mutter) want="frame drawn by wlnest (libdecor)" ;;
		*) want="decorated by the host" ;;
		esac
		name="$host: the X window is framed by libdecor, and wlnest says \"$want\""
		if [ -n "${id:-}" ] &&
			wait_until 15 grep -q "X window $id: $want" "$NEST_LOG" &&
			grep -q "X window $id: framed by libdecor" "$NEST_LOG" &&
			[ "$(grep -c "X window $id: \(frame drawn by wlnest\|decorated by the host\)" "$NEST_LOG")" = 1 ]; then
			tap_ok "$name"
		else
			fail_logs "$name"
		fi
		stop_pid $xpid
	fi
	tap_skip "$host: input through wlnest" "$host lets tests inject no input"
	check_nest_stop "$host"
	host_stop
done
tap_done
