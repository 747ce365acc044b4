# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Headless host compositors for integration tests, and the wlnest under test
# in front of them.  Source tests/lib.sh first, then this file, then call
# host_init once.  Everything a test starts lives under one temporary
# directory ($T) and is tracked by pid; the EXIT trap stops exactly those
# processes and removes $T.
#
#   host_start weston|sway|cage|mutter|kwin [kiosk|desktop] [WxH]
#       sets HOST_KIND HOST_RT HOST_DISPLAY HOST_SOCKET HOST_PID HOST_LOG,
#       INJECT (the input FIFO: weston-inject on weston, vinput on sway) and
#       on sway SWAYSOCK (the IPC socket).  cage, the kiosk, shows its
#       focused toplevel fullscreen on a fixed 1280x720 output and lets
#       tests inject no input (INJECT stays unset); mutter (headless)
#       and kwin (virtual) neither, nor take screenshots.  HOST_BG is the
#       colour of the empty screen.  On sway, HOST_SCALE (default 1) is
#       the output's scale; HOST_W and HOST_H stay its size in pixels;
#       HOST_SWAY_EXTRA, when set, holds lines added to sway's config.
#   host_stop            stops the current host (and anything tracked after it)
#   host_run CMD...      runs CMD as a client of the host
#   nest_start [WLNEST ARGS]   starts wlnest in front of the host (NEST_PID,
#                        NEST_RT, NEST_DISPLAY, NEST_LOG); with VIRTWL_DIRECT=1
#                        guests talk to the host directly instead (used to
#                        validate the tests themselves)
#   nest_stop            SIGTERM; returns non-zero unless wlnest exits 0
#   guest_run CMD...     runs CMD as a client of wlnest
#   nest_x_display       the X11 display wlnest -v reported ready
#   x_run CMD... / x_spawn NAME CMD...   run / spawn an X client of
#                        $XDISPLAY
#   spawn NAME CMD...    starts CMD in the background, tracked, output in
#                        $LOGDIR/NAME.log, stdin from $SPAWN_STDIN or
#                        /dev/null; sets SPAWNED_PID
#   shot FILE            host screenshot as PPM (or PNG by extension): grim
#                        on sway and cage, wshot on weston
#   wait_until SECS CMD...     polls CMD until it succeeds or time runs out
#   wait_pixels SECS NAME CHECK...   polls screenshots until pixcheck passes;
#                        on timeout saves the last shot and a diff in LOGDIR
#   type_text TEXT       types TEXT then Return on the host's seat
#   key CODE             presses and releases one evdev key code
#   pointer_move X Y     moves the pointer to X,Y in the output's logical
#                        coordinates, its pixels unless scaled (on sway the
#                        first use adds a pointer to the seat; wait for the
#                        client's enter before clicking)
#   pointer_click        presses and releases the left button
# Times given to the wait helpers are multiplied by TIME_SCALE (3 under
# sanitizers).

VIRTWL_TOP=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VIRTWL_BUILD=${VIRTWL_BUILD:-$VIRTWL_TOP/build}
VIRTWL_SAN=${VIRTWL_SAN:-0}
TOOLS=$VIRTWL_BUILD/tests
PIXCHECK=$TOOLS/pixcheck
if [ "$VIRTWL_SAN" = 1 ]; then
	WLNEST=${WLNEST:-$VIRTWL_BUILD/san/wlnest}
	TIME_SCALE=3
else
	WLNEST=${WLNEST:-$VIRTWL_BUILD/wlnest}
	TIME_SCALE=1
fi
HOST_SIZE_DEFAULT=800x600

_tracked_pids=""

host_init() {
	_name=$(basename "$0" .sh)
	[ "$VIRTWL_SAN" = 1 ] && _name="$_name-san"
	LOGDIR=$VIRTWL_BUILD/test-logs/integration/$_name
	rm -rf "$LOGDIR"
	mkdir -p "$LOGDIR"
	# Short path: unix socket names must fit in 108 bytes.
	T=$(mktemp -d /tmp/vwl.XXXXXX) || exit 1
	chmod 755 "$T" # sway runs as uid 65534 and must reach its runtime dir
	trap host_cleanup EXIT
	trap 'exit 130' INT TERM
	_shot_n=0
	_nest_n=0
	for _tool in "$PIXCHECK" "$TOOLS/wshot" "$TOOLS/solid"; do
		if [ ! -x "$_tool" ]; then
			tap_fail "test tool $_tool is not built (make check-programs)"
			tap_done
			exit 1
		fi
	done
}

