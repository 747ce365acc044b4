#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Time to first window: from starting an app to its window mapped on the
# host compositor (headless sway: its "new window" IPC event, which sway
# sends when the first buffer is committed), for the default guest apps
# and, when their image is built, Debian's desktop apps (firefox-esr,
# chromium, gtk4-widget-factory, featherpad, mpv; browsers open a small
# local page with a fresh profile):
#   - native: the app run on the host, straight on sway, as sway's user
#     (X11 apps have no native figure here: the host sway runs without
#     Xwayland);
#   - guest, first launch: in the guest (wlvm, --accel auto: KVM where it
#     works, TCG otherwise) right after boot, with nothing of the app in
#     the guest's page cache (xterm also starts the guest's Xwayland);
#   - guest, again: the best of BENCH_REPEAT (default 3) later launches
#     (one for the desktop apps);
# the guest boots once per vCPU count in VIRTWL_BENCH_CPUS (default "1 2";
# under TCG each vCPU is a host thread).
# The guest figures include sending the command over the serial console
# (a few ms).  Each app is closed, and its window gone, before the next.
set -u
. "$(dirname "$0")/env.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
REPEAT=${BENCH_REPEAT:-3}
APPS="foot weston-terminal weston-flower xterm"

for p in sway swaymsg; do
	command -v "$p" >/dev/null || { echo "missing $p"; exit 77; }
done
bench_logdir vm-apps
if ! why=$(avm_check); then
	echo "skipped: $why"
	exit 77
fi
host_start sway || { echo "sway did not start"; exit 1; }

# sway's window events, one line each with its time in ns
EV=$T/events
: >"$EV"
(swaymsg_host -r -m -t subscribe '["window"]' 2>/dev/null |
	while IFS= read -r l; do
		case $l in
		*'"change": "new"'* | *'"change":"new"'*) echo "$(date +%s%N) new" ;;
		*'"change": "close"'* | *'"change":"close"'*) echo "$(date +%s%N) close" ;;
		esac
	done >>"$EV") &
_track $!
sleep 0.5
n_new() { grep -c ' new$' "$EV"; }
n_close() { grep -c ' close$' "$EV"; }
_more_than() { [ "$($1)" -gt "$2" ]; }
FW=-

# first_window START-CMD STOP-CMD: FW = ms from START-CMD to the new
# window's event ("-" when none comes in 120 s); then STOP-CMD, until it
# is closed.  Not in a subshell: g counts its commands in globals.
first_window() {
	_n0=$(n_new)
	_c0=$(n_close)
	_t0=$(date +%s%N)
	eval "$1"
	if wait_until 120 _more_than n_new "$_n0"; then
		_t1=$(grep ' new$' "$EV" | tail -n 1 | cut -d' ' -f1)
		FW=$(((_t1 - _t0) / 1000000))
	else
		FW=-
	fi
	eval "$2"
	wait_until 30 _more_than n_close "$_c0" || true
}

best() { tr ' ' '\n' | grep -v '^-*$' | sort -n | head -n 1; }

# app_cmd APP GUEST|NATIVE: the command line that starts APP; browsers
# open a small local page with a fresh profile
app_cmd() {
	case $1 in
	firefox-esr) echo "firefox-esr --new-instance --profile $3/ffp file://$3/page.html" ;;
	chromium)
		echo "chromium --ozone-platform=wayland --user-data-dir=$3/chp --no-first-run --disable-gpu --ipc-connection-timeout=600 file://$3/page.html"
		;;
	mpv) echo "mpv --no-config --vo=wlshm --ao=null --loop=inf av://lavfi:testsrc=size=320x240:rate=10" ;;
	*) echo "$1" ;;
	esac
}
PAGE='<html><body><h1>first window</h1></body></html>'
FFPREFS='user_pref("browser.aboutwelcome.enabled", false); user_pref("widget.wayland.vsync.enabled", false);'

# native APP...: native_APP, the best of REPEAT launches on the host
native() {
	# as sway's user (the owner of its runtime directory, as a desktop
	# session's apps are), in a home of their own
	_nh=$T/native
	mkdir -p "$_nh/ffp"
	echo "$PAGE" >"$_nh/page.html"
	echo "$FFPREFS" >"$_nh/ffp/user.js"
	chown -R 65534:65534 "$_nh"
	chmod 755 "$T"
	for a in "$@"; do
		v=$(echo $a | tr - _)
		case $a in xterm) eval "native_$v=-"; continue ;; esac
		command -v "$a" >/dev/null || { eval "native_$v=-"; continue; }
		runs=
		for i in $(seq "$REPEAT"); do
			# not host_run: $! must be the app itself
			first_window "setpriv --reuid=65534 --regid=65534 --clear-groups env -u DISPLAY HOME=$_nh XDG_RUNTIME_DIR=$HOST_RT WAYLAND_DISPLAY=$HOST_DISPLAY QT_QPA_PLATFORM=wayland $(app_cmd $a native "$_nh") >$LOGDIR/native-$a.log 2>&1 & _np=\$!" \
				'kill $_np 2>/dev/null; wait $_np 2>/dev/null'
			runs="$runs $FW"
		done
		eval "native_$v=\$(echo \$runs | best)"
	done
}

