#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A host compositor that goes away and comes back on the same socket (a
# crash, a logout and login): wlnest --reconnect keeps its socket, turns
# clients away meanwhile with a message that says why, and serves them
# again once the host is back (a client's window shows on the new host,
# in both shm modes, after two restarts); without it, wlnest exits 1.
# Host: headless weston, killed with SIGKILL and started again.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
	tap_skip "reconnect" "direct mode: no wlnest"
	tap_done
	exit 0
fi

# restart_host: weston dies and a new one listens on the same socket
kill_host() {
	stop_pid "$HOST_PID" KILL
	rm -f "$HOST_SOCKET"
}

# solid_shows NAME COLOUR: a solid client through wlnest shows, then ends
solid_shows() {
	spawn "solid-$1" guest_run "$TOOLS/solid" --color "$2" --size 160x120
	_spid=$SPAWNED_PID
	if wait_pixels 20 "$1" "count:$2=$((160 * 120))"; then
		stop_client "$_spid"
		return 0
	fi
	stop_client "$_spid"
	return 1
}

for mode in copy passthrough; do
	if ! host_start weston; then
		fail_logs "$mode: weston starts"
		continue
	fi
	nest_start --reconnect --shm $mode
	if solid_shows "$mode-before" 00FF00; then
		tap_ok "$mode: a client shows before the host goes away"
	else
		fail_logs "$mode: a client shows before the host goes away"
	fi
	kill_host
	if wait_until 10 grep -q "waiting for it to come back" "$NEST_LOG" &&
		kill -0 "$NEST_PID" 2>/dev/null; then
		tap_ok "$mode: losing the host, wlnest --reconnect keeps running and says it waits"
	else
		fail_logs "$mode: losing the host, wlnest --reconnect keeps running and says it waits"
	fi
	guest_run timeout 20 "$TOOLS/solid" --color 0000FF --size 64x64 \
		>"$LOGDIR/away.log" 2>&1
	st=$?
	if [ $st -ne 0 ] && [ $st -ne 124 ] &&
		grep -q "host compositor is away" "$LOGDIR/away.log"; then
		tap_ok "$mode: a client while the host is away ends, told why"
	else
		fail_logs "$mode: a client while the host is away ends, told why (status $st)" \
			"$LOGDIR/away.log"
	fi
	for round in 1 2; do
		name="$mode: the host back on the same socket (restart $round): a new client shows on it"
		if ! host_start weston; then
			fail_logs "$name (weston starts again)"
			break
		fi
		if wait_until 10 sh -c "[ \$(grep -c 'the host compositor is back' '$NEST_LOG') -ge $round ]" &&
			solid_shows "$mode-after-$round" FF00FF; then
			tap_ok "$name"
		else
			fail_logs "$name"
		fi
		[ $round = 1 ] && kill_host
	done
	# nest_stop also stops the weston started after wlnest
	check_nest_stop "$mode"
done

# Without --reconnect (the default with a socket), losing the host ends it.
if host_start weston && nest_start; then
	kill_host
	if wait_until 10 sh -c "! kill -0 $NEST_PID 2>/dev/null"; then
		wait "$NEST_PID"
		st=$?
		_untrack "$NEST_PID"
		NEST_PID=
		if [ $st -eq 1 ]; then
			tap_ok "without --reconnect, losing the host ends wlnest with status 1"
		else
			tap_fail "without --reconnect, losing the host ends wlnest with status 1 (got $st)"
		fi
	else
		fail_logs "without --reconnect, losing the host ends wlnest"
	fi
else
	fail_logs "without --reconnect: weston and wlnest start"
fi
tap_done
