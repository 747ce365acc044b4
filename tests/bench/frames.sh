#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frame throughput of the shm path, in one run and side by side:
#   memcpy of the same bytes (the physical limit of copying), native (the
#   client straight on the host), byterelay (a process that copies bytes
#   and fds between client and host parsing nothing: the limit of any
#   proxy in its own process), wlnest --shm passthrough, wlnest --shm copy,
#   and Debian's waypipe (client and server joined by a local socket),
# each with full-frame damage and with a 64x64 damaged square, 1920x1080
# ARGB8888 frames committed as fast as buffers come back; then the 64x64
# case once more with each frame also waiting for the previous frame's
# callback, as toolkits pace themselves.  The host is
# nullhost, which releases buffers and fires frame callbacks at once, so
# the figures are the path's own.  CPU per frame sums every process of
# the chain (client, proxy processes, host) over the measured window.
# Targets checked at the end: passthrough >= 0.95x native frames/s; copy
# mode's full-frame copy <= 1.05x a memcpy of the same bytes, each
# counted as the machine pays for it: copy mode's whole chain above
# passthrough, per frame copied, against the least that a process copying
# each frame another has just painted adds to the painter alone
# (framebench --paint-copy, lines dropped as wlnest does or a plain
# memcpy, and --paint-only), the copy itself (its CPU time in wlnest,
# from --stats) and memcpys of bytes no other core has written beside;
# copy mode's frames/s >= 0.9x passthrough's, beside paint-copy (a process
# painting full frames while another copies each one out: the most any
# path that copies every frame reaches on this machine); a 64x64 damage
# copies at most 1.2x 64*64*4 bytes.  In copy mode a frame that comes
# while the host still holds the last one waits for that host buffer, and
# a newer frame replaces it: "host f/s" counts the frames that reached the
# host, and copy-mode figures per frame are per guest frame beside it.
# BENCH_SECONDS (default 2) sets the measured time of each run and
# BENCH_REPEAT (default 3) how many runs each figure is the best of.
set -u

build=${VIRTWL_BUILD:-$(pwd)/build}
TOOLS=$build/tests
FB=$TOOLS/framebench
WLNEST=${WLNEST:-$build/wlnest}
SECS=${BENCH_SECONDS:-2}
# Each figure is the best of REPEAT runs: other work on a shared machine
# only ever slows a run down.
REPEAT=${BENCH_REPEAT:-3}

for p in "$FB" "$TOOLS/nullhost" "$TOOLS/byterelay"; do
	[ -x "$p" ] || { echo "missing $p (make check-programs)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/vwlb.XXXXXX) || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_sock() {
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && return 1
		sleep 0.01
	done
}

# stop PID: SIGTERM and wait (wlnest prints its --stats on the way out)
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	new=""
	for p in $pids; do [ "$p" = "$1" ] || new="$new $p"; done
	pids=$new
}

HRT=$T/host
mkdir -m 700 "$HRT"
# Background helpers never hold our stdout: make bench reads it through a
# pipe that would stay open as long as any of them lives.
XDG_RUNTIME_DIR=$HRT "$TOOLS/nullhost" null-0 </dev/null >"$T/nullhost.log" 2>&1 &
NULL_PID=$!
pids="$pids $NULL_PID"
wait_sock "$HRT/null-0" || { echo "nullhost did not start" >&2; exit 1; }

# field NAME LINE: the value of NAME=... in a framebench line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

results=$T/results
: >"$results"
# record LABEL DAMAGE LINE [COPIED_PER_FRAME]
record() { # PATH CASE LINE [COPIED-PER-FRAME [SENT-FRACTION]]
	if [ -z "$3" ]; then
		echo "$1 $2 - - - - -" >>"$results"
		return
	fi
	# column 6: the CPU of the processes besides the client (the proxy and
	# the host) per frame; 7: the share of frames that reached the host
	echo "$1 $2 $(field fps "$3") $(field cpu_ms_per_frame "$3") ${4:--} $(awk -v o="$(field others_cpu_ms "$3")" -v n="$(field frames "$3")" 'BEGIN { printf "%.4f", (n > 0 ? o / n : 0) }') ${5:-1}" >>"$results"
}

