#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A real toolkit app's frame rate and CPU, side by side in one run: GTK 4's
# animated paintable demo (gtk4-demo --run=paintable_animated, drawn by
# GSK's cairo renderer: no GPU here), on nullhost, which releases buffers
# and answers frame callbacks at once, so the app draws at its own pace
# wherever the path keeps up, and slower where it does not:
#   - native: the app straight on nullhost;
#   - wlnest direct, --shm passthrough and --shm copy;
#   - in the guest (wlvm, --accel auto: KVM where it works, TCG otherwise)
#     through the guest's wlnest and virtio_wl, once per vCPU count in
#     VIRTWL_BENCH_CPUS (default "1 2").
# Frames/s are the commits nullhost counts over BENCH_SECONDS (default 5)
# after the app has drawn for a while; CPU per frame is the app's and
# wlnest's (host figures), or QEMU's host CPU (the whole guest).
set -u
. "$(dirname "$0")/env.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
SECS=${BENCH_SECONDS:-5}
APP="env GSK_RENDERER=cairo NO_AT_BRIDGE=1 gtk4-demo --run=paintable_animated"

command -v gtk4-demo >/dev/null || { echo "skipped: gtk4-demo is not installed (scripts/install-deps.sh apps)"; exit 77; }
[ -x "$TOOLS/nullhost" ] || { echo "missing $TOOLS/nullhost (make check-programs)"; exit 77; }
bench_logdir toolkit

bench_nullhost

ticks() {
	_sum=0
	for _p in "$@"; do
		_t=$(awk '{ print $14 + $15 }' "/proc/$_p/stat" 2>/dev/null || echo 0)
		_sum=$((_sum + _t))
	done
	echo $_sum
}
hz=$(getconf CLK_TCK)

# commits: nullhost's count so far
commits() {
	_before=$(grep -c '^nullhost: commits=' "$NULL_LOG")
	kill -USR2 "$NULL_PID"
	_i=0
	while [ "$(grep -c '^nullhost: commits=' "$NULL_LOG")" -le "$_before" ] && [ $_i -lt 100 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
	sed -n 's/^nullhost: commits=//p' "$NULL_LOG" | tail -n 1
}

_drawing() { [ "$(commits)" -ge "$1" ]; }

# measure LABEL PID...: waits until the app draws (60 commits past now,
# up to 90 s), then counts commits and the PIDs' CPU over SECS; appends
# "LABEL fps cpu_ms_per_frame" to the results, or "LABEL - -"
measure() {
	_label=$1
	shift
	_c=$(commits)
	if ! wait_until 90 _drawing $((_c + 60)); then
		echo "$_label - -" >>"$res"
		echo "  $_label: the app did not draw"
		return 1
	fi
	_c0=$(commits)
	_k0=$(ticks "$@")
	_t0=$(date +%s.%N)
	sleep "$SECS"
	_c1=$(commits)
	_k1=$(ticks "$@")
	_t1=$(date +%s.%N)
	awk -v l="$_label" -v c0="$_c0" -v c1="$_c1" -v k0="$_k0" -v k1="$_k1" \
		-v t0="$_t0" -v t1="$_t1" -v hz="$hz" 'BEGIN {
		n = c1 - c0; s = t1 - t0
		printf "%s %.1f %.3f\n", l, n / s, (n > 0 ? (k1 - k0) * 1000 / hz / n : 0)
	}' >>"$res"
	tail -n 1 "$res" | sed 's/^/  /'
}

res=$LOGDIR/results
: >"$res"
echo "gtk4-demo --run=paintable_animated (GSK cairo renderer) on nullhost; $SECS s measured each"

# ---- native ----
spawn native env XDG_RUNTIME_DIR="$HRT" WAYLAND_DISPLAY=null-0 $APP
app=$SPAWNED_PID
measure native "$app"
stop_pid "$app" >/dev/null

# ---- wlnest direct ----
for mode in passthrough copy; do
	NRT=$T/nest-$mode
	mkdir -m 700 "$NRT"
	spawn "wlnest-$mode" env XDG_RUNTIME_DIR="$NRT" "$WLNEST" --display "$HRT/null-0" \
		--socket tk-0 --shm $mode
	nest=$SPAWNED_PID
	wait_until 10 test -S "$NRT/tk-0" || { echo "wlnest did not start"; exit 1; }
	spawn "direct-$mode" env XDG_RUNTIME_DIR="$NRT" WAYLAND_DISPLAY=tk-0 $APP
	app=$SPAWNED_PID
	measure "wlnest-$mode" "$app" "$nest"
	stop_pid "$app" >/dev/null
	stop_pid "$nest" >/dev/null
done

# ---- in the guest ----
AVM_DIR=$VIRTWL_BUILD/vm/desktop-apps
if ! why=$(avm_check); then
	echo "  guest: not measured: $why"
elif ! grep -q "^[a-z]* /usr/bin/gtk4-demo " "$AVM_DIR/manifest.txt"; then
	echo "  guest: not measured: gtk4-demo is not in $AVM_DIR (make check-programs)"
else
	for cpus in ${VIRTWL_BENCH_CPUS:-1 2}; do
		if ! avm_boot --accel "${VIRTWL_BENCH_ACCEL:-auto}" --wayland-sock "$HRT/null-0" \
			--append quiet -m 2G --cpus "$cpus"; then
			echo "the guest did not boot; console:"
			tail -n 20 "$AVM_LOG"
			exit 1
		fi
		accel=$(tr -d '\r' <"$AVM_LOG" | sed -n 's/^wlvm: accel: \([a-z]*\).*/\1/p' | head -n 1)
		ACCEL=$(echo "${accel:-?}" | tr a-z A-Z)
		g_bg tk $APP
		measure "guest-$ACCEL-${cpus}vCPU" "$(avm_qemu_pid)"
		avm_poweroff
	done
fi
stop_pid "$NULL_PID" >/dev/null

echo
awk '
	$1 == "native" { nf = $2; nc = $3 }
	{ label[NR] = $1; fps[NR] = $2; cpu[NR] = $3 }
	END {
		printf "%-34s %10s %14s %12s %14s\n", "", "frames/s", "vs native", "CPU ms/frame", "vs native"
		for (i = 1; i <= NR; i++) {
			l = label[i]
			if (l == "native") name = "native: on nullhost"
			else if (l == "wlnest-passthrough") name = "wlnest direct, --shm passthrough"
			else if (l == "wlnest-copy") name = "wlnest direct, --shm copy"
			else { split(l, p, "-"); name = "guest (" p[2] ", " p[3] "), its wlnest" }
			if (fps[i] == "-") { printf "%-34s %10s\n", name, "-"; continue }
			rf = nf > 0 ? sprintf("%.2fx", fps[i] / nf) : "-"
			rc = nc > 0 ? sprintf("%.2fx", cpu[i] / nc) : "-"
			printf "%-34s %10.1f %14s %12.3f %14s\n", name, fps[i], rf, cpu[i], rc
		}
		print "(CPU: the app, plus wlnest for direct mode; for the guest, QEMU on the host, that is the whole guest"
		print " under emulation.  nullhost answers at once, so GTK draws at its own pace where the path keeps up)"
	}' "$res"
exit 0
