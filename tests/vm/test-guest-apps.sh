#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Debian's desktop apps in the guest, each on headless sway through the
# guest's wlnest, from an image made of their Debian package closure
# (build/vm/desktop-apps, rootfs/mkrootfs.sh):
#   - firefox-esr and chromium (--ozone-platform=wayland) open a local
#     page (green, with a red heading) and show it: its background and its
#     text are on the host's screenshot.  chromium's child processes end
#     themselves when the browser has not connected to them within 15 s,
#     which a browser busy starting under TCG on one vCPU sometimes misses
#     (the page then never loads): --ipc-connection-timeout gives them
#     longer.  firefox-esr runs with prefs that keep two things of its
#     own from leaving the page unpainted under TCG:
#     - its Wayland vsync source (WaylandVsyncSource) takes its window
#       for hidden when no frame callback has come for a second (1000 /
#       layout.throttled_frame_rate ms), and then disables its vsync: the
#       frame callbacks that follow are ignored, and only a GTK expose (a
#       configure from the compositor) makes the window visible again;
#       until then its tab is inactive and its page is not painted.  Its
#       first frame (software WebRender under TCG) takes longer than a
#       second, so the window is taken for hidden just after it maps
#       (WidgetVSync log: "HiddenWindowCallback() we're hidden, time since
#       last VSync 3528 ms", "mIsFullyOccluded 1", "DisableVsync"), and
#       whether a configure comes after that to undo it is a race.
#       widget.wayland.vsync.enabled false gives it its software vsync
#       timer, which never guesses at occlusion;
#     - on a fresh profile it opens, besides the page, the privacy notice
#       (a remote page, in a content process of its own), a preloaded
#       about:newtab and a spare content process, all on the vCPUs the
#       page's content process needs: on a loaded host that took it past
#       the time limit before its window even showed.  They are turned off
#       (datareporting.policy.firstRunURL, browser.newtab.preload,
#       dom.ipc.processPrelaunch.enabled);
#   - gtk4-widget-factory (GTK 4) and featherpad (Qt 5, through the
#     Wayland platform plugin of qtwayland5) show their windows;
#   - mpv plays a generated clip (lavfi testsrc): the frames change
#     between two screenshots;
#   - every app runs as uid 1000.
# An app that is not installed on this machine is skipped, saying so.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init
AVM_DIR=$VIRTWL_BUILD/vm/desktop-apps

avm_require "Debian's desktop apps in the guest" sway grim
in_image() { grep -q "^file /usr/bin/$1 \|^data /usr/bin/$1 " "$AVM_DIR/manifest.txt"; }

# Two vCPUs: with one, a firefox-esr whose page stayed unpainted had its
# parent process busy drawing its window while the page's content process
# got a tenth of its CPU time (see ff_cpu below), and a loaded host made
# that common (2 of 7 launches showed the page); with two, 4 of 4 did.
avm_host_boot sway -- --cpus 2 -m 2G
BG=202020	# sway's background: nothing shows

# the background only: the last app's window is gone
_bg_only() { _pixels_once "count:$BG=$((HOST_W * HOST_H))"; }

# an_app NAME: starts nothing; skips and returns 1 when not in the image
an_app() {
	in_image "$1" && return 0
	tap_skip "$1 in the guest" "$1 is not installed on this machine (scripts/install-deps.sh apps)"
	return 1
}

# app_done NAME [PATTERN]: its uid checked; the app stopped, with every
# process whose command line matches PATTERN (a browser's helpers, which
# would otherwise take the vCPUs from the next app), and its window
# gone
app_done() {
	if g "stat -c %u /proc/\$(cat /tmp/$1.pid)" && [ "$AVM_OUT" = 1000 ]; then
		tap_ok "$1 runs as uid 1000"
	else
		tap_fail "$1 runs as uid 1000 (got: $AVM_OUT)"
	fi
	g_kill "$1"
	if [ -n "${2:-}" ]; then
		# (busybox has no pkill: command lines from /proc)
		g "k() { for d in /proc/[0-9]*; do case \$(tr '\\0' ' ' <\$d/cmdline 2>/dev/null) in *'$2'*) kill -\$1 \${d#/proc/} 2>/dev/null ;; esac; done; }; k TERM; sleep 2; k KILL; true"
	fi
	wait_until 30 _bg_only || g_kill "$1" KILL
	wait_until 10 _bg_only
}

