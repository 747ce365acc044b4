#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A client drawing as fast as it can, without frame callbacks (framebench:
# 1920x1080 buffers, a 64x64 square moving each frame), through wlnest in
# both shm modes on every desktop the tests run: weston (desktop shell),
# sway, GNOME's mutter and KDE's kwin.  Each host takes and gives back
# buffers its own way (at once, at repaint, after the next frame), and may
# read nothing for a while as it sets up the window.  The client must keep
# its connection (on kwin, copy mode once lost it: the host connection
# filled while kwin was busy), in copy mode frames must reach the host,
# and wlnest must exit 0.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

if [ ! -x "$TOOLS/framebench" ]; then
	tap_fail "test tool $TOOLS/framebench is built"
	tap_done
	exit 1
fi

for host in weston sway mutter kwin; do
	case $host in
	kwin) hostcmd=kwin_wayland ;;
	*) hostcmd=$host ;;
	esac
	if ! command -v $hostcmd >/dev/null; then
		tap_skip "$host" "$host is not installed (scripts/install-deps.sh)"
		continue
	fi
	# weston's kiosk shell wants a buffer of the output's size
	shell=
	[ $host = weston ] && shell=desktop
	if ! host_start $host $shell; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	for mode in passthrough copy; do
		name="$host, $mode: an unpaced client keeps its connection"
		if ! nest_start --shm $mode --stats; then
			fail_logs "$host, $mode: wlnest starts"
			continue
		fi
		log=$LOGDIR/framebench-$host-$mode.log
		if guest_run "$TOOLS/framebench" --damage square --seconds 1 --warmup 5 \
			>"$log" 2>&1; then
			tap_ok "$name ($(sed -n 's/.*\(fps=[0-9.]*\).*/\1/p' "$log"))"
		else
			fail_logs "$name" "$log"
		fi
		check_nest_stop "$host, $mode"
		if [ $mode = copy ] && [ "${VIRTWL_DIRECT:-0}" != 1 ]; then
			commits=$(sed -n 's/^wlnest-stats: commits=\([0-9]*\) .*/\1/p' "$NEST_LOG")
			tap_check "$host, copy: frames reached the host (${commits:-no} host commits, >= 10)" \
				test "${commits:-0}" -ge 10
		fi
	done
	host_stop
done
tap_done
