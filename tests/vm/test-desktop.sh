#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A whole guest desktop in one host window: in the test image (whose
# Debian package closure brings weston's backends and shells), weston
# runs as the session's user with its wayland backend under the guest's
# wlnest, and a client of that guest weston shows inside its window on
# the host (headless sway, screenshots by grim).  The guest weston paints
# its desktop-shell background in a known colour; the client is a
# solid-colour window of a known size.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

if ! why=$(avm_check); then
	tap_skip "a guest desktop in one host window" "$why"
	tap_done
	exit 0
fi
if ! command -v sway >/dev/null || ! command -v grim >/dev/null; then
	tap_skip "a guest desktop in one host window" "sway or grim is not installed (make deps)"
	tap_done
	exit 0
fi

BG=3050a0	# the guest desktop's background
if ! host_start sway; then
	fail_logs "sway starts"
	tap_done
	exit 0
fi
if ! avm_boot --accel tcg --wayland-sock "$HOST_SOCKET" --append quiet; then
	tap_fail "the guest boots and its agent answers"
	avm_poweroff
	host_stop
	tap_done
	exit 0
fi

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
if g 'stat -c %u /proc/$(cat /tmp/weston.pid)' && [ "$AVM_OUT" = 1000 ]; then
	tap_ok "the guest weston runs as uid 1000"
else
	tap_fail "the guest weston runs as uid 1000 (got: $AVM_OUT)"
fi
g_kill inner
g_kill weston
avm_poweroff
if [ "$AVM_STATUS" -eq 0 ]; then
	tap_ok "the guest powers off cleanly; wlvm exits 0"
else
	tap_fail "the guest powers off cleanly; wlvm exits 0 (status $AVM_STATUS)"
	log_excerpt "$AVM_LOG" 20
fi
host_stop
tap_done