_track() { _tracked_pids="$_tracked_pids $1"; }
_untrack() {
	_new=""
	for _p in $_tracked_pids; do [ "$_p" = "$1" ] || _new="$_new $_p"; done
	_tracked_pids=$_new
}

# stop_pid PID [SIGNAL]: signal, wait up to 3 s, then SIGKILL.  Returns the
# process's exit status when it is our child.
stop_pid() {
	_pid=$1
	kill -"${2:-TERM}" "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 300 ]; do
		# a zombie child counts as stopped
		_st=$(awk '{print $3}' "/proc/$_pid/stat" 2>/dev/null)
		[ "$_st" = Z ] && break
		sleep 0.01
		_i=$((_i + 1))
	done
	if [ $_i -ge 300 ]; then
		echo "# pid $_pid ignored SIG${2:-TERM} for 3 s; killing it" >&2
		kill -KILL "$_pid" 2>/dev/null
	fi
	_untrack "$_pid"
	wait "$_pid" 2>/dev/null
}

host_cleanup() {
	_rc=$?
	# newest first: clients, then wlnest, then the host
	_rev=""
	for _p in $_tracked_pids; do _rev="$_p $_rev"; done
	for _p in $_rev; do stop_pid "$_p" >/dev/null 2>&1; done
	[ -n "${T:-}" ] && rm -rf "$T"
	exit $_rc
}

wait_until() {
	# local (dash and bash have it): a CMD that waits too must not reset
	# this deadline
	local _deadline _delay
	_deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 * TIME_SCALE ))
	shift
	_delay=0.01
	while :; do
		"$@" && return 0
		[ "$(( $(date +%s%N) / 1000000 ))" -ge "$_deadline" ] && return 1
		sleep $_delay
		case $_delay in 0.01) _delay=0.02 ;; 0.02) _delay=0.05 ;; *) _delay=0.1 ;; esac
	done
}

alive() { kill -0 "$1" 2>/dev/null; }

spawn() {
	_sname=$1
	shift
	# A shell function run in the background is a subshell whose pid is
	# not the program's: expand the two runners into a plain command so
	# that $! is the program itself (env execs it).
	case $1 in
	host_run)
		shift
		set -- env -u DISPLAY XDG_RUNTIME_DIR="$HOST_RT" WAYLAND_DISPLAY="$HOST_DISPLAY" "$@"
		;;
	guest_run)
		shift
		set -- env -u DISPLAY XDG_RUNTIME_DIR="$NEST_RT" WAYLAND_DISPLAY="$NEST_DISPLAY" "$@"
		;;
	esac
	# a background job's stdin is /dev/null unless redirected explicitly
	"$@" <"${SPAWN_STDIN:-/dev/null}" >"$LOGDIR/$_sname.log" 2>&1 &
	SPAWNED_PID=$!
	_track $SPAWNED_PID
}

# log_excerpt FILE [LINES]: the end of a log, as TAP comments
log_excerpt() {
	[ -f "$1" ] || return 0
	echo "# --- last ${2:-15} lines of $1"
	tail -n "${2:-15}" "$1" | sed 's/^/#   /'
}

_weston_ini() {
	cat >"$1" <<-INI
	[core]
	idle-time=0
	require-input=false

	[shell]
	background-color=0xff202020
	panel-position=none
	locking=false
	animation=none
	startup-animation=none
	close-animation=none
	focus-animation=none
	INI
}

_sway_cfg() {
	cat >"$1" <<-CFG
	output HEADLESS-1 mode $2 position 0,0 scale ${HOST_SCALE:-1} bg #202020 solid_color
	default_border none
	default_floating_border none
	focus_follows_mouse no
	xwayland disable
	for_window [app_id="solid"] floating enable, move position 0 0
	for_window [app_id="solid-fs"] fullscreen enable
	for_window [app_id="XWinFloat"] floating enable, move position 100 100
	for_window [app_id="XWinClicks"] floating enable, move position 0 0
	CFG
	[ -n "${HOST_SWAY_EXTRA:-}" ] && printf '%s\n' "$HOST_SWAY_EXTRA" >>"$1"
	chmod 644 "$1"
}

