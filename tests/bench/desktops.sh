#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frames through wlnest on the desktops users run, side by side in one
# run: framebench (1920x1080 ARGB8888 buffers, a 64x64 square moving each
# frame) natively on the host compositor, then through wlnest --shm
# passthrough and --shm copy, on weston (desktop shell), sway, GNOME's
# mutter and KDE's kwin, all headless with a 60 Hz output.  Two cases:
# square (committed as soon as a buffer comes back, no frame callbacks)
# and square-paced (each frame also waits for the last one's callback, as
# toolkits do: the output's refresh rate is the limit).  The native client
# is the reference: each host takes and gives back buffers its own way, and
# the path through wlnest should keep the pace the host sets.  In copy mode
# a frame that waits for a host buffer can be replaced by a newer one: the
# frames that reached the host (wlnest --stats) are shown beside.
# BENCH_SECONDS (default 2) sets each run's measured time.
set -u
. "$(dirname "$0")/env.sh"
SECS=${BENCH_SECONDS:-2}
FB=$TOOLS/framebench

for p in "$FB" "$WLNEST"; do
	[ -x "$p" ] || { echo "skipped: $p is not built (make all check-programs)"; exit 77; }
done
host_init
results=$LOGDIR/results
: >"$results"

field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# fb DISPLAY-RUNTIME DISPLAY CASE: framebench's line
fb() {
	case $3 in
	square) _args="--damage square" ;;
	square-paced) _args="--damage square --pace frame" ;;
	esac
	# shellcheck disable=SC2086 # separate words
	env XDG_RUNTIME_DIR="$1" WAYLAND_DISPLAY="$2" "$FB" $_args --seconds "$SECS" \
		--warmup 10 2>>"$LOGDIR/framebench.err" | tail -n 1
}

echo "frames: 1920x1080 ARGB8888, a 64x64 square per frame, $SECS s measured per run"
for host in weston sway mutter kwin; do
	if ! host_installed $host; then
		echo "$host: not installed (scripts/install-deps.sh): not measured"
		continue
	fi
	if ! host_start_free $host; then
		echo "$host: did not start (log $HOST_LOG)"
		continue
	fi
	for c in square square-paced; do
		l=$(fb "$HOST_RT" "$HOST_DISPLAY" $c)
		fps=$(field fps "$l")
		echo "$host $c native ${fps:--} 1" >>"$results"
		for mode in passthrough copy; do
			if ! nest_start --shm $mode --stats; then
				echo "$host $c $mode - 1" >>"$results"
				continue
			fi
			l=$(fb "$NEST_RT" "$NEST_DISPLAY" $c)
			nest_stop
			stats=$(grep -o 'wlnest-stats: .*' "$NEST_LOG" | tail -n 1)
			sent=1
			if [ $mode = copy ]; then
				sent=$(awk -v c="$(field commits "$stats")" -v f="$(field frames "$stats")" \
					'BEGIN { printf "%.4f", (f > 0 ? c / f : 1) }')
			fi
			fps=$(field fps "$l")
			echo "$host $c $mode ${fps:--} $sent" >>"$results"
		done
	done
	host_stop
done

echo
awk '
	{ fps[$1" "$2" "$3] = $4; sent[$1" "$2" "$3] = $5; if (!($1 in seen)) { seen[$1] = 1; hosts[n++] = $1 } }
	function r(a, b) { return (a != "-" && b != "-" && b > 0) ? sprintf("%.2fx", a / b) : "-" }
	END {
		printf "%-8s %-13s %10s %18s %18s %18s\n", "host", "case", "native", "passthrough", "copy", "copy: to the host"
		for (i = 0; i < n; i++) {
			h = hosts[i]
			split("square square-paced", cs, " ")
			for (j = 1; j <= 2; j++) {
				k = h " " cs[j]
				nat = fps[k " native"]; pt = fps[k " passthrough"]; cp = fps[k " copy"]
				hf = cp != "-" ? cp * sent[k " copy"] : "-"
				printf "%-8s %-13s %10s %10s (%5s) %10s (%5s) %10s (%5s)\n", h, cs[j], nat,
					pt, r(pt, nat), cp, r(cp, nat), (hf == "-" ? "-" : sprintf("%.1f", hf)), r(hf, nat)
			}
		}
		print ""
		print "(frames/s of the client; ratios against the client straight on the same host; copy: to the host counts"
		print " the frames wlnest sent, the others were replaced by newer ones while they waited for a host buffer)"
	}' "$results"