# ff_cpu PREFIX: firefox-esr's processes in the guest as TAP comments:
# pid, state, user and system clock ticks, name.  Two of these apart tell
# a start still under way (a slow host) from a stalled one.
ff_cpu() {
	g "for d in /proc/[0-9]*; do case \$(tr '\\0' ' ' <\$d/cmdline) in *firefox*) echo \${d#/proc/} \$(cut -d')' -f2 \$d/stat | cut -d' ' -f2,13,14) \$(cat \$d/comm) ;; esac; done 2>/dev/null"
	printf '%s\n' "$AVM_OUT" | sed "s|^|# $1 |"
}

g "printf '<html><body style=\"background:#00ff00\"><h1 style=\"color:#ff0000;font-size:60px\">hello from the guest</h1></body></html>\\n' >/tmp/page.html"

# ---- browsers: a local page, its background and its text ----
if an_app firefox-esr; then
	t0=$(date +%s)
	# (see the top of this file)
	ffprefs='browser.aboutwelcome.enabled false
datareporting.policy.dataSubmissionEnabled false
browser.startup.homepage_override.mstone "ignore"
widget.wayland.vsync.enabled false
datareporting.policy.firstRunURL ""
browser.newtab.preload false
dom.ipc.processPrelaunch.enabled false'
	userjs=$(printf '%s\n' "$ffprefs" |
		sed 's/^\([^ ]*\) \(.*\)$/user_pref("\1", \2);/' | base64 -w0)
	g "mkdir -p /tmp/ffp && echo $userjs | base64 -d >/tmp/ffp/user.js"
	g_bg firefox-esr firefox-esr --new-instance --profile /tmp/ffp file:///tmp/page.html
	if wait_pixels 240 firefox "count:00FF00>=100000" "count:FF0000>=2000"; then
		tap_ok "firefox-esr shows a local page, its text on the host ($(($(date +%s) - t0)) s)"
	else
		gfail "firefox-esr shows a local page, its text on the host" firefox-esr
		ff_cpu "firefox-esr:"
		sleep 10
		ff_cpu "10 s later:"
	fi
	app_done firefox-esr /usr/lib/firefox-esr/
fi
if an_app chromium; then
	t0=$(date +%s)
	g_bg chromium chromium --ozone-platform=wayland --user-data-dir=/tmp/chp \
		--no-first-run --disable-gpu --ipc-connection-timeout=600 file:///tmp/page.html
	if wait_pixels 240 chromium "count:00FF00>=100000" "count:FF0000>=2000"; then
		tap_ok "chromium (--ozone-platform=wayland) shows a local page, its text on the host ($(($(date +%s) - t0)) s)"
	else
		gfail "chromium (--ozone-platform=wayland) shows a local page, its text on the host" chromium
	fi
	app_done chromium /usr/lib/chromium/
fi
# ---- toolkits ----
if an_app gtk4-widget-factory; then
	t0=$(date +%s)
	g_bg gtk4-widget-factory gtk4-widget-factory
	if wait_pixels 90 gtk4 "other:$BG>=200000"; then
		tap_ok "gtk4-widget-factory shows ($(($(date +%s) - t0)) s)"
	else
		gfail "gtk4-widget-factory shows" gtk4-widget-factory
	fi
	app_done gtk4-widget-factory
fi
if an_app featherpad; then
	t0=$(date +%s)
	g_bg featherpad featherpad
	if wait_pixels 90 qt5 "other:$BG>=200000" &&
		g "grep -q libqwayland /proc/\$(cat /tmp/featherpad.pid)/maps"; then
		tap_ok "featherpad (Qt 5) shows, through Qt's Wayland platform plugin ($(($(date +%s) - t0)) s)"
	else
		gfail "featherpad (Qt 5) shows, through Qt's Wayland platform plugin" featherpad
	fi
	app_done featherpad
fi

# ---- video ----
if an_app mpv; then
	g_bg mpv mpv --no-config --vo=wlshm --ao=null --loop=inf \
		"'av://lavfi:testsrc=size=320x240:rate=10'"
	if wait_pixels 90 mpv "other:$BG>=50000" && sleep 1 && shot "$T/mpv1.ppm" &&
		sleep 1.5 && shot "$T/mpv2.ppm" && ! cmp -s "$T/mpv1.ppm" "$T/mpv2.ppm"; then
		tap_ok "mpv plays a generated clip: its frames change on the host"
	else
		gfail "mpv plays a generated clip: its frames change on the host" mpv
	fi
	app_done mpv
fi

avm_poweroff_check
host_stop
tap_done
