#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlnest's life cycle and its errors:
# - clear errors (and exit status) for a missing XDG_RUNTIME_DIR, a host
#   that is not there, a socket name already taken, a bad option; --help;
# - with PROGRAM, wlnest exits with its status (and 128+N when a signal
#   ends it), and the program sees WAYLAND_DISPLAY;
# - host globals that come and go (an output plugged in and out) reach
#   guest registries;
# - when the host compositor goes away, the guest clients are
#   disconnected and wlnest exits 1 saying why.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

REGWATCH=$TOOLS/regwatch
NULLHOST=$TOOLS/nullhost
G=$T/guest
mkdir -m 700 "$G"

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and says PATTERN
expect() {
	_name=$1
	_want=$2
	_pattern=$3
	shift 3
	"$@" >"$T/out" 2>&1
	_st=$?
	if [ $_st -eq "$_want" ] && grep -qi -- "$_pattern" "$T/out"; then
		tap_ok "$_name"
	else
		tap_fail "$_name (status $_st, wanted $_want)"
		log_excerpt "$T/out" 5
	fi
}

expect "no XDG_RUNTIME_DIR: exit 1 naming it" 1 "XDG_RUNTIME_DIR" \
	env -u XDG_RUNTIME_DIR "$WLNEST" --display "$T/nothing"
expect "a host that is not there: exit 1 naming it" 1 "cannot connect to the host compositor '$T/nothing'" \
	env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$T/nothing"
expect "a bad --shm value: exit 2" 2 "passthrough or copy" \
	env XDG_RUNTIME_DIR="$G" "$WLNEST" --shm fast
expect "--help: exit 0 with the usage" 0 "Usage: wlnest" "$WLNEST" --help

if ! host_start weston; then
	fail_logs "weston: host compositor starts"
	tap_done
	exit 1
fi

# a socket name already taken
env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$HOST_SOCKET" --socket taken \
	>"$LOGDIR/first.log" 2>&1 &
first=$!
_track $first
if wait_until 10 test -S "$G/taken"; then
	expect "a socket name already taken: exit 1 saying so" 1 "$G/taken is taken" \
		env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$HOST_SOCKET" --socket taken
else
	fail_logs "a first wlnest listens on its socket" "$LOGDIR/first.log"
fi
stop_pid $first

# PROGRAM's status, and its WAYLAND_DISPLAY
expect "PROGRAM's exit status is wlnest's (7), WAYLAND_DISPLAY set" 7 "display=prog" \
	env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$HOST_SOCKET" --socket prog -- \
	sh -c 'echo "display=$WAYLAND_DISPLAY"; exit 7'
expect "PROGRAM killed by SIGKILL: wlnest exits 137" 137 "killed" \
	env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$HOST_SOCKET" --socket prog -- \
	sh -c 'kill -KILL $$'
expect "a PROGRAM that cannot run: exit 127 saying why" 127 "cannot run" \
	env XDG_RUNTIME_DIR="$G" "$WLNEST" --display "$HOST_SOCKET" --socket prog -- \
	/nonexistent/program

# the host goes away under connected clients
if nest_start; then
	spawn solid-gone guest_run "$TOOLS/solid" --color 00ff00 --size 100x100
	cpid=$SPAWNED_PID
	spawn regwatch-gone guest_run "$REGWATCH"
	rpid=$SPAWNED_PID
	wait_until 10 grep -q wl_compositor "$LOGDIR/regwatch-gone.log"
	wait_pixels 10 solid-gone "bbox:00FF00=100,100" >/dev/null
	stop_pid "$HOST_PID" KILL
	HOST_PID=""
	if wait_until 10 sh -c "! kill -0 $NEST_PID 2>/dev/null"; then
		wait "$NEST_PID"
		st=$?
		_untrack "$NEST_PID"
		NEST_PID=""
		if [ $st -eq 1 ] && grep -q "lost the host compositor" "$NEST_LOG"; then
			tap_ok "the host goes away: wlnest exits 1 saying why"
		else
			fail_logs "the host goes away: wlnest exits 1 saying why (status $st)"
		fi
	else
		fail_logs "the host goes away: wlnest exits 1 saying why (still running)"
	fi
	if wait_until 10 sh -c "! kill -0 $cpid 2>/dev/null && ! kill -0 $rpid 2>/dev/null" &&
		grep -q "connection ended" "$LOGDIR/regwatch-gone.log"; then
		tap_ok "the host goes away: the guest clients are disconnected"
	else
		fail_logs "the host goes away: the guest clients are disconnected" \
			"$LOGDIR/regwatch-gone.log"
	fi
	stop_pid $cpid
	stop_pid $rpid
else
	fail_logs "weston: wlnest starts"
fi

# an output plugged in and out of the host reaches a guest registry
HOST_RT=$T/null
mkdir -m 700 "$HOST_RT"
env XDG_RUNTIME_DIR="$HOST_RT" "$NULLHOST" null-0 >"$LOGDIR/nullhost.log" 2>&1 &
npid=$!
_track $npid
if wait_until 10 test -S "$HOST_RT/null-0"; then
	HOST_SOCKET=$HOST_RT/null-0
	nest_start
	spawn regwatch guest_run "$REGWATCH"
	wait_until 10 grep -q wl_compositor "$LOGDIR/regwatch.log"
	kill -USR1 $npid
	if wait_until 10 grep -q '^+ [0-9]* wl_output 3$' "$LOGDIR/regwatch.log"; then
		tap_ok "an output plugged into the host appears in a guest registry"
	else
		fail_logs "an output plugged into the host appears in a guest registry" \
			"$LOGDIR/regwatch.log"
	fi
	name=$(sed -n 's/^+ \([0-9]*\) wl_output .*/\1/p' "$LOGDIR/regwatch.log" | head -n 1)
	kill -USR1 $npid
	if [ -n "$name" ] && wait_until 10 grep -q "^- $name\$" "$LOGDIR/regwatch.log"; then
		tap_ok "an output unplugged from the host leaves the guest registry"
	else
		fail_logs "an output unplugged from the host leaves the guest registry" \
			"$LOGDIR/regwatch.log"
	fi
	check_nest_stop nullhost
else
	fail_logs "nullhost starts" "$LOGDIR/nullhost.log"
fi
stop_pid $npid
tap_done
