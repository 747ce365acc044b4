#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Frames from a guest app to the host, side by side in one run:
#   - framebench in the guest through wlnest and virtio_wl (wlvm, --accel
#     auto: KVM where it works, TCG otherwise; the report says which)
#   - the same framebench on the host, straight to the host compositor
#     (native)
#   - a memcpy of the damaged bytes in the guest (the limit of wlnest's one
#     copy) and on the host
# each with full-frame damage and with a 64x64 damaged square, 1920x1080
# ARGB8888 frames committed as fast as buffers come back.  The host
# compositor is nullhost (releases buffers and fires frame callbacks at
# once), so the figures are the path's own.  A guest frame's time is split
# into the client's CPU (painting, libwayland), wlnest's copy (the CPU
# time its copies of full frames take, from its --stats; for the square a
# guest memcpy of the damaged bytes), wlnest's forwarding (the rest of its user
# time), the driver and virtqueue (wlnest's system time) and the time the
# guest waits for the host; the virtqueue round trip itself is measured
# with wl_display.sync written by hand on a /dev/wl0 context, beside the
# same round trip through wlnest, through a bare relay process (wl-probe
# relay: the least any proxy process adds) and natively.  Host CPU of QEMU per guest
# frame is shown too (under TCG it is the emulation).
# BENCH_SECONDS (default 3) sets each run's measured time;
# VIRTWL_BENCH_ACCEL=tcg|kvm|auto (default auto); VIRTWL_BENCH_CPUS the
# guest's vCPU counts, one boot and one report each (default "1 2": under
# TCG each vCPU is a host thread).
set -u
. "$(dirname "$0")/env.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
SECS=${BENCH_SECONDS:-3}
FB=$VIRTWL_BUILD/tests/framebench
PROBE=$VIRTWL_BUILD/tests/vm/wl-probe

for p in "$FB" "$TOOLS/nullhost" "$PROBE"; do
	[ -x "$p" ] || { echo "missing $p (make check-programs)"; exit 77; }
done
bench_logdir vm-frames
if ! why=$(avm_check); then
	echo "skipped: $why"
	exit 77
fi

bench_nullhost

