#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One guest client misbehaving never hurts another: while a first client
# stays mapped, a client dies in the middle of a frame (half a request then
# SIGKILL), one writes garbage bytes (wlnest must close it), one calls a
# nonexistent object.  Afterwards wlnest is alive, the first client is
# still connected and a new client maps pixel-exact.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

SOLID=$TOOLS/solid
ROGUE=$TOOLS/rogue
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
	spawn "first-$host" guest_run "$SOLID" --color 00ff00 --size 160x120
	first=$SPAWNED_PID
	if ! wait_pixels 5 "first-$host" "bbox:00FF00=160,120"; then
		fail_logs "$host: a first client maps" "$LOGDIR/first-$host.log"
	fi

	guest_run "$ROGUE" half-request >"$LOGDIR/half-$host.log" 2>&1
	st=$?
	if [ $st -eq 137 ] && grep -q 'sent 6 of 8 bytes' "$LOGDIR/half-$host.log"; then
		tap_ok "$host: a client dies in the middle of a request"
	else
		fail_logs "$host: a client dies in the middle of a request (status $st)" "$LOGDIR/half-$host.log"
	fi
	guest_run "$ROGUE" garbage >"$LOGDIR/garbage-$host.log" 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		tap_ok "$host: a client writing garbage bytes is disconnected"
	else
		fail_logs "$host: a client writing garbage bytes is disconnected (status $st)" "$LOGDIR/garbage-$host.log"
	fi
	guest_run "$ROGUE" bad-object >"$LOGDIR/bad-object-$host.log" 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		tap_ok "$host: a request to a nonexistent object ends that client only"
	else
		fail_logs "$host: a request to a nonexistent object ends that client only (status $st)" "$LOGDIR/bad-object-$host.log"
	fi

	if alive "$NEST_PID"; then
		tap_ok "$host: wlnest survives the rogue clients"
	else
		fail_logs "$host: wlnest survives the rogue clients"
	fi
	if alive $first && ! grep -q 'display error' "$LOGDIR/first-$host.log"; then
		tap_ok "$host: the first client is still connected"
	else
		fail_logs "$host: the first client is still connected" "$LOGDIR/first-$host.log"
	fi
	spawn "second-$host" guest_run "$SOLID" --color ff00ff --size 120x90 --update 10,10,20,20=0000ff
	second=$SPAWNED_PID
	if wait_pixels 5 "second-$host" "origin:FF00FF rect:10,10,20,20=0000FF count:FF00FF=$((120 * 90 - 400))"; then
		tap_ok "$host: a new client maps and updates pixel-exact afterwards"
	else
		fail_logs "$host: a new client maps and updates pixel-exact afterwards" "$LOGDIR/second-$host.log"
	fi
	stop_pid $second
	stop_pid $first
	check_nest_stop "$host"
	host_stop
done
tap_done