# guest IMAGE-DIR MEM REPEAT CPUS APP...: boots the image with CPUS vCPUs;
# cold_APP_CPUS (the first launch) and warm_APP_CPUS (the best of REPEAT
# more)
guest() {
	AVM_DIR=$1
	_mem=$2
	_rep=$3
	_cpus=$4
	shift 4
	_t0=$(date +%s)
	if ! avm_boot --accel "${VIRTWL_BENCH_ACCEL:-auto}" --wayland-sock "$HOST_SOCKET" \
		--append quiet -m "$_mem" --cpus "$_cpus"; then
		echo "the guest did not boot; console:"
		tail -n 20 "$AVM_LOG"
		exit 1
	fi
	boot_s=$(($(date +%s) - _t0))
	accel=$(tr -d '\r' <"$AVM_LOG" | sed -n 's/^wlvm: accel: \([a-z]*\).*/\1/p' | head -n 1)
	g "echo '$PAGE' >/tmp/page.html; mkdir -p /tmp/ffp; echo '$FFPREFS' >/tmp/ffp/user.js"
	for a in "$@"; do
		v=$(echo $a | tr - _)
		first_window "g_bg $a $(app_cmd $a guest /tmp)" "g_kill $a"
		eval "cold_${v}_$_cpus=\$FW"
		runs=
		for i in $(seq "$_rep"); do
			first_window "g_bg $a $(app_cmd $a guest /tmp)" "g_kill $a"
			runs="$runs $FW"
		done
		eval "warm_${v}_$_cpus=\$(echo \$runs | best)"
	done
	avm_poweroff
}

# table TITLE REPEAT APP...
table() {
	echo
	echo "$1"
	_r=$2
	shift 2
	printf '%-20s %8s' app native
	for c in $CPUS; do
		printf ' %12s %12s %14s' "$c vCPU first" "again" "again/native"
	done
	echo
	for a in "$@"; do
		v=$(echo $a | tr - _)
		eval "n=\$native_$v"
		printf '%-20s %8s' "$a" "$n"
		for c in $CPUS; do
			eval "f=\${cold_${v}_$c:--} w=\${warm_${v}_$c:--}"
			ratio=-
			case $n$w in *-* | "") ;; *) ratio=$(awk -v a="$w" -v b="$n" 'BEGIN { printf "%.1fx", a / b }') ;; esac
			printf ' %12s %12s %14s' "$f" "$w" "$ratio"
		done
		echo
	done
	echo "(native: best of $REPEAT; guest first: the first launch after boot; again: best of $_r)"
}

CPUS=${VIRTWL_BENCH_CPUS:-1 2}
native $APPS
for c in $CPUS; do
	guest "$VIRTWL_BUILD/vm/apps" 768M "$REPEAT" "$c" $APPS
	eval "boot_apps_$c=\$boot_s"
done
# Debian's desktop apps (make check-programs builds their image from
# those installed): one more launch each, they are slow under TCG
DESKTOP=
if [ -f "$VIRTWL_BUILD/vm/desktop-apps/rootfs.squashfs" ]; then
	for a in firefox-esr chromium gtk4-widget-factory featherpad mpv; do
		grep -q "^[a-z]* /usr/bin/$a " "$VIRTWL_BUILD/vm/desktop-apps/manifest.txt" &&
			DESKTOP="$DESKTOP $a"
	done
fi
if [ -n "$DESKTOP" ]; then
	native $DESKTOP
	for c in $CPUS; do
		guest "$VIRTWL_BUILD/vm/desktop-apps" 2G 1 "$c" $DESKTOP
	done
fi
host_stop

echo "time to first window: from start to the window mapped on headless sway (pixman), in ms"
echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
for c in $CPUS; do
	eval "b=\$boot_apps_$c"
	echo "guest: $(echo "${accel:-?}" | tr a-z A-Z), $c vCPU(s): the test image booted in $b s"
done
table "the default apps (build/vm/apps); xterm in the guest goes through wlnest's Xwayland, which its first launch starts" "$REPEAT" $APPS
[ -n "$DESKTOP" ] &&
	table "Debian's desktop apps (build/vm/desktop-apps, 2 GiB)" 1 $DESKTOP
exit 0
