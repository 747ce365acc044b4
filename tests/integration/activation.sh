#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlnest under systemd: the user units in systemd/ pass systemd-analyze
# verify once installed, and wlnest started by socket activation
# (systemd-socket-activate, as the user manager would: a Wayland socket
# and an X11 display's path and abstract sockets, named as the units
# name them) serves a Wayland client on the socket it was given and
# starts Xwayland on the X11 ones for an X client.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

for tool in systemd-analyze systemd-socket-activate wayland-info xdpyinfo; do
	if ! command -v $tool >/dev/null; then
		tap_skip "socket activation" "$tool is not installed (make deps)"
		tap_done
		exit 0
	fi
done

# ---- the units ----
mkdir -m 700 "$T/run"
if make -s -C "$VIRTWL_TOP" install PREFIX="$T/usr" >"$LOGDIR/install.log" 2>&1 &&
	(cd "$T/usr/lib/systemd/user" && MANPATH=$T/usr/share/man XDG_RUNTIME_DIR=$T/run \
		systemd-analyze --user verify wlnest.socket wlnest-x11.socket wlnest.service) \
		>"$LOGDIR/verify.log" 2>&1 && [ ! -s "$LOGDIR/verify.log" ]; then
	tap_ok "the user units pass systemd-analyze verify"
else
	fail_logs "the user units pass systemd-analyze verify" "$LOGDIR/install.log" \
		"$LOGDIR/verify.log"
fi
if grep -qx "ExecStart=$T/usr/bin/wlnest" "$T/usr/lib/systemd/user/wlnest.service" &&
	grep -qx 'WAYLAND_DISPLAY=wayland-0' "$T/usr/lib/environment.d/60-wlnest.conf"; then
	tap_ok "wlnest.service runs the installed wlnest; environment.d names its sockets"
else
	tap_fail "wlnest.service runs the installed wlnest; environment.d names its sockets"
fi

# ---- activation: a host (nullhost), sockets made by someone else ----
HOST_RT=$T/null
HOST_LOG=$LOGDIR/nullhost.log
mkdir -m 700 "$HOST_RT"
env XDG_RUNTIME_DIR="$HOST_RT" "$TOOLS/nullhost" null-0 >"$LOGDIR/nullhost.log" 2>&1 &
npid=$!
_track $npid
G=$T/guest
mkdir -m 700 "$G"
# A free X11 display: no lock, no socket.
x=57
while [ -e "/tmp/.X$x-lock" ] || [ -e "/tmp/.X11-unix/X$x" ]; do x=$((x + 1)); done
# as the system makes it (sticky, everyone's): X servers of other users,
# cage's in later tests, bind their sockets there too
if mkdir /tmp/.X11-unix 2>/dev/null; then
	chmod 1777 /tmp/.X11-unix
fi
if ! wait_until 10 test -S "$HOST_RT/null-0"; then
	fail_logs "nullhost starts" "$LOGDIR/nullhost.log"
	tap_done
	exit 1
fi
# It passes on only what -E names (the sanitizers' settings too).
systemd-socket-activate -l "$G/wayland-5" \
	-l "/tmp/.X11-unix/X$x" -l "@/tmp/.X11-unix/X$x" --fdname=wayland:x11:x11 \
	-E XDG_RUNTIME_DIR="$G" -E PATH -E ASAN_OPTIONS -E UBSAN_OPTIONS -E LSAN_OPTIONS \
	"$WLNEST" -v --display "$HOST_RT/null-0" >"$LOGDIR/wlnest.log" 2>&1 &
apid=$!
_track $apid
wait_until 10 test -S "$G/wayland-5"
if XDG_RUNTIME_DIR=$G WAYLAND_DISPLAY=wayland-5 timeout 20 wayland-info \
	>"$LOGDIR/wayland-info.log" 2>&1 &&
	grep -q "interface: 'wl_compositor'" "$LOGDIR/wayland-info.log"; then
	tap_ok "socket-activated wlnest serves a Wayland client on the socket it was given"
else
	fail_logs "socket-activated wlnest serves a Wayland client on the socket it was given" \
		"$LOGDIR/wayland-info.log" "$LOGDIR/wlnest.log"
fi
if grep -q "X11 display :$x from inherited sockets" "$LOGDIR/wlnest.log" &&
	DISPLAY=:$x timeout 30 xdpyinfo >"$LOGDIR/xdpyinfo.log" 2>&1 &&
	grep -q "name of display: *:$x" "$LOGDIR/xdpyinfo.log"; then
	tap_ok "an X client on the inherited X11 sockets gets Xwayland"
else
	fail_logs "an X client on the inherited X11 sockets gets Xwayland" \
		"$LOGDIR/xdpyinfo.log" "$LOGDIR/wlnest.log"
fi
stop_pid $apid
# The sockets were systemd's: wlnest leaves them.
if [ -S "$G/wayland-5" ] && [ -S "/tmp/.X11-unix/X$x" ]; then
	tap_ok "wlnest leaves the sockets it was given in place"
else
	tap_fail "wlnest leaves the sockets it was given in place"
fi
rm -f "/tmp/.X11-unix/X$x"
stop_pid $npid
tap_done
