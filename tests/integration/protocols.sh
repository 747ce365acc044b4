#!/bin/sh
# SPDX-License-Identifier: MIT
#
# What wlnest forwards: every interface of every protocol in Debian's
# wayland-protocols package but the ones left out on purpose (protocols/
# protocols.mk says why), KDE's server-side decoration and text-input v2
# from plasma-wayland-protocols, and GNOME's gtk_shell1 (protocols/
# gtk-shell.xml); GTK 3 through wlnest reaches a host's gtk_shell1 (nullhost
# --gtk-shell prints what it is asked: no GNOME host runs here); and a
# client that needs one of the newly forwarded protocols works through
# wlnest: weston-editor (text-input v1) on weston, which used to quit at
# once.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

wp=$(pkg-config --variable=pkgdatadir wayland-protocols 2>/dev/null)
plasma=/usr/share/plasma-wayland-protocols
if [ -z "$wp" ] || [ ! -d "$plasma" ]; then
	tap_skip "protocols" "wayland-protocols or plasma-wayland-protocols is not installed"
	tap_done
	exit 0
fi

# interfaces FILE...: the interface names the XML files define
interfaces() {
	python3 -c '
import sys, xml.etree.ElementTree as ET
for p in sys.argv[1:]:
    for i in ET.parse(p).getroot().findall("interface"):
        print(i.get("name"))' "$@" | sort -u
}

"$WLNEST" --list-interfaces | cut -d' ' -f1 | sort -u >"$T/listed"
left_out="ext-session-lock-v1 drm-lease-v1 xwayland-shell-v1 fullscreen-shell-unstable-v1 input-method-unstable-v1 xdg-shell-unstable-v5"
all=$(find "$wp" -name '*.xml' | sort)
want=""
skip=""
for x in $all; do
	case " $left_out " in
	*" $(basename "$x" .xml) "*) skip="$skip $x" ;;
	*) want="$want $x" ;;
	esac
done
# shellcheck disable=SC2086 # lists of paths
interfaces $want "$plasma/server-decoration.xml" "$plasma/text-input-unstable-v2.xml" \
	"$VIRTWL_TOP/protocols/gtk-shell.xml" >"$T/want"
missing=$(comm -23 "$T/want" "$T/listed" | tr '\n' ' ')
if [ -z "$missing" ] && [ "$(wc -l <"$T/want")" -gt 80 ] && grep -qx gtk_shell1 "$T/want"; then
	tap_ok "every interface of wayland-protocols, KDE's server decoration and text-input v2 and GNOME's gtk_shell1 is forwarded ($(wc -l <"$T/want"))"
else
	tap_fail "every interface of wayland-protocols is forwarded; missing: $missing"
fi
# shellcheck disable=SC2086
interfaces $skip >"$T/skip"
# (xdg-shell v5 reuses xdg_surface and xdg_popup, which the stable one has)
also=$(comm -12 "$T/skip" "$T/listed" | comm -23 - "$T/want" | tr '\n' ' ')
if [ "$(wc -l <"$T/skip")" -ge 6 ] && [ -z "$also" ]; then
	tap_ok "session lock, DRM leases, xwayland-shell, fullscreen-shell, input-method v1 are not"
else
	tap_fail "the protocols left out are not forwarded; forwarded: $also"
fi

# ---- GNOME's gtk_shell1: GTK 3 through wlnest to a host offering it ----
if [ "${VIRTWL_DIRECT:-0}" = 1 ] || ! command -v gtk3-widget-factory >/dev/null; then
	tap_skip "GTK 3 reaches the host's gtk_shell1 through wlnest" "direct mode, or gtk3-widget-factory is not installed"
else
	mkdir -m 700 "$T/gnome"
	spawn gnomehost env XDG_RUNTIME_DIR="$T/gnome" "$TOOLS/nullhost" --gtk-shell gnome-0
	gnome_pid=$SPAWNED_PID
	real_host=${HOST_SOCKET:-}
	HOST_SOCKET=$T/gnome/gnome-0
	if wait_until 10 test -S "$HOST_SOCKET" && nest_start; then
		spawn gtk3 guest_run env GDK_BACKEND=wayland gtk3-widget-factory
		if wait_until 30 grep -q '^nullhost: gtk_surface1\.' "$LOGDIR/gnomehost.log" &&
			grep -qx 'nullhost: gtk_shell1 bound (v5)' "$LOGDIR/gnomehost.log" &&
			grep -qx 'nullhost: gtk_shell1.get_gtk_surface' "$LOGDIR/gnomehost.log"; then
			tap_ok "GTK 3 reaches the host's gtk_shell1 (v5) through wlnest: $(grep -c '^nullhost: gtk_' "$LOGDIR/gnomehost.log") requests"
		else
			fail_logs "GTK 3 reaches the host's gtk_shell1 through wlnest" \
				"$LOGDIR/gnomehost.log" "$LOGDIR/gtk3.log" "$NEST_LOG"
		fi
		stop_pid "$SPAWNED_PID" >/dev/null
		nest_stop
	else
		fail_logs "wlnest starts in front of nullhost --gtk-shell" "$LOGDIR/gnomehost.log"
	fi
	stop_pid "$gnome_pid" >/dev/null
	HOST_SOCKET=$real_host
fi

if [ "${VIRTWL_DIRECT:-0}" = 1 ] || ! command -v weston-editor >/dev/null; then
	tap_skip "weston-editor through wlnest" "direct mode, or weston-editor is not installed"
	tap_done
	exit 0
fi
if ! host_start weston desktop; then
	fail_logs "weston starts"
	tap_done
	exit 1
fi
nest_start
spawn editor guest_run env WAYLAND_DEBUG=client weston-editor
epid=$SPAWNED_PID
sleep 3
if kill -0 "$epid" 2>/dev/null &&
	grep -q 'zwp_text_input_manager_v1.*create_text_input' "$LOGDIR/editor.log" &&
	! grep -q 'error' "$LOGDIR/editor.log"; then
	tap_ok "weston-editor runs through wlnest with the host's text-input v1"
else
	fail_logs "weston-editor runs through wlnest with the host's text-input v1" "$LOGDIR/editor.log"
fi
stop_pid "$epid"
check_nest_stop weston
host_stop
tap_done