# a case is DAMAGE or DAMAGE-paced (frames also wait for frame callbacks)
case_args() {
	case $1 in
	*-paced) echo "--damage ${1%-paced} --pace frame" ;;
	*) echo "--damage $1" ;;
	esac
}

run_fb() { # RUNTIME DISPLAY PIDS CASE [SECONDS]
	# shellcheck disable=SC2046 # case_args gives separate words
	env XDG_RUNTIME_DIR="$1" WAYLAND_DISPLAY="$2" "$FB" $(case_args "$4") \
		--seconds "${5:-$SECS}" --pids "$3" 2>>"$T/framebench.err" | tail -n 1
}

# least A B: the smaller of two figures, either of which may be empty
least() {
	[ -z "$1" ] && { echo "$2"; return; }
	[ -z "$2" ] && { echo "$1"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'
}

# better LINE_A LINE_B: the framebench line with more frames/s
better() {
	[ -z "$1" ] && { echo "$2"; return; }
	[ -z "$2" ] && { echo "$1"; return; }
	if awk -v a="$(field fps "$1")" -v b="$(field fps "$2")" 'BEGIN { exit !(b > a) }'; then
		echo "$2"
	else
		echo "$1"
	fi
}

nest_runs=0
nest_run() { # MODE DAMAGE SECONDS -> sets line, copied, commits, frames, copy_ms
	nest_runs=$((nest_runs + 1))
	NRT=$T/nest-$nest_runs-$1-$2
	mkdir -m 700 "$NRT"
	env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$NRT" "$WLNEST" --display "$HRT/null-0" \
		--socket nest-0 --shm "$1" --stats </dev/null >"$NRT.log" 2>&1 &
	np=$!
	pids="$pids $np"
	line=""
	copied=""
	commits=""
	frames=""
	if ! wait_sock "$NRT/nest-0"; then
		echo "wlnest --shm $1 did not start:" >&2
		tail -n 5 "$NRT.log" >&2
		stop $np
		return 1
	fi
	line=$(run_fb "$NRT" nest-0 "$NULL_PID,$np" "$2" "$3")
	stop $np
	stats=$(grep -o 'wlnest-stats: .*' "$NRT.log" | tail -n 1)
	frames=$(field frames "$stats")
	copied=$(field copied_bytes "$stats")
	commits=$(field commits "$stats")
	# the CPU time of its copies of 1 MiB or more, per copy (ms)
	copy_ms=$(awk -v n="$(field big_copies "$stats")" -v us="$(field big_copy_us "$stats")" \
		'BEGIN { if (n > 0) printf "%.4f", us / n / 1000 }')
	[ -n "$line" ]
}

echo "frames: 1920x1080 ARGB8888, 3 buffers, ${SECS} s measured per run after 30 warm-up frames, best of $REPEAT runs (the paths take turns)"
echo "cases: full = full damage, square = a 64x64 damaged square, both committed as soon as a buffer is free;"
echo "       square-paced = the square, each frame also waiting for the previous frame's callback"
echo "host for every figure: nullhost (tests/bench/nullhost.c: releases buffers and fires frame callbacks at once)"
[ -x "$WLNEST" ] || echo "wlnest: not built ($WLNEST); its rows are empty"
command -v waypipe >/dev/null || echo "waypipe: not installed; its rows are empty"
echo

# one run of each path; PATH_line (and, for wlnest, PATH_copied and
# PATH_commits) keep the best of the repetitions
run_native() { run_fb "$HRT" null-0 "$NULL_PID" "$1"; }

run_relay() {
	"$TOOLS/byterelay" "$T/relay-0" "$HRT/null-0" </dev/null >"$T/relay.log" 2>&1 &
	rp=$!
	pids="$pids $rp"
	if wait_sock "$T/relay-0"; then
		run_fb "$T" relay-0 "$NULL_PID,$rp" "$1"
	fi
	stop $rp
	rm -f "$T/relay-0"
}

run_waypipe() {
	WRT=$T/wp-$1
	mkdir -p -m 700 "$WRT"
	env XDG_RUNTIME_DIR="$HRT" WAYLAND_DISPLAY=null-0 waypipe --no-gpu \
		--socket "$WRT.sock" client </dev/null >"$WRT-client.log" 2>&1 &
	wc=$!
	pids="$pids $wc"
	if wait_sock "$WRT.sock"; then
		# the server runs framebench as its program and ends with it
		# shellcheck disable=SC2046 # case_args gives separate words
		env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$WRT" \
			waypipe --no-gpu --socket "$WRT.sock" server -- "$FB" \
			$(case_args "$1") --seconds "$SECS" --pids "$NULL_PID,$wc" \
			--count-parent </dev/null 2>"$WRT-server.log" | tail -n 1
	fi
	stop $wc
	rm -f "$WRT.sock"
}

for damage in full square square-paced; do
	echo "-- case: $damage"
	if [ "$damage" != square-paced ]; then
		l=""
		for i in $(seq "$REPEAT"); do
			l=$(better "$l" "$("$FB" --memcpy $damage --seconds "$SECS" | tail -n 1)")
		done
		record memcpy $damage "$l"
		echo "  memcpy:        $l"
	fi
	if [ "$damage" = full ]; then
		# the same bytes out of and into as many buffers as the path
		# has in flight (framebench's 3, a ring as deep on the host
		# side): more than a CPU cache holds, as for the path
		l=""
		for i in $(seq "$REPEAT"); do
			l=$(better "$l" "$("$FB" --memcpy full --buffers 3 --seconds "$SECS" | tail -n 1)")
		done
		record memcpy-3 full "$l"
		echo "  memcpy-3:      $l"
	fi

	# The paths take turns within each repetition, so that a slow spell
	# of the machine hits them alike.
	native_line=""
	relay_line=""
	waypipe_line=""
	passthrough_line=""
	copy_line=""
	do_waypipe=0
	[ "$damage" != square-paced ] && command -v waypipe >/dev/null && do_waypipe=1
	paint_copy_line=""
	paint_memcpy_line=""
	paint_only_line=""
	copy_itself=""
	for i in $(seq "$REPEAT"); do
		if [ "$damage" = full ]; then
			# a process painting full frames while another copies
			# each one out: the most a path that copies every frame
			# can reach here
			paint_copy_line=$(better "$paint_copy_line" "$("$FB" --paint-copy --seconds "$SECS" | tail -n 1)")
			# the same with a plain memcpy, and painting alone: what
			# copying a frame just painted on another core costs
			paint_memcpy_line=$(better "$paint_memcpy_line" "$("$FB" --paint-copy --keep-lines --seconds "$SECS" | tail -n 1)")
			paint_only_line=$(better "$paint_only_line" "$("$FB" --paint-copy --paint-only --seconds "$SECS" | tail -n 1)")
		fi
		native_line=$(better "$native_line" "$(run_native $damage)")
		relay_line=$(better "$relay_line" "$(run_relay $damage)")
		if [ -x "$WLNEST" ]; then
			for mode in passthrough copy; do
				nest_run $mode $damage "$SECS" || continue
				[ $mode = copy ] && [ -n "$copy_ms" ] &&
					copy_itself=$(least "$copy_itself" "$copy_ms")
				eval "prev=\$${mode}_line"
				# shellcheck disable=SC2154 # set by the eval above
				[ "$(better "$prev" "$line")" = "$line" ] || continue
				eval "${mode}_line=\$line ${mode}_copied=\$copied ${mode}_commits=\$commits ${mode}_frames=\$frames"
			done
		fi
		[ $do_waypipe = 1 ] && waypipe_line=$(better "$waypipe_line" "$(run_waypipe $damage)")
	done

	if [ "$damage" = full ]; then
		record paint-copy full "$paint_copy_line"
		echo "  paint-copy:    $paint_copy_line"
		record paint-memcpy full "$paint_memcpy_line"
		echo "  paint-copy --keep-lines: $paint_memcpy_line"
		record paint-only full "$paint_only_line"
		echo "  paint-copy --paint-only: $paint_only_line"
		# wlnest's own CPU time in its full-frame copies, per copy
		echo "copy-itself full - ${copy_itself:--} - - 1" >>"$results"
		echo "  wlnest copy mode, CPU of one full-frame copy (--stats): ${copy_itself:-not measured} ms"
	fi
	record native $damage "$native_line"
	echo "  native:        $native_line"
	record byterelay $damage "$relay_line"
	echo "  byterelay:     ${relay_line:-failed ($(tail -n 1 "$T/relay.log"))}"
	if [ -x "$WLNEST" ]; then
		for mode in passthrough copy; do
			eval "line=\$${mode}_line copied=\${${mode}_copied:-} commits=\${${mode}_commits:-} frames=\${${mode}_frames:-}"
			if [ -z "$line" ]; then
				record "wlnest-$mode" $damage ""
				echo "  wlnest $mode: failed (log: $NRT.log)"
				tail -n 5 "$NRT.log" | sed 's/^/    /'
				continue
			fi
			per=-
			sent=1
			if [ $mode = copy ]; then
				# steady-state bytes per guest frame: the difference
				# against a short run cancels the first full copies
				keep_line=$line
				c_long=$copied
				n_long=$commits
				f_long=$frames
				if nest_run copy $damage "$(awk -v s="$SECS" 'BEGIN { print s / 5 }')" &&
					[ "$frames" -lt "$f_long" ]; then
					per=$(( (c_long - copied) / (f_long - frames) ))
				fi
				line=$keep_line
				copied=$c_long
				commits=$n_long
				frames=$f_long
				sent=$(awk -v c="$commits" -v f="$frames" 'BEGIN { printf "%.4f", (f > 0 ? c / f : 1) }')
			else
				per=$(( ${copied:-0} / (${commits:-0} > 0 ? commits : 1) ))
			fi
			record "wlnest-$mode" $damage "$line" "$per" "$sent"
			echo "  wlnest $mode: $line"
			echo "                 wlnest-stats: frames=${frames:-0} commits=$commits (sent to the host) copied_bytes=$copied; steady state $per bytes copied per guest frame"
		done
	fi
	if [ $do_waypipe = 1 ]; then
		record waypipe $damage "$waypipe_line"
		echo "  waypipe:       ${waypipe_line:-failed (logs $T/wp-$damage-*.log)}"
	fi
done

echo
echo "summary (frames/s and CPU ms per frame of the whole chain; ratios against native):"
awk '
	{ fps[$1" "$2] = $3; cpu[$1" "$2] = $4; per[$1" "$2] = $5; others[$1" "$2] = $6; sent[$1" "$2] = $7; order[n++] = $1" "$2 }
	function ratio(a, b) { return (a != "" && a != "-" && b != "" && b != "-" && b > 0) ? a / b : -1 }
	END {
		printf "  %-18s %-13s %10s %10s %12s %10s %10s %14s\n", "path", "case", "frames/s", "host f/s", "CPU ms/frame", "fps/nat", "CPU/nat", "copied B/frame"
		for (i = 0; i < n; i++) {
			k = order[i]; split(k, kk, " ")
			nat = "native " kk[2]
			r1 = ratio(fps[k], fps[nat]); r2 = ratio(cpu[k], cpu[nat])
			hf = (fps[k] != "-" && sent[k] != "-") ? sprintf("%.1f", fps[k] * sent[k]) : "-"
			printf "  %-18s %-13s %10s %10s %12s %10s %10s %14s\n", kk[1], kk[2], fps[k], hf, cpu[k],
				r1 < 0 ? "-" : sprintf("%.2f", r1), r2 < 0 ? "-" : sprintf("%.2f", r2), per[k]
		}
		print ""
		print "targets:"
		split("full square square-paced", cases, " ")
		for (c = 1; c <= 3; c++) {
			d = cases[c]
			r = ratio(fps["wlnest-passthrough " d], fps["native " d])
			if (r < 0) { printf "  passthrough vs native (%s): not measured\n", d; continue }
			lim = ratio(fps["byterelay " d], fps["native " d])
			rl = ratio(fps["wlnest-passthrough " d], fps["byterelay " d])
			printf "  passthrough frames/s >= 0.95x native (%s): %.2fx  %s", d, r, (r >= 0.95 ? "met" : "NOT met")
			if (lim > 0)
				printf "; any proxy process (byterelay) reaches %.2fx native, passthrough %.2fx of that", lim, rl
			printf "\n"
		}
		# A copy of a frame just painted on another core costs the
		# machine the CPU of the copier and a slower painting (the
		# painter takes back the lines the copier read): per frame, what a
		# painter and a copier spend above the painter alone, with the
		# lines dropped as wlnest does or with a plain memcpy, the least
		# of the two being the limit.  The cost of copy mode is the CPU
		# of the whole chain above passthrough (the client paints alike), per
		# frame copied.
		p = cpu["paint-only full"] + others["paint-only full"]
		dk = cpu["paint-copy full"] + others["paint-copy full"] - p
		kp = cpu["paint-memcpy full"] + others["paint-memcpy full"] - p
		lim = (dk < kp) ? dk : kp
		k = "wlnest-copy full"
		if (cpu["paint-only full"] > 0 && cpu["paint-memcpy full"] > 0 && cpu["paint-copy full"] > 0 &&
		    cpu[k] != "" && cpu[k] != "-" && cpu["wlnest-passthrough full"] != "" && cpu["wlnest-passthrough full"] != "-" && lim > 0) {
			extra = (cpu[k] - cpu["wlnest-passthrough full"]) / (sent[k] > 0 ? sent[k] : 1)
			r = extra / lim
			print "  copy mode full-frame copy <= 1.05x a memcpy of the same bytes, as the machine pays for each (every process"
			print "    of the chain, the painting the copy slows down included):"
			printf "    copy mode spends %.3f ms per frame copied above passthrough; a frame painted on one core and copied on\n", extra
			printf "    another costs %.3f ms above painting alone with the lines dropped, %.3f ms with a plain memcpy: %.2fx  %s\n", dk, kp, r, (r <= 1.05 ? "met" : "NOT met")
			c = cpu["copy-itself full"]
			if (c != "" && c != "-")
				printf "    the copy itself: %.3f ms of wlnest CPU (--stats), %.2fx the copier dropping lines, %.2fx a plain memcpy\n", c, c / cpu["paint-copy full"], c / cpu["paint-memcpy full"]
			printf "    (the painter alone: %.3f ms; dropping lines costs the copier %.3f ms and spares the painter %.3f ms;\n", p, cpu["paint-copy full"] - cpu["paint-memcpy full"], others["paint-memcpy full"] - others["paint-copy full"]
			if (cpu["memcpy-3 full"] > 0)
				printf "     a memcpy of bytes no other core has just written: %.3f ms between 3 buffer pairs, %.3f ms within one)\n", cpu["memcpy-3 full"], cpu["memcpy full"]
		} else print "  copy mode full-frame copy vs memcpy: not measured"
		for (c = 1; c <= 2; c++) {
			d = cases[c]
			r = ratio(fps["wlnest-copy " d], fps["wlnest-passthrough " d])
			if (r < 0) { printf "  copy vs passthrough (%s): not measured\n", d; continue }
			printf "  copy mode frames/s >= 0.9x passthrough (%s): %.2fx  %s", d, r, (r >= 0.9 ? "met" : "NOT met")
			rh = ratio(fps["wlnest-copy " d] * sent["wlnest-copy " d], fps["wlnest-passthrough " d])
			if (sent["wlnest-copy " d] < 1)
				printf "\n    (%.0f%% of them reached the host: %.2fx passthrough%s; a newer frame replaced the others while they waited for the host buffer)", 100 * sent["wlnest-copy " d], rh, (rh >= 0.9 ? "" : ", below 0.9x")
			lim = ratio(fps["paint-copy " d], fps["native " d])
			if (lim > 0)
				printf "; painting and copying each frame at once (paint-copy) reaches %.2fx native, copy mode %.2fx of that", lim, ratio(fps["wlnest-copy " d], fps["paint-copy " d])
			printf "\n"
		}
		for (c = 2; c <= 3; c++) {
			k = "wlnest-copy " cases[c]
			if (per[k] != "" && per[k] != "-") {
				r = per[k] / (64 * 64 * 4)
				printf "  64x64 damage (%s) copies <= 1.2x 64*64*4 = 16384 bytes: %d bytes per guest frame (%.2fx)  %s\n", cases[c], per[k], r, (r <= 1.2) ? "met" : "NOT met"
			} else printf "  64x64 damage copy size (%s): not measured\n", cases[c]
		}
		print "  (square: frames wait for the one host buffer, a newer one replacing a waiting one, and each copy is the"
		print "   damage since the frame that buffer holds; square-paced: one host buffer, each copy is the new damage only)"
	}' "$results"
