#!/bin/sh
# SPDX-License-Identifier: MIT
#
# X11 through wlnest, against the host's own Xwayland, on headless sway:
# - time from an X client's start to its window's first pixels on the host:
#   through wlnest -X with Xwayland not yet running (lazy start), with it
#   running (warm), and through sway's own Xwayland (lazy and warm);
#   a native Wayland client's time to its first pixels is the floor;
# - xterm scrolling throughput: the time xterm takes to show N lines, and
#   lines per second, through wlnest and on sway's own Xwayland.
# Times to the first pixels are found by polling screenshots (each poll
# takes ~30 ms, the resolution of these figures).  Each figure is the best
# of BENCH_REPEAT (default 3) runs.
set -u

build=${VIRTWL_BUILD:-$(pwd)/build}
TOOLS=$build/tests
WLNEST=$build/wlnest
REPEAT=${BENCH_REPEAT:-3}
LINES=${BENCH_XTERM_LINES:-200000}
NOBODY=65534

for tool in sway grim xterm Xwayland setpriv "$TOOLS/xwin" "$TOOLS/solid" \
	"$TOOLS/pixcheck" "$WLNEST"; do
	if ! command -v "$tool" >/dev/null; then
		echo "missing $tool"
		exit 77
	fi
done

T=$(mktemp -d /tmp/vwlx.XXXXXX) || exit 1
chmod 755 "$T"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }

wait_for() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 1000 ] && return 1
		sleep 0.01
	done
}

R=$T/rt
install -d -m 700 -o $NOBODY -g $NOBODY "$R"
cat >"$T/sway.cfg" <<CFG
output HEADLESS-1 mode 800x600 position 0,0 bg #202020 solid_color
default_border none
xwayland enable
CFG
chmod 644 "$T/sway.cfg"
env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$R" HOME="$R" \
	WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
	sway -c "$T/sway.cfg" >"$T/sway.log" 2>&1 &
pids="$pids $!"
wait_for test -S "$R/wayland-1" || { echo "sway did not start"; exit 1; }
host() { env XDG_RUNTIME_DIR="$R" WAYLAND_DISPLAY=wayland-1 "$@"; }

shows_green() {
	host grim -t ppm "$T/s.ppm" 2>/dev/null &&
		"$TOOLS/pixcheck" "$T/s.ppm" "count:00FF00>=10000" >/dev/null 2>&1
}
background_only() {
	host grim -t ppm "$T/s.ppm" 2>/dev/null &&
		"$TOOLS/pixcheck" "$T/s.ppm" "count:202020=480000" >/dev/null 2>&1
}

# time_to_green CMD...: appends to $T/times the ms from starting CMD (a
# program, not a shell function: it is exec'd) until its green shows
# ("fail" if it never does); the client is stopped and the screen left
# clear.
time_to_green() {
	wait_for background_only
	t0=$(now_ms)
	(trap - INT TERM EXIT; exec "$@" >"$T/client.log" 2>&1) &
	cpid=$!
	if wait_for shows_green; then
		echo $(($(now_ms) - t0)) >>"$T/times"
	else
		echo fail >>"$T/times"
	fi
	kill $cpid 2>/dev/null
	wait $cpid 2>/dev/null
	wait_for background_only
}

# best: the smallest figure of $T/times, which it empties
best() {
	sort -n "$T/times" | head -n 1
	: >"$T/times"
}

# wlnest -X on its own display; "lazy" needs a fresh wlnest each run.
nest_x() {
	mkdir -p "$T/g"
	chmod 700 "$T/g"
	env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$T/g" "$WLNEST" -X -v \
		--display "$R/wayland-1" --socket nest-x >"$T/nest.log" 2>&1 &
	nest_pid=$!
	wait_for grep -q "X11 display :[0-9]* ready" "$T/nest.log"
	NEST_DISPLAY=$(sed -n 's/.*X11 display \(:[0-9]*\) ready.*/\1/p' "$T/nest.log")
}
nest_stop() {
	kill $nest_pid 2>/dev/null
	wait $nest_pid 2>/dev/null
}

# sway's own Xwayland: it runs as sway's user, whose clients it accepts
AS_SWAY="setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups"