host_start() {
	HOST_KIND=$1
	_shell=${2:-kiosk}
	HOST_SIZE=${3:-$HOST_SIZE_DEFAULT}
	HOST_W=${HOST_SIZE%x*}
	HOST_H=${HOST_SIZE#*x}
	HOST_BG=202020
	# the output's size in the layout's (logical) coordinates
	HOST_LW=$(awk -v n="$HOST_W" -v s="${HOST_SCALE:-1}" 'BEGIN { printf "%d", n / s }')
	HOST_LH=$(awk -v n="$HOST_H" -v s="${HOST_SCALE:-1}" 'BEGIN { printf "%d", n / s }')
	unset INJECT SWAYSOCK
	case $HOST_KIND in
	weston)
		if [ ! -f "$TOOLS/weston-inject.so" ]; then
			echo "# $TOOLS/weston-inject.so is not built" >&2
			return 1
		fi
		HOST_RT=$T/host-weston
		rm -rf "$HOST_RT"
		mkdir -m 700 "$HOST_RT"
		HOST_DISPLAY=host-0
		HOST_LOG=$LOGDIR/weston.log
		: >"$HOST_LOG" # weston appends to its log
		INJECT=$HOST_RT/inject
		_weston_ini "$T/weston.ini"
		env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$HOST_RT" \
			WESTON_INJECT_FIFO="$INJECT" \
			weston --backend=headless-backend.so --use-pixman \
			--width="$HOST_W" --height="$HOST_H" --socket=$HOST_DISPLAY \
			--idle-time=0 --debug --config="$T/weston.ini" \
			--shell="$_shell-shell.so" \
			--modules="$TOOLS/weston-inject.so" --log="$HOST_LOG" \
			>"$LOGDIR/weston.out" 2>&1 &
		HOST_PID=$!
		;;
	sway)
		HOST_RT=$T/host-sway
		rm -rf "$HOST_RT"
		install -d -m 700 -o 65534 -g 65534 "$HOST_RT"
		HOST_DISPLAY=wayland-1
		HOST_LOG=$LOGDIR/sway.log
		_sway_cfg "$T/sway.cfg" "$HOST_SIZE"
		env -u WAYLAND_DISPLAY -u DISPLAY -u SWAYSOCK XDG_RUNTIME_DIR="$HOST_RT" \
			HOME="$HOST_RT" WLR_BACKENDS=headless WLR_RENDERER=pixman \
			WLR_LIBINPUT_NO_DEVICES=1 \
			setpriv --reuid=65534 --regid=65534 --clear-groups \
			sway -c "$T/sway.cfg" >"$HOST_LOG" 2>&1 &
		HOST_PID=$!
		;;
	cage)
		# cage 0.1.4 scans a fullscreen client buffer out directly when
		# it can; on the headless backend that freezes the output (and
		# its screenshots) at the last composited frame.  A rotated
		# output (-r -r: 180 degrees; grim turns it back) keeps every
		# frame composited.  Its output is 1280x720 whatever is asked.
		HOST_W=1280
		HOST_H=720
		HOST_SIZE=${HOST_W}x$HOST_H
		HOST_BG=000000
		HOST_RT=$T/host-cage
		rm -rf "$HOST_RT"
		install -d -m 700 -o 65534 -g 65534 "$HOST_RT"
		HOST_LOG=$LOGDIR/cage.log
		# cage runs one program: a placeholder that names the socket
		env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$HOST_RT" \
			HOME="$HOST_RT" WLR_BACKENDS=headless WLR_RENDERER=pixman \
			WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1 \
			setpriv --reuid=65534 --regid=65534 --clear-groups \
			cage -d -r -r -- sh -c 'echo "$WAYLAND_DISPLAY" >"$XDG_RUNTIME_DIR/display.tmp" &&
				mv "$XDG_RUNTIME_DIR/display.tmp" "$XDG_RUNTIME_DIR/display" &&
				while kill -0 $PPID 2>/dev/null; do sleep 1; done' \
			>"$HOST_LOG" 2>&1 &
		HOST_PID=$!
		_track $HOST_PID
		if ! wait_until 10 test -s "$HOST_RT/display"; then
			echo "# cage did not start its program" >&2
			log_excerpt "$HOST_LOG" >&2
			return 1
		fi
		HOST_DISPLAY=$(cat "$HOST_RT/display")
		;;
	mutter | kwin)
		# GNOME's and KDE's compositors, headless, each on a session bus
		# of its own.  HOST_PID is the compositor; its dbus-run-session
		# ends with it.  Neither lets tests take screenshots or inject
		# input: tests use protocol evidence (INJECT stays unset).
		HOST_RT=$T/host-$HOST_KIND
		rm -rf "$HOST_RT"
		mkdir -m 700 "$HOST_RT"
		HOST_DISPLAY=$HOST_KIND-0
		HOST_LOG=$LOGDIR/$HOST_KIND.log
		if [ "$HOST_KIND" = mutter ]; then
			set -- mutter --headless --wayland --no-x11 \
				--virtual-monitor "${HOST_W}x$HOST_H" \
				--wayland-display="$HOST_DISPLAY"
		else
			# Debian's kwin_wayland carries a file capability that a
			# root without it (a container) cannot exec: a plain copy
			mkdir -p "$T/kwin-bin"
			cp "$(command -v kwin_wayland)" "$T/kwin-bin/kwin_wayland" || return 1
			set -- "$T/kwin-bin/kwin_wayland" --virtual --width "$HOST_W" \
				--height "$HOST_H" --socket "$HOST_DISPLAY" \
				--no-lockscreen --no-global-shortcuts
		fi
		env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$HOST_RT" \
			HOME="$HOST_RT" dbus-run-session -- \
			sh -c 'echo $$ >"$XDG_RUNTIME_DIR/pid" && exec "$@"' sh "$@" \
			>"$HOST_LOG" 2>&1 &
		_track $!
		if ! wait_until 10 test -s "$HOST_RT/pid"; then
			echo "# $HOST_KIND did not start" >&2
			log_excerpt "$HOST_LOG" >&2
			return 1
		fi
		HOST_PID=$(cat "$HOST_RT/pid")
		_track $HOST_PID
		;;
	*)
		echo "host_start: unknown host $HOST_KIND" >&2
		return 1
		;;
	esac
	case $HOST_KIND in weston | sway) _track $HOST_PID ;; esac
	HOST_SOCKET=$HOST_RT/$HOST_DISPLAY
	if ! wait_until 20 test -S "$HOST_SOCKET"; then
		echo "# $HOST_KIND did not create $HOST_SOCKET" >&2
		log_excerpt "$HOST_LOG" >&2
		return 1
	fi
	if [ "$HOST_KIND" = sway ]; then
		if ! wait_until 10 _sway_ipc_ready; then
			echo "# sway IPC socket missing" >&2
			return 1
		fi
		# A keyboard and a pointer that stay for the whole test: without a
		# keyboard the seat has no keyboard capability, so no client gets
		# keyboard focus (and with it the selection).
		if [ -x "$TOOLS/vinput" ]; then
			INJECT=$HOST_RT/vinput
			spawn vinput env XDG_RUNTIME_DIR="$HOST_RT" WAYLAND_DISPLAY=$HOST_DISPLAY \
				"$TOOLS/vinput" "$INJECT" "$HOST_LW" "$HOST_LH"
			wait_until 5 grep -q 'vinput: ready' "$LOGDIR/vinput.log" || return 1
		fi
	elif [ "$HOST_KIND" = weston ]; then
		wait_until 5 test -p "$INJECT" || return 1
	fi
	# The host answers a full round trip before any test uses it.
	host_run wayland-info >/dev/null 2>&1
}

