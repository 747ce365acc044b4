#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Clipboard and primary selection through wlnest, both ways, between a
# proxied client (clip: an ordinary focused window using wl_data_device or
# zwp_primary_selection) and native host clients (wl-copy / wl-paste):
# 1 MiB of random bytes must arrive byte-exact.  Each direction uses its
# own MIME type, so a stale selection can never pass for a fresh one.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

CLIP=$TOOLS/clip
SIZE=1048576
for host in weston sway; do
	if ! host_start "$host"; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	if ! nest_start; then
		fail_logs "$host: wlnest starts"
		host_stop
		continue
	fi
	host_run wayland-info 2>/dev/null | parse_globals >"$T/host-globals"
	for kind in clipboard primary; do
		flag=""
		if [ $kind = primary ]; then
			flag=--primary
			if ! grep -q '^zwp_primary_selection_device_manager_v1 ' "$T/host-globals"; then
				tap_skip "$host: primary selection guest -> host" "$host has no zwp_primary_selection_device_manager_v1"
				tap_skip "$host: primary selection host -> guest" "$host has no zwp_primary_selection_device_manager_v1"
				continue
			fi
		fi

		# guest -> host
		head -c $SIZE /dev/urandom >"$T/g2h"
		mime="application/x-virtwl-g2h-$kind"
		spawn "clip-copy-$host-$kind" guest_run "$CLIP" copy "$T/g2h" $flag --mime $mime
		cpid=$SPAWNED_PID
		name="$host: $kind guest -> host, 1 MiB byte-exact"
		if ! wait_until 10 grep -q 'offered as' "$LOGDIR/clip-copy-$host-$kind.log"; then
			fail_logs "$name (the proxied client never got keyboard focus)" \
				"$LOGDIR/clip-copy-$host-$kind.log"
		elif wait_until 10 sh -c "
			env XDG_RUNTIME_DIR='$HOST_RT' WAYLAND_DISPLAY='$HOST_DISPLAY' \
			timeout 10 wl-paste $flag -n -t '$mime' >'$T/g2h.got' 2>>'$LOGDIR/wl-paste.log' &&
			cmp -s '$T/g2h' '$T/g2h.got'"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/clip-copy-$host-$kind.log" "$LOGDIR/wl-paste.log"
			echo "# received $(wc -c <"$T/g2h.got" 2>/dev/null || echo 0) of $SIZE bytes"
		fi
		stop_client $cpid

		# host -> guest
		head -c $SIZE /dev/urandom >"$T/h2g"
		mime="application/x-virtwl-h2g-$kind"
		SPAWN_STDIN=$T/h2g spawn "wl-copy-$host-$kind" host_run wl-copy --foreground $flag -t $mime
		wpid=$SPAWNED_PID
		name="$host: $kind host -> guest, 1 MiB byte-exact"
		if guest_run "$CLIP" paste "$T/h2g.got" $flag --mime $mime \
			--timeout $((10 * TIME_SCALE)) 2>"$LOGDIR/clip-paste-$host-$kind.log" &&
			cmp -s "$T/h2g" "$T/h2g.got"; then
			tap_ok "$name"
		else
			fail_logs "$name" "$LOGDIR/clip-paste-$host-$kind.log" "$LOGDIR/wl-copy-$host-$kind.log"
			echo "# received $(wc -c <"$T/h2g.got" 2>/dev/null || echo 0) of $SIZE bytes"
		fi
		stop_pid $wpid
		wait_clear
	done
	check_nest_stop "$host"
	host_stop
done
tap_done