: >"$T/times"
for i in $(seq $REPEAT); do
	time_to_green env XDG_RUNTIME_DIR="$R" WAYLAND_DISPLAY=wayland-1 \
		"$TOOLS/solid" --color 00ff00 --size 320x240
done
native=$(best)

for i in $(seq $REPEAT); do
	nest_x
	time_to_green env DISPLAY="$NEST_DISPLAY" "$TOOLS/xwin" title
	nest_stop
done
nest_lazy=$(best)
nest_x
time_to_green env DISPLAY="$NEST_DISPLAY" "$TOOLS/xwin" title
: >"$T/times"
for i in $(seq $REPEAT); do
	time_to_green env DISPLAY="$NEST_DISPLAY" "$TOOLS/xwin" title
done
nest_warm=$(best)

# sway starts its Xwayland on the first X connection (only the first run
# is a lazy start); it tells its children the display.
host_lazy=fail
host_warm=fail
sock=$(ls "$R"/sway-ipc.*.sock 2>/dev/null | head -n 1)
[ -n "$sock" ] && swaymsg -s "$sock" exec "echo \$DISPLAY > $R/display" >/dev/null 2>&1
wait_for test -s "$R/display"
HOST_DISPLAY=$(cat "$R/display" 2>/dev/null)
if [ -n "$HOST_DISPLAY" ]; then
	time_to_green env -u WAYLAND_DISPLAY DISPLAY="$HOST_DISPLAY" $AS_SWAY \
		"$TOOLS/xwin" title
	host_lazy=$(best)
	for i in $(seq $REPEAT); do
		time_to_green env -u WAYLAND_DISPLAY DISPLAY="$HOST_DISPLAY" \
			$AS_SWAY "$TOOLS/xwin" title
	done
	host_warm=$(best)
fi

# xterm scrolling: time to show LINES lines and exit
scroll() {
	t0=$(now_ms)
	if "$@" xterm -geometry 80x24 -e seq 1 "$LINES" >"$T/xterm.log" 2>&1; then
		echo $(($(now_ms) - t0)) >>"$T/times"
	else
		echo fail >>"$T/times"
	fi
}
for i in $(seq $REPEAT); do
	scroll env DISPLAY="$NEST_DISPLAY"
done
nest_scroll=$(best)
host_scroll=fail
if [ -n "$HOST_DISPLAY" ]; then
	for i in $(seq $REPEAT); do
		scroll env -u WAYLAND_DISPLAY DISPLAY="$HOST_DISPLAY" $AS_SWAY
	done
	host_scroll=$(best)
fi
nest_stop

ratio() {
	case "$1$2" in *fail* | "") echo "-" ;; *) awk "BEGIN { printf \"%.2fx\", $1 / $2 }" ;; esac
}
rate() {
	case "$1" in *fail* | "") echo "-" ;; *) awk "BEGIN { printf \"%.0f\", $LINES / ($1 / 1000) }" ;; esac
}

echo "host: headless sway 1.7 (pixman); X client: xwin (320x240 window); times in ms, best of $REPEAT"
printf '%-44s %8s %10s\n' "first X window on the host" "ms" "vs native"
printf '%-44s %8s %10s\n' "native Wayland client (floor)" "$native" "1.00x"
printf '%-44s %8s %10s\n' "wlnest -X, lazy start of Xwayland" "$nest_lazy" "$(ratio "$nest_lazy" "$native")"
printf '%-44s %8s %10s\n' "wlnest -X, Xwayland running" "$nest_warm" "$(ratio "$nest_warm" "$native")"
printf '%-44s %8s %10s\n' "sway's own Xwayland, lazy start" "$host_lazy" "$(ratio "$host_lazy" "$native")"
printf '%-44s %8s %10s\n' "sway's own Xwayland, running" "$host_warm" "$(ratio "$host_warm" "$native")"
echo
printf '%-44s %8s %10s %12s\n' "xterm scrolling $LINES lines" "ms" "lines/s" "vs sway's X"
printf '%-44s %8s %10s %12s\n' "sway's own Xwayland" "$host_scroll" "$(rate "$host_scroll")" "1.00x"
printf '%-44s %8s %10s %12s\n' "wlnest -X" "$nest_scroll" "$(rate "$nest_scroll")" "$(ratio "$host_scroll" "$nest_scroll")"