_sway_ipc_ready() {
	for _s in "$HOST_RT"/sway-ipc.*.sock; do
		[ -S "$_s" ] && SWAYSOCK=$_s && return 0
	done
	return 1
}

host_stop() {
	[ -n "${HOST_PID:-}" ] || return 0
	# everything started after the host depends on it
	_seen=0
	_later=""
	for _p in $_tracked_pids; do
		[ $_seen = 1 ] && _later="$_p $_later"
		[ "$_p" = "$HOST_PID" ] && _seen=1
	done
	for _p in $_later; do stop_pid "$_p" >/dev/null 2>&1; done
	stop_pid "$HOST_PID"
	HOST_PID=""
}

host_run() {
	env -u DISPLAY XDG_RUNTIME_DIR="$HOST_RT" WAYLAND_DISPLAY="$HOST_DISPLAY" "$@"
}

swaymsg_host() {
	swaymsg -s "$SWAYSOCK" "$@"
}

nest_available() {
	[ "${VIRTWL_DIRECT:-0}" = 1 ] || [ -x "$WLNEST" ]
}

# nest_skip_all REASON-PREFIX: when wlnest is missing, report the whole
# test as skipped and exit.
nest_require() {
	if ! nest_available; then
		tap_skip "$(basename "$0" .sh)" "wlnest is not built ($WLNEST)"
		tap_done
		exit 0
	fi
}

