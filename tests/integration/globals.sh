#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wayland-info through wlnest lists exactly the host's globals that wlnest
# can forward, each at min(host version, wlnest's version), on weston,
# sway, cage, GNOME's mutter and KDE's kwin; wlnest then exits 0 on
# SIGTERM.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

supported=$T/supported
if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	: >"$supported" # filled per host below: direct mode forwards all
elif "$WLNEST" --list-interfaces >"$supported" 2>"$LOGDIR/list-interfaces.err" &&
	grep -q '^wl_compositor [0-9][0-9]*$' "$supported" &&
	grep -q '^wl_shm [0-9][0-9]*$' "$supported" &&
	grep -q '^xdg_wm_base [0-9][0-9]*$' "$supported" &&
	! grep -qv '^[A-Za-z_][A-Za-z0-9_]* [1-9][0-9]*$' "$supported"; then
	tap_ok "wlnest --list-interfaces: $(wc -l <"$supported") interfaces, one 'NAME VERSION' a line"
else
	tap_fail "wlnest --list-interfaces prints 'NAME VERSION' lines with the core interfaces"
	log_excerpt "$supported"
	log_excerpt "$LOGDIR/list-interfaces.err"
fi

for host in weston sway cage mutter kwin; do
	if ! host_installed $host; then
		tap_skip "$host: globals through wlnest" "$host is not installed (scripts/install-deps.sh)"
		continue
	fi
	if ! host_start "$host"; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	host_run wayland-info 2>/dev/null | parse_globals >"$T/host"
	[ "${VIRTWL_DIRECT:-0}" = 1 ] && cp "$T/host" "$supported"
	awk 'NR == FNR { v[$1] = $2; next }
	     ($1 in v) { print $1, ($2 < v[$1] ? $2 : v[$1]) }' \
		"$supported" "$T/host" | sort >"$T/expected"
	if ! nest_start; then
		fail_logs "$host: wlnest starts"
		host_stop
		continue
	fi
	if guest_run wayland-info >"$T/info" 2>"$LOGDIR/wayland-info-$host.err"; then
		parse_globals <"$T/info" >"$T/got"
		if diff -u "$T/expected" "$T/got" >"$T/diff"; then
			tap_ok "$host: wayland-info through wlnest lists the $(wc -l <"$T/got") expected globals"
		else
			fail_logs "$host: wayland-info through wlnest lists exactly host ∩ wlnest globals at min version"
			echo "# --- expected vs got"
			sed 's/^/#   /' "$T/diff"
		fi
	else
		fail_logs "$host: wayland-info through wlnest runs" "$LOGDIR/wayland-info-$host.err"
	fi
	check_nest_stop "$host"
	host_stop
done
tap_done
