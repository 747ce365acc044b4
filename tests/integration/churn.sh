#!/bin/sh
# SPDX-License-Identifier: MIT
#
# 200 guest clients connecting, mapping a window and leaving in a row leave
# no growth in wlnest: the same number of open fds and no more than a small
# RSS increase after them as after a warm-up of 40.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

# Bytes of RSS growth tolerated over the 200 clients: allocator slack, not
# a per-client leak (a leak of even 4 KiB a client would be 800 KiB).
RSS_SLACK_KB=512
if [ "$VIRTWL_SAN" = 1 ]; then
	# ASan keeps freed memory in quarantine; cap it so RSS means something.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
	RSS_SLACK_KB=2048
fi

fds() { ls "/proc/$1/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

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
	if ! guest_run "$TOOLS/churn" 40 2>"$LOGDIR/churn-warmup-$host.log"; then
		fail_logs "$host: 40 warm-up clients complete" "$LOGDIR/churn-warmup-$host.log"
		check_nest_stop "$host"
		host_stop
		continue
	fi
	wait_clear
	fd0=$(fds "$NEST_PID")
	rss0=$(rss_kb "$NEST_PID")
	if guest_run "$TOOLS/churn" 200 2>"$LOGDIR/churn-$host.log"; then
		tap_ok "$host: 200 clients connect, map and leave in a row ($(tail -n 1 "$LOGDIR/churn-$host.log" | sed 's/^churn: //'))"
	else
		fail_logs "$host: 200 clients connect, map and leave in a row" "$LOGDIR/churn-$host.log"
	fi
	# wlnest may notice the last disconnect a moment after the client exits
	wait_clear
	wait_until 3 test "$(fds "$NEST_PID")" -le "$fd0"
	fd1=$(fds "$NEST_PID")
	rss1=$(rss_kb "$NEST_PID")
	if [ "$fd1" -le "$fd0" ]; then
		tap_ok "$host: no fd growth ($fd0 -> $fd1 open fds)"
	else
		fail_logs "$host: no fd growth ($fd0 -> $fd1 open fds)"
		ls -l "/proc/$NEST_PID/fd" | tail -n 10 | sed 's/^/# /'
	fi
	if [ $((rss1 - rss0)) -le $RSS_SLACK_KB ]; then
		tap_ok "$host: no memory growth (RSS $rss0 -> $rss1 KiB, slack $RSS_SLACK_KB)"
	else
		fail_logs "$host: no memory growth (RSS $rss0 -> $rss1 KiB, slack $RSS_SLACK_KB)"
	fi
	check_nest_stop "$host"
	host_stop
done
tap_done
