#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Drag and drop through wlnest, both ways, on weston (desktop shell) and
# sway: dnd (tests/clients/dnd.c, an ordinary wl_data_device v3 client)
# drags 1 MiB of random bytes from its window to another dnd window, one
# proxied and one native.  The host pointer presses in the source, moves
# to the target and releases; the target must receive the bytes exactly
# and the source must hear that the drop finished.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

DND=$TOOLS/dnd
SIZE=1048576
SRC_COLOUR=0000C0
TGT_COLOUR=00C000
if [ ! -x "$DND" ]; then
	tap_fail "test tool $DND is built"
	tap_done
	exit 1
fi

# dnd_started / dnd_entered: the source began its drag, the target has
# the drag over it
dnd_started() { grep -q 'drag started' "$_src"; }
dnd_entered() { grep -q 'entered' "$_tgt"; }

# one_way HOST DIR SOURCE_RUNNER TARGET_RUNNER
one_way() {
	_host=$1
	_dir=$2
	_name="$_host: drag and drop $_dir, 1 MiB byte-exact"
	_src=$LOGDIR/dnd-source-$_host-$_dir.log
	_tgt=$LOGDIR/dnd-target-$_host-$_dir.log
	_mime="application/x-virtwl-dnd-$_dir"
	head -c $SIZE /dev/urandom >"$T/$_dir"
	rm -f "$T/$_dir.got"
	spawn "dnd-target-$_host-$_dir" "$4" "$DND" target "$T/$_dir.got" --mime "$_mime"
	_tpid=$SPAWNED_PID
	spawn "dnd-source-$_host-$_dir" "$3" "$DND" source "$T/$_dir" --mime "$_mime"
	_spid=$SPAWNED_PID
	if ! wait_pixels 10 "dnd-$_host-$_dir" "count:$SRC_COLOUR>=2000" \
		"count:$TGT_COLOUR>=2000" || ! shot "$T/dnd.ppm"; then
		fail_logs "$_name: both windows show" "$_src" "$_tgt"
	elif ! _from=$(point_of "$T/dnd.ppm" $SRC_COLOUR) ||
		! _to=$(point_of "$T/dnd.ppm" $TGT_COLOUR); then
		tap_skip "$_name" "the windows overlap too much to drag between them"
	else
		# shellcheck disable=SC2086 # two words each
		pointer_drag $_from $_to dnd_started dnd_entered
		if wait_until 15 sh -c "! kill -0 $_tpid 2>/dev/null" &&
			wait "$_tpid" && cmp -s "$T/$_dir" "$T/$_dir.got" &&
			wait_until 5 grep -q 'drag finished' "$_src"; then
			tap_ok "$_name"
		else
			fail_logs "$_name (from $_from to $_to)" "$_src" "$_tgt"
			echo "# received $(wc -c <"$T/$_dir.got" 2>/dev/null || echo 0) of $SIZE bytes"
		fi
		_untrack "$_tpid"
	fi
	stop_pid "$_spid"
	stop_pid "$_tpid"
	pointer_move 0 0
	wait_clear
}

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
	one_way "$host" guest-to-host guest_run host_run
	one_way "$host" host-to-guest host_run guest_run
	check_nest_stop "$host"
	host_stop
done
tap_done