nest_start() {
	_nest_n=$((_nest_n + 1))
	NEST_LOG=$LOGDIR/wlnest-$_nest_n.log
	if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
		NEST_RT=$HOST_RT
		NEST_DISPLAY=$HOST_DISPLAY
		NEST_PID=$HOST_PID
		echo "direct mode: no wlnest; args: $*" >"$NEST_LOG"
		return 0
	fi
	NEST_RT=$T/guest-$_nest_n
	mkdir -m 700 "$NEST_RT"
	NEST_DISPLAY=nest-0
	env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$NEST_RT" \
		"$WLNEST" --display "$HOST_SOCKET" --socket $NEST_DISPLAY "$@" \
		>"$NEST_LOG" 2>&1 &
	NEST_PID=$!
	_track $NEST_PID
	if ! wait_until 10 test -S "$NEST_RT/$NEST_DISPLAY"; then
		echo "# wlnest did not create $NEST_RT/$NEST_DISPLAY" >&2
		log_excerpt "$NEST_LOG" >&2
		return 1
	fi
}

# host_installed HOST: the host compositor HOST (weston, sway, cage,
# mutter or kwin) is installed
host_installed() {
	case $1 in
	kwin) command -v kwin_wayland ;;
	*) command -v "$1" ;;
	esac >/dev/null
}

# host_start_free HOST: host_start, with weston's desktop shell, where
# windows take any size (its kiosk shell wants the output's)
host_start_free() {
	if [ "$1" = weston ]; then
		host_start weston desktop
	else
		host_start "$1"
	fi
}

# null_start [NULLHOST-ARGS...]: a new nullhost (tests/bench/nullhost.c),
# with --sum, on a runtime dir of its own as HOST_DISPLAY (null-0 unless
# set); sets HOST_RT, HOST_SOCKET, HOST_LOG and HOST_PID
_null_n=0
null_start() {
	_null_n=$((_null_n + 1))
	HOST_KIND=nullhost
	HOST_DISPLAY=${HOST_DISPLAY:-null-0}
	HOST_RT=$T/host-null-$_null_n
	mkdir -m 700 "$HOST_RT"
	HOST_SOCKET=$HOST_RT/$HOST_DISPLAY
	HOST_LOG=$LOGDIR/nullhost-$_null_n.log
	spawn nullhost-$_null_n env XDG_RUNTIME_DIR="$HOST_RT" "$TOOLS/nullhost" --sum "$@" "$HOST_DISPLAY"
	HOST_PID=$SPAWNED_PID
	wait_until 5 test -S "$HOST_SOCKET"
}

# nest_stop: SIGTERM and expect exit status 0; sets NEST_STATUS.
nest_stop() {
	if [ "${VIRTWL_DIRECT:-0}" = 1 ] || [ -z "${NEST_PID:-}" ]; then
		NEST_STATUS=0
		return 0
	fi
	# clients started after wlnest go first
	_seen=0
	_later=""
	for _p in $_tracked_pids; do
		[ $_seen = 1 ] && _later="$_p $_later"
		[ "$_p" = "$NEST_PID" ] && _seen=1
	done
	for _p in $_later; do stop_pid "$_p" >/dev/null 2>&1; done
	if ! alive "$NEST_PID"; then
		wait "$NEST_PID" 2>/dev/null
		NEST_STATUS=$?
		echo "# wlnest had already exited with status $NEST_STATUS"
		_untrack "$NEST_PID"
	else
		stop_pid "$NEST_PID" TERM
		NEST_STATUS=$?
	fi
	NEST_PID=""
	[ "$NEST_STATUS" -eq 0 ]
}

# nest_x_display: the X11 display wlnest -v reported ready (":N")
nest_x_display() {
	sed -n 's/.*X11 display \(:[0-9]*\) ready.*/\1/p' "$NEST_LOG" | head -n 1
}

