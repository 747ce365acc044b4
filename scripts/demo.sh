#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make demo: shows a real client running through wlnest and saves a
# screenshot of it.
#   scripts/demo.sh [--build DIR]
# When $WAYLAND_DISPLAY answers, the client appears on your own desktop
# (for DEMO_SECONDS, default 5); otherwise a headless weston is started as
# the host.  DEMO_CLIENT picks the client: weston-flower (default) or
# weston-terminal.  The screenshot is taken with grim (wlroots hosts) or
# weston-screenshooter (weston started with --debug); its path is printed
# last.  Until the VM path exists this runs wlnest directly on the host.
set -u

build=build
if [ "${1:-}" = --build ]; then build=$2; shift 2; fi
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
VIRTWL_TOP=$top
VIRTWL_BUILD=$build
VIRTWL_SAN=0
client=${DEMO_CLIENT:-weston-flower}
seconds=${DEMO_SECONDS:-5}

step() { printf '[demo] %s\n' "$*"; }
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }

. "$top/tests/lib.sh"
. "$top/tests/host/lib.sh"

[ -x "$WLNEST" ] || die "$WLNEST is not built (run make)"
command -v "$client" >/dev/null || die "$client is not installed (scripts/install-deps.sh test)"
out_dir=$build/demo
mkdir -p "$out_dir"
LOGDIR=$out_dir/logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
T=$(mktemp -d /tmp/vwl-demo.XXXXXX) || exit 1
chmod 755 "$T"
trap host_cleanup EXIT
trap 'exit 130' INT TERM
_shot_n=0
_nest_n=0
png=$out_dir/demo-$(date +%Y%m%d-%H%M%S).png

user_host=0
if [ -n "${WAYLAND_DISPLAY:-}" ] && [ -n "${XDG_RUNTIME_DIR:-}" ] &&
	timeout 5 wayland-info >/dev/null 2>&1; then
	user_host=1
fi

if [ $user_host = 1 ]; then
	case $WAYLAND_DISPLAY in
	/*) HOST_SOCKET=$WAYLAND_DISPLAY ;;
	*) HOST_SOCKET=$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY ;;
	esac
	HOST_RT=$XDG_RUNTIME_DIR
	HOST_DISPLAY=$WAYLAND_DISPLAY
	HOST_KIND=user
	HOST_LOG=/dev/null
	step "host: your compositor at $HOST_SOCKET"
else
	step "no working \$WAYLAND_DISPLAY: starting a headless weston (pixman, 800x600)"
	host_start weston kiosk || die "headless weston did not start (log: $LOGDIR/weston.log)"
	step "host: headless weston at $HOST_SOCKET"
fi

step "starting wlnest in front of it (--shm copy, the path a VM guest will use)"
nest_start --shm copy --stats || die "wlnest did not start (log: $NEST_LOG)"
step "wlnest listening at $NEST_RT/$NEST_DISPLAY (pid $NEST_PID)"

step "running $client through wlnest"
spawn demo-client guest_run "$client"
cpid=$SPAWNED_PID

if [ $user_host = 1 ]; then
	step "look at your desktop: $client is there for $seconds s"
	# the client's own first frame arrives long before this; the wait is
	# for the person watching
	sleep "$seconds"
	alive $cpid || die "$client exited early (log: $LOGDIR/demo-client.log)"
	if command -v grim >/dev/null && grim "$png" 2>/dev/null; then
		step "screenshot taken with grim"
	elif command -v weston-screenshooter >/dev/null &&
		(d=$(mktemp -d -p "$T") && cd "$d" && weston-screenshooter >/dev/null 2>&1 &&
			mv "$d"/*.png "$png"); then
		step "screenshot taken with weston-screenshooter"
	else
		png=""
		step "your compositor allows no screenshot (grim needs wlr-screencopy; weston needs --debug)"
	fi
else
	HOST_W=800
	HOST_H=600
	if wait_pixels 10 demo "other:202020>=2000" >/dev/null; then
		step "$client is on the host's screen"
	else
		die "$client did not show up (logs in $LOGDIR)"
	fi
	shot "$png" || die "screenshot failed"
fi

stop_pid $cpid
nest_stop || step "note: wlnest exited with status $NEST_STATUS"
stats=$(grep -o 'wlnest-stats:.*' "$NEST_LOG" | tail -n 1)
[ -n "$stats" ] && step "$stats"
if [ -n "$png" ]; then
	step "screenshot:"
	echo "$png"
fi
