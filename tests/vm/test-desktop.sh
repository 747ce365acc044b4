#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A whole guest desktop in one host window: in the test image (whose
# Debian package closure brings weston's backends and shells, sway and
# cage), each guest compositor runs as the session's user on its wayland
# backend under the guest's wlnest, and a client of it shows inside its
# window on the host (headless sway, screenshots by grim):
#   - weston (wayland-backend.so, pixman): its desktop-shell background
#     in a known colour, a solid-colour client of a known size inside;
#   - sway (WLR_BACKENDS=wayland, WLR_RENDERER=pixman), its background a
#     solid colour by swaybg, the client tiled inside;
#   - cage, the kiosk: its one client inside, and cage ends when that
#     client does.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

avm_require "a guest desktop in one host window" sway grim

BG=3050a0	# the guest desktop's background

# runs_as_user NAME: the guest's background command NAME runs as uid 1000
runs_as_user() {
	if g "stat -c %u /proc/\$(cat /tmp/$1.pid)" && [ "$AVM_OUT" = 1000 ]; then
		tap_ok "the guest $1 runs as uid 1000"
	else
		tap_fail "the guest $1 runs as uid 1000 (got: $AVM_OUT)"
	fi
}
avm_host_boot sway

# weston's configuration in the guest: the background colour, the panel
# on top, no screen saver.
g "mkdir -p ~/.config && printf '[core]\nidle-time=0\n[shell]\nbackground-color=0xff$BG\npanel-position=top\nlocking=false\nanimation=none\nstartup-animation=none\n' >~/.config/weston.ini"
g_bg weston weston --backend=wayland-backend.so --use-pixman --width=640 --height=400 \
	--socket=desktop-0 --shell=desktop-shell.so
if g_wait_log weston 60 'launching .*weston-desktop-shell' &&
	wait_until 60 guest_ok 'test -S $XDG_RUNTIME_DIR/desktop-0'; then
	tap_ok "weston starts in the guest as the session's user, on the wayland backend"
else
	gfail "weston starts in the guest as the session's user, on the wayland backend" weston
fi
# the desktop: its background fills the window but for the panel
if wait_pixels 60 desktop-bg "count:$BG>=150000"; then
	tap_ok "the guest desktop shows in one host window (its background, $(printf '%s' "$BG"))"
else
	gfail "the guest desktop shows in one host window" weston
fi
# a client of the guest weston, inside that window
g_bg inner env WAYLAND_DISPLAY=desktop-0 solid --color ff00ff --size 120x90
if wait_pixels 60 desktop-client "count:FF00FF=$((120 * 90))" "bbox:FF00FF=120,90" "count:$BG>=100000"; then
	tap_ok "a client of the guest weston shows inside it, pixel-exact (120x90)"
else
	gfail "a client of the guest weston shows inside it, pixel-exact (120x90)" inner weston
fi
runs_as_user weston
g_kill inner
g_kill weston
wait_until 30 guest_ok "! test -e /proc/\$(cat /tmp/weston.pid)/cmdline"

# wlroots' compositors, on their wayland backend with the pixman renderer
WLR_ENV="env WLR_BACKENDS=wayland WLR_RENDERER=pixman WLR_NO_HARDWARE_CURSORS=1"
HOST_BG=202020	# the host sway's own background: the guest's window is gone

# ---- sway ----
SWAY_BG=40a060
g "mkdir -p ~/.config/sway && printf 'output * bg #$SWAY_BG solid_color\ndefault_border none\nbar {\n  mode invisible\n}\n' >~/.config/sway/config"
g_bg sway $WLR_ENV sway
if wait_until 60 guest_ok 'test -S $XDG_RUNTIME_DIR/wayland-1' &&
	wait_pixels 60 sway-bg "count:$SWAY_BG>=$((HOST_W * HOST_H * 9 / 10))"; then
	tap_ok "sway runs in the guest as the session's user, on the wayland backend: its desktop fills the host window"
else
	gfail "sway runs in the guest as the session's user, on the wayland backend: its desktop fills the host window" sway
fi
g_bg inner env WAYLAND_DISPLAY=wayland-1 solid --color ff00ff --size 120x90
if wait_pixels 60 sway-client "count:FF00FF=$((120 * 90))" "bbox:FF00FF=120,90" \
	"count:$SWAY_BG>=$((HOST_W * HOST_H * 8 / 10))"; then
	tap_ok "a client of the guest sway shows inside it, pixel-exact (120x90)"
else
	gfail "a client of the guest sway shows inside it, pixel-exact (120x90)" inner sway
fi
runs_as_user sway
g_kill inner
g_kill sway
if wait_until 30 guest_ok "! test -e /proc/\$(cat /tmp/sway.pid)/cmdline" &&
	wait_pixels 30 sway-gone "count:$HOST_BG=$((HOST_W * HOST_H))"; then
	tap_ok "the guest sway ends on SIGTERM and its window is gone from the host"
else
	gfail "the guest sway ends on SIGTERM and its window is gone from the host" sway
fi

# ---- cage ----
g_bg cage $WLR_ENV cage -- solid --color ff00ff --size 120x90
if wait_pixels 60 cage "count:FF00FF=$((120 * 90))" "bbox:FF00FF=120,90" \
	"count:000000>=$((HOST_W * HOST_H * 8 / 10))"; then
	tap_ok "cage runs in the guest as the session's user, its client inside it, pixel-exact (120x90)"
else
	gfail "cage runs in the guest as the session's user, its client inside it, pixel-exact (120x90)" cage
fi
runs_as_user cage
# the kiosk's client ends: so does cage, and its window
g "for d in /proc/[0-9]*; do case \$(tr '\\0' ' ' <\$d/cmdline 2>/dev/null) in 'solid --color ff00ff '*) kill \${d#/proc/} ;; esac; done"
if wait_until 30 guest_ok "! test -e /proc/\$(cat /tmp/cage.pid)/cmdline" &&
	wait_pixels 30 cage-gone "count:$HOST_BG=$((HOST_W * HOST_H))"; then
	tap_ok "cage ends with its client, and its window is gone from the host"
else
	gfail "cage ends with its client, and its window is gone from the host" cage
fi
avm_poweroff_check
host_stop
tap_done