# nest_x_start ARGS...: nest_start -X -v ARGS; XDISPLAY is then the X11
# display it reports.  1 when it does not start or reports none (then
# stopped).
nest_x_start() {
	nest_start -X -v "$@" || return 1
	wait_until 10 grep -q "X11 display :[0-9]* ready" "$NEST_LOG"
	XDISPLAY=$(nest_x_display)
	[ -n "$XDISPLAY" ] && return 0
	nest_stop
	return 1
}

# xterm_go_spawn NAME: spawns xterm as an X client of $XDISPLAY, green
# background and red text, writing its X window id to $T/windowid; it
# prints "first line", and 20 lines more once $T/go exists
xterm_go_spawn() {
	rm -f "$T/go" "$T/windowid"
	x_spawn "$1" \
		xterm -bg '#00ff00' -fg '#ff0000' -e sh -c "
			echo \"\$WINDOWID\" >'$T/windowid'
			echo first line
			while [ ! -e '$T/go' ]; do sleep 0.1; done
			i=0
			while [ \$i -lt 20 ]; do echo \"later line \$i of text\"; i=\$((i + 1)); done
			exec sleep 600"
}

# x_run CMD...: runs CMD as an X client of wlnest's display $XDISPLAY
x_run() {
	env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" "$@"
}

# x_spawn NAME CMD...: spawn, as an X client of $XDISPLAY
x_spawn() {
	_xname=$1
	shift
	spawn "$_xname" env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" "$@"
}

guest_run() {
	env -u DISPLAY XDG_RUNTIME_DIR="$NEST_RT" WAYLAND_DISPLAY="$NEST_DISPLAY" "$@"
}

shot() {
	_out=$1
	_shot_n=$((_shot_n + 1))
	case $HOST_KIND in
	sway | cage)
		case $_out in
		*.png) host_run grim -t png "$_out" ;;
		*) host_run grim -t ppm "$_out" ;;
		esac
		;;
	weston)
		# wshot, not weston-screenshooter: that one writes the
		# framebuffer's pixels as premultiplied ARGB, and pixels of XRGB
		# content whose unused byte is 0 come out black
		case $_out in
		*.png)
			_ppm=$T/shot-$_shot_n.ppm
			host_run "$TOOLS/wshot" --timeout $((10 * TIME_SCALE)) "$_ppm" &&
				"$PIXCHECK" convert "$_ppm" "$_out"
			_r=$?
			rm -f "$_ppm"
			return $_r
			;;
		*) host_run "$TOOLS/wshot" --timeout $((10 * TIME_SCALE)) "$_out" ;;
		esac
		;;
	esac
}

_pixels_once() {
	shot "$T/poll.ppm" 2>/dev/null && "$PIXCHECK" "$T/poll.ppm" "$@" >/dev/null
}

# wait_pixels SECS NAME CHECK...: returns 0 once a screenshot satisfies the
# checks; otherwise prints pixcheck's report for the last shot (and saves
# it as LOGDIR/NAME-shot.png and -diff.png) and returns 1.
wait_pixels() {
	_secs=$1
	_pname=$2
	shift 2
	wait_until "$_secs" _pixels_once "$@" && return 0
	shot "$T/last.ppm" && "$PIXCHECK" --save "$LOGDIR/$_pname" "$T/last.ppm" "$@"
	return 1
}

# Evdev codes for the characters type_text can send on weston.
_evdev_code() {
	case $1 in
	[aA]) echo 30 ;; [bB]) echo 48 ;; [cC]) echo 46 ;; [dD]) echo 32 ;;
	[eE]) echo 18 ;; [fF]) echo 33 ;; [gG]) echo 34 ;; [hH]) echo 35 ;;
	[iI]) echo 23 ;; [jJ]) echo 36 ;; [kK]) echo 37 ;; [lL]) echo 38 ;;
	[mM]) echo 50 ;; [nN]) echo 49 ;; [oO]) echo 24 ;; [pP]) echo 25 ;;
	[qQ]) echo 16 ;; [rR]) echo 19 ;; [sS]) echo 31 ;; [tT]) echo 20 ;;
	[uU]) echo 22 ;; [vV]) echo 47 ;; [wW]) echo 17 ;; [xX]) echo 45 ;;
	[yY]) echo 21 ;; [zZ]) echo 44 ;;
	1) echo 2 ;; 2) echo 3 ;; 3) echo 4 ;; 4) echo 5 ;; 5) echo 6 ;;
	6) echo 7 ;; 7) echo 8 ;; 8) echo 9 ;; 9) echo 10 ;; 0) echo 11 ;;
	' ') echo 57 ;; -) echo 12 ;; .) echo 52 ;; ,) echo 51 ;; /) echo 53 ;;
	*) return 1 ;;
	esac
}