field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# least A B: the smaller of two figures, either of which may be empty
least() {
	[ -z "$1" ] && { echo "$2"; return; }
	[ -z "$2" ] && { echo "$1"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

echo "frames: 1920x1080 ARGB8888, $SECS s measured per run; host compositor: nullhost"
echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"

# ---- native, on the host ----
res=$LOGDIR/results
: >"$res"
for d in full square; do
	l=$("$FB" --memcpy $d --seconds "$SECS" | tail -n 1)
	echo "host-memcpy $d $(field fps "$l") $(field cpu_ms_per_frame "$l")" >>"$res"
	l=$(env XDG_RUNTIME_DIR="$HRT" WAYLAND_DISPLAY=null-0 "$FB" --damage $d \
		--seconds "$SECS" --pids "$NULL_PID" 2>>"$LOGDIR/native.err" | tail -n 1)
	[ -n "$l" ] || { echo "native framebench failed:"; tail -n 5 "$LOGDIR/native.err"; exit 1; }
	echo "native $d $(field fps "$l") $(field cpu_ms_per_frame "$l")" >>"$res"
done
l=$(env XDG_RUNTIME_DIR="$HRT" WAYLAND_DISPLAY=null-0 "$PROBE" rtt --wayland --count 2000)
native_rtt=$(field us "$l")

# ---- in the guest, with $1 vCPUs: results in $gres, round trips in
# raw_rtt and nest_rtt ----
guest_run() {
	cpus=$1
	t0=$(date +%s)
	if ! avm_boot --accel "${VIRTWL_BENCH_ACCEL:-auto}" --wayland-sock "$HRT/null-0" --append quiet --cpus "$cpus"; then
		echo "the guest did not boot; console:"
		tail -n 20 "$AVM_LOG"
		return 1
	fi
	accel=$(tr -d '\r' <"$AVM_LOG" | sed -n 's/^wlvm: accel: \([a-z]*\).*/\1/p' | head -n 1)
	accel_why=$(tr -d '\r' <"$AVM_LOG" | sed -n 's/^wlvm: accel: [a-z]* (\(.*\))$/\1/p' | head -n 1)
	ACCEL=$(echo "${accel:-?}" | tr a-z A-Z)
	echo "guest: booted in $(($(date +%s) - t0)) s with ${ACCEL}${accel_why:+ ($accel_why)}; kernel $(avm_kver), $cpus vCPU(s)"
	qpid=$(avm_qemu_pid)

	for d in full square; do
		g "framebench --memcpy $d --seconds $SECS"
		l=$(echo "$AVM_OUT" | tail -n 1)
		echo "guest-memcpy $d $(field fps "$l") $(field cpu_ms_per_frame "$l")" >>"$gres"
		# a wlnest of its own with --stats, so its copies can be counted
		g "wlnest --virtwl --socket bench-$d --stats >/tmp/bw-$d.log 2>&1 & echo \$! >/tmp/bw.pid; $(g_sock_wait bench-$d 100)" ||
			{ echo "guest wlnest did not start: $AVM_OUT"; return 1; }
		q0=$(ticks "$qpid")
		g "p=\$(cat /tmp/bw.pid); a=\$(cut -d' ' -f14,15 /proc/\$p/stat); WAYLAND_DISPLAY=bench-$d framebench --damage $d --seconds $SECS --pids \$p; b=\$(cut -d' ' -f14,15 /proc/\$p/stat); echo wlnest-ticks \$a \$b"
		q1=$(ticks "$qpid")
		l=$(echo "$AVM_OUT" | grep '^framebench:' | tail -n 1)
		[ -n "$l" ] || { echo "guest framebench failed: $AVM_OUT"; return 1; }
		# wlnest's user and system time over the run: its share of user
		# time (copy, forwarding) and of system time (driver, virtqueue)
		wt=$(echo "$AVM_OUT" | sed -n 's/^wlnest-ticks //p' | awk '{ u = $3 - $1; s = $4 - $2; x = 0; if (u + s > 0) x = s / (u + s); printf "%.4f", x }')
		frames=$(field frames "$l")
		g "p=\$(cat /tmp/bw.pid); kill \$p; while kill -0 \$p 2>/dev/null; do sleep 0.05; done; grep -o 'wlnest-stats:.*' /tmp/bw-$d.log | tail -n 1"
		copied=$(field copied_bytes "$AVM_OUT")
		commits=$(field commits "$AVM_OUT")
		nframes=$(field frames "$AVM_OUT")
		bigc=$(field big_copies "$AVM_OUT")
		bigus=$(field big_copy_us "$AVM_OUT")
		# QEMU's host CPU over the run, per measured frame (the warm-up
		# frames' CPU is in it too: a slight overestimate)
		qms=$(awk -v a="$q0" -v b="$q1" -v hz="$hz" -v n="$frames" 'BEGIN { x = 0; if (n > 0) x = (b - a) * 1000 / hz / n; printf "%.3f", x }')
		echo "guest $d $(field fps "$l") $(field frames "$l") $(field seconds "$l") $(field self_cpu_ms "$l") $(field others_cpu_ms "$l") ${wt:-0} $qms ${copied:-0} ${commits:-0} ${nframes:-0} ${bigc:-0} ${bigus:-0}" >>"$gres"
	done
	# the round trips take turns, each figure the best of three
	g "wl-probe relay bench-relay >/tmp/relay.log 2>&1 & $(g_sock_wait bench-relay)"
	raw_rtt=""
	relay_rtt=""
	nest_rtt=""
	for i in 1 2 3; do
		g "wl-probe rtt --count 2000"
		raw_rtt=$(least "$raw_rtt" "$(field us "$AVM_OUT")")
		g "WAYLAND_DISPLAY=bench-relay wl-probe rtt --wayland --count 2000"
		relay_rtt=$(least "$relay_rtt" "$(field us "$AVM_OUT")")
		g "wl-probe rtt --wayland --count 2000"
		nest_rtt=$(least "$nest_rtt" "$(field us "$AVM_OUT")")
	done
	avm_poweroff
	[ -n "$raw_rtt" ] && [ -n "$relay_rtt" ] && [ -n "$nest_rtt" ] && [ -n "$native_rtt" ] ||
		{ echo "a round-trip probe failed (raw '$raw_rtt', relay '$relay_rtt', wlnest '$nest_rtt', native '$native_rtt')"; return 1; }
}

for cpus in ${VIRTWL_BENCH_CPUS:-1 2}; do
	gres=$LOGDIR/results-$cpus
	: >"$gres"
	guest_run "$cpus" || exit 1
	echo
	awk -v accel="$ACCEL" -v cpus="$cpus" -v raw="$raw_rtt" -v relay="$relay_rtt" -v nest="$nest_rtt" -v nat="$native_rtt" '
		$1 == "host-memcpy" { hm[$2] = $3 }
		$1 == "native" { nf[$2] = $3; nc[$2] = $4 }
		$1 == "guest-memcpy" { gm[$2] = $3 }
		$1 == "guest" {
			gf[$2] = $3; n = $4; secs = $5
			client[$2] = $6 / n; nestcpu[$2] = $7 / n; sysshare[$2] = $8
			qc[$2] = $9; cb[$2] = $10; cm[$2] = $11
			# the share of guest frames that reached the host (wlnest
			# replaces a frame waiting for the host buffer by a newer one)
			sent[$2] = ($12 > 0 && $11 > 0) ? $11 / $12 : 1
			# the CPU time of one copy of 1 MiB or more, timed by
			# wlnest (--stats)
			copyms[$2] = $13 > 0 ? $14 / $13 / 1000 : -1
			frame[$2] = secs * 1000 / n
		}
		END {
			printf "%-46s %10s %10s %10s\n", "", "frames/s", "ms/frame", "vs native"
			split("full square", ds, " ")
			for (i = 1; i <= 2; i++) {
				d = ds[i]
				label = d == "full" ? "full-frame damage (8 MB per frame)" : "64x64 damage (16 KiB per frame)"
				print "-- " label
				printf "  %-52s %10.1f %10.3f %10s\n", "native: framebench on the host", nf[d], 1000 / nf[d], "1.00x"
				printf "  %-52s %10.1f %10.3f %9.3fx\n", "guest (" accel ", " cpus " vCPU): framebench via wlnest", gf[d], 1000 / gf[d], gf[d] / nf[d]
				if (sent[d] < 1)
					printf "  %-52s %10.1f %10s %9.3fx\n", "  of them reaching the host (" sprintf("%.0f", 100 * sent[d]) "%)", gf[d] * sent[d], "-", gf[d] * sent[d] / nf[d]
				printf "  %-52s %10.1f %10.3f %10s\n", "guest (" accel ", " cpus " vCPU): memcpy of the damage (limit)", gm[d], 1000 / gm[d], "-"
				printf "  %-52s %10.1f %10.3f %10s\n", "host: memcpy of the damage", hm[d], 1000 / hm[d], "-"
				f = frame[d]
				vq = nestcpu[d] * sysshare[d]
				user = nestcpu[d] - vq
				# the copy: what a guest memcpy of the bytes wlnest
				# copied per commit costs (the damage of the frames
				# since that buffer was last used, not just the last
				# one), at most all of the user time of wlnest
				dbytes = d == "full" ? 1920 * 1080 * 4 : 64 * 64 * 4
				per = cm[d] > 0 ? cb[d] / cm[d] : dbytes
				# per guest frame: only the frames sent were copied
				copy = 1000 / gm[d] * per * sent[d] / dbytes
				# the full frames wlnest timed itself
				if (copyms[d] > 0 && per >= 1048576) copy = copyms[d] * sent[d]
				if (copy > user) copy = user
				fwd = user - copy
				rest = f - client[d] - nestcpu[d]
				if (rest < 0) rest = 0
				printf "  guest frame %.3f ms: client %.3f (%.0f%%); wlnest: copy %.3f (%.0f%%), forwarding %.3f (%.0f%%),\n",
					f, client[d], 100 * client[d] / f, copy, 100 * copy / f, fwd, 100 * fwd / f
				printf "    driver + virtqueue (its system time) %.3f (%.0f%%); the vCPU idle, waiting for the host: %.3f (%.0f%%)\n",
					vq, 100 * vq / f, rest, 100 * rest / f
				printf "  guest frames/s = %.2fx the memcpy limit; wlnest copied %d bytes per commit; host CPU of QEMU %.3f ms per guest frame\n",
					gf[d] / gm[d], (cm[d] > 0 ? cb[d] / cm[d] : 0), qc[d]
			}
			print "-- virtqueue round trip (wl_display.sync with the host compositor)"
			printf "  %-52s %10.1f us\n", "native: on the host", nat
			printf "  %-52s %10.1f us  (%.1fx native)\n", "guest (" accel ", " cpus " vCPU): raw on a virtio_wl context", raw, raw / nat
			printf "  %-52s %10.1f us  (%.1fx native)\n", "guest (" accel ", " cpus " vCPU): through a bare relay process", relay, relay / nat
			printf "  %-52s %10.1f us  (%.1fx native; wlnest adds %.1f us)\n", "guest (" accel ", " cpus " vCPU): through wlnest", nest, nest / nat, nest - raw
			print "targets:"
			r = nest / raw
			printf "  round trip through wlnest <= 1.5x the raw context: %.2fx  %s; any proxy process (wl-probe relay:\n", r, (r <= 1.5 ? "met" : "NOT met")
			printf "    bytes between socket and context, nothing parsed) takes %.2fx, wlnest %.2fx of that\n", relay / raw, nest / relay
			# the copy against a guest memcpy of the bytes it copied
			d = "full"
			if (cm[d] > 0 && gm[d] > 0) {
				# per frame copied: per guest frame over the share sent
				user = nestcpu[d] * (1 - sysshare[d]) / sent[d]
				mc = 1000 / gm[d] * (cb[d] / cm[d]) / (1920 * 1080 * 4)
				if (copyms[d] > 0) {
					printf "  full-frame copy <= 1.05x a guest memcpy of the same bytes: the copy itself %.3f ms of wlnest CPU\n", copyms[d]
					printf "    (--stats), memcpy %.3f ms: %.2fx  %s\n", mc, copyms[d] / mc, (copyms[d] / mc <= 1.05 ? "met" : "NOT met")
				} else print "  full-frame copy against a guest memcpy: not measured (wlnest timed no copy)"
				printf "    (all of the user time of wlnest per frame copied, forwarding included: %.3f ms, %.2fx)\n", user, user / mc
			}
			print "(client and wlnest figures are their CPU time per frame in the guest; the copy of full frames is timed by"
			print " wlnest, that of the square is what a guest memcpy of the bytes wlnest copied costs; the rest of its user"
			print " time is forwarding; frames are pipelined over 3 buffers, so"
			print " round trips overlap frames; under TCG every guest figure includes the emulation)"
		}' "$res" "$gres"
done
