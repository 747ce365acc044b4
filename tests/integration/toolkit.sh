#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A real toolkit client through wlnest: gtk3-widget-factory maps a window
# (at least 100000 non-background pixels on the host) and is still running.
# On weston the desktop shell is used: kiosk-shell forces toplevels to the
# output size and GTK's widget factory cannot shrink that far.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

if ! command -v gtk3-widget-factory >/dev/null; then
	tap_skip "gtk3-widget-factory" "gtk-3-examples is not installed"
	tap_done
	exit 0
fi
for host in weston sway; do
	if ! host_start "$host" desktop; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	if ! nest_start; then
		fail_logs "$host: wlnest starts"
		host_stop
		continue
	fi
	spawn "gtk3-$host" guest_run env GDK_BACKEND=wayland NO_AT_BRIDGE=1 \
		GTK_A11Y=none gtk3-widget-factory
	gpid=$SPAWNED_PID
	if wait_pixels 20 "gtk3-$host" "other:202020>=100000" && alive $gpid; then
		tap_ok "$host: gtk3-widget-factory maps a window through wlnest"
	else
		fail_logs "$host: gtk3-widget-factory maps a window through wlnest" "$LOGDIR/gtk3-$host.log"
	fi
	stop_pid $gpid
	check_nest_stop "$host"
	host_stop
done
tap_done