# _fifo_keys TEXT: the FIFO commands typing TEXT (letters, digits, space,
# - . , /; upper case with shift) and then Return.
_fifo_keys() {
	_s=$1
	while [ -n "$_s" ]; do
		_c=$(printf '%s' "$_s" | cut -c1)
		_s=$(printf '%s' "$_s" | cut -c2-)
		_code=$(_evdev_code "$_c") || {
			echo "type_text: cannot type '$_c'" >&2
			return 1
		}
		case $_c in
		[A-Z]) printf 'key 42 1\nkey %s 1\nkey %s 0\nkey 42 0\n' "$_code" "$_code" ;;
		*) printf 'key %s 1\nkey %s 0\n' "$_code" "$_code" ;;
		esac
	done
	printf 'key 28 1\nkey 28 0\n'
}

type_text() {
	case $HOST_KIND in
	sway) host_run wtype -s 150 "$1" -k Return ;;
	weston)
		_keys=$(_fifo_keys "$1") || return 1
		printf '%s\n' "$_keys" >"$INJECT"
		;;
	*) return 1 ;;
	esac
}

key() {
	[ -n "${INJECT:-}" ] || return 1
	printf 'key %s 1\nkey %s 0\n' "$1" "$1" >"$INJECT"
}

# wait_clear [SECS]: waits until the host shows nothing but its background
# (a stopped client's window disappears a frame or so after it exits) and,
# once a test has moved the pointer, the host's cursor: at most 32x32.
_clear_once() {
	shot "$T/clear.ppm" 2>/dev/null || return 1
	"$PIXCHECK" "$T/clear.ppm" "count:$HOST_BG=$((HOST_W * HOST_H))" >/dev/null ||
		"$PIXCHECK" "$T/clear.ppm" "otherbbox:$HOST_BG<=32,32" >/dev/null
}
wait_clear() {
	wait_until "${1:-5}" _clear_once
}

# stop_client PID: stops a client and waits for its window to go.
stop_client() {
	stop_pid "$1"
	wait_clear
}

# fail_logs NAME [FILE...]: a failed check, with the ends of the wlnest and
# host logs (and any FILEs) as diagnostics.
fail_logs() {
	_fname=$1
	shift
	tap_fail "$_fname"
	for _f in "$@" "${NEST_LOG:-}" "${HOST_LOG:-}"; do
		[ -n "$_f" ] && log_excerpt "$_f" 12
	done
}

# host_globals: "INTERFACE VERSION" lines, sorted, of wayland-info's output
# on stdin.
parse_globals() {
	sed -n "s/^interface: '\([^']*\)', *version: *\([0-9]*\),.*/\1 \2/p" | sort
}

# check_nest_stop HOST: stops wlnest and reports whether it exited 0 (so
# LeakSanitizer ran and found nothing, under sanitizers).
check_nest_stop() {
	if [ "${VIRTWL_DIRECT:-0}" = 1 ]; then
		tap_skip "$1: wlnest exits 0 on SIGTERM" "direct mode, no wlnest"
		return 0
	fi
	if nest_stop; then
		tap_ok "$1: wlnest exits 0 on SIGTERM"
	else
		fail_logs "$1: wlnest exits 0 on SIGTERM (status $NEST_STATUS)"
		return 1
	fi
}

# ---- window frames: a title bar above a window of one colour ----

# win_box COLOUR: the "X Y W H" of that colour in a fresh screenshot
# ($T/g.ppm)
win_box() {
	shot "$T/g.ppm" && "$PIXCHECK" locate "$T/g.ppm" "$1"
}

# win_at COLOUR "X Y W H": the window of that colour is exactly there
win_at() {
	[ "$(win_box "$1")" = "$2" ]
}

# win_maximized COLOUR: the window is as wide as the output and reaches
# its bottom, below a bar at the top
win_maximized() {
	set -- $(win_box "$1")
	[ $# -eq 4 ] && [ "$1" = 0 ] && [ "$3" = "$HOST_W" ] &&
		[ "$2" -gt 10 ] && [ $(($2 + $4)) = "$HOST_H" ]
}

# title_bar_checks "X Y W H" COLOUR: pixcheck's checks of a title bar
# above the content at X Y W H, of that colour: 10 rows ending 4 rows
# above it, as wide, with neither the background nor the content's
# colour, and several colours (the title; libdecor centres it, its
# buttons are at the right end) in their middle
title_bar_checks() {
	set -- $1 "$2"
	echo "without:$1,$(($2 - 14)),$3,10=$HOST_BG" \
		"without:$1,$(($2 - 14)),$3,10=$5" \
		"colours:$(($1 + $3 / 2 - 60)),$(($2 - 14)),120,10>=6"
}

# title_bar_drag "X Y W H" [DELAY]: presses on the left part of the title
# bar above that content, clear of the buttons, drags it by 100 and 60
# pixels towards the middle of the output in 8 steps DELAY seconds apart
# (default 0.08), releases, and moves the pointer out of the way.  Sets
# DRAG_DX and DRAG_DY, and DRAG_WANT, where the content should now be.
title_bar_drag() {
	set -- $1 "${2:-0.08}"
	_px=$(($1 + 40))
	_py=$(($2 - 10))
	DRAG_DX=100
	DRAG_DY=60
	[ $(($1 + $3 / 2)) -gt $((HOST_W / 2)) ] && DRAG_DX=-100
	[ $(($2 + $4 / 2)) -gt $((HOST_H / 2)) ] && DRAG_DY=-60
	DRAG_WANT="$(($1 + DRAG_DX)) $(($2 + DRAG_DY)) $3 $4"
	pointer_move $_px $_py
	sleep 0.3
	printf 'button 272 1\n' >"$INJECT"
	sleep 0.3
	for _step in 1 2 3 4 5 6 7 8; do
		pointer_move $((_px + _step * DRAG_DX / 8)) $((_py + _step * DRAG_DY / 8))
		sleep "$5"
	done
	sleep 0.2
	printf 'button 272 0\n' >"$INJECT"
	# its cursor would touch the window (it stays once the pointer moved)
	pointer_move $((HOST_W - 2)) $((HOST_H - 2))
	sleep 0.2
}

pointer_move() {
	[ -n "${INJECT:-}" ] || return 1
	printf 'motion %s %s\n' "$1" "$2" >"$INJECT"
}

pointer_click() {
	[ -n "${INJECT:-}" ] || return 1
	printf 'button 272 1\nbutton 272 0\n' >"$INJECT"
}

# point_of IMAGE COLOUR: "X Y" of a spot well inside the colour's area
# (windows may overlap: the bounding box's centre may be covered)
point_of() {
	_img=$1
	_col=$2
	set -- $("$PIXCHECK" locate "$_img" "$_col" 2>/dev/null)
	[ $# -eq 4 ] || return 1
	for _f in "2 2" "1 1" "3 1" "1 3" "3 3"; do
		set -- "$1" "$2" "$3" "$4" $_f
		_px=$(($1 + $3 * $5 / 4))
		_py=$(($2 + $4 * $6 / 4))
		if "$PIXCHECK" "$_img" "origin:$((_px - 4)),$((_py - 4))" \
			"rect:0,0,9,9=$_col" >/dev/null 2>&1; then
			echo "$_px $_py"
			return 0
		fi
	done
	return 1
}

# pointer_drag X1 Y1 X2 Y2 STARTED ENTERED: a drag with the host pointer:
# press at X1,Y1, wait until the command STARTED succeeds (the client
# began its drag), move to X2,Y2 in steps, wait until ENTERED succeeds
# (the target has the drag over it), release.
pointer_drag() {
	pointer_move "$1" "$2"
	sleep 0.3
	printf 'button 272 1\n' >"$INJECT"
	wait_until 10 "$5"
	sleep 0.2
	for _s in 1 2 3 4 5 6 7 8; do
		pointer_move $(($1 + ($3 - $1) * _s / 8)) $(($2 + ($4 - $2) * _s / 8))
		sleep 0.05
	done
	wait_until 10 "$6"
	printf 'button 272 0\n' >"$INJECT"
}
