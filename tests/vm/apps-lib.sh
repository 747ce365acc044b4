# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Boots the end-to-end guest image (build/vm/apps: the default apps plus
# the test clients, made by rootfs/mkrootfs.sh) with wlvm and drives its
# guest through the serial console: the guest command is a small agent
# that reads "N COMMAND" lines, runs each COMMAND with the guest's shell
# (WAYLAND_DISPLAY and DISPLAY lead to wlnest) and answers with its output
# and "@@DONE N STATUS".  Source tests/lib.sh and tests/host/lib.sh first
# (host_init sets $T).
#
#   avm_check            0 when wlvm, its QEMU, the kernel and the image
#                        are there; else prints why
#   avm_require WHAT [COMMAND...]   avm_check, and the host COMMANDs
#                        installed: else WHAT is skipped, saying why, and
#                        the test ends
#   avm_boot WLVM-ARGS…  boots (console in $AVM_LOG); returns once the
#                        agent answers, 1 when it does not
#   avm_host_boot HOST [HOST-ARGS…] [-- WLVM-ARGS…]   host_start HOST, then
#                        avm_boot under TCG on its socket; when either
#                        fails, says so and ends the test
#   g COMMAND            runs COMMAND in the guest and returns its status;
#                        its output (stdout and stderr) is in $AVM_OUT
#   g_bg NAME COMMAND    starts COMMAND (shell syntax, words joined by
#                        spaces like g's) in the guest's background: output
#                        in the guest's /tmp/NAME.log, pid in /tmp/NAME.pid
#   g_kill NAME [SIG]    signals a background command (default TERM)
#   g_wait_log NAME SECS PATTERN   polls the guest's /tmp/NAME.log for an
#                        extended regex
#   avm_poweroff         ends the agent: the guest powers off; waits for
#                        wlvm and sets AVM_STATUS (its exit status)
#   avm_poweroff_check [PREFIX]   avm_poweroff, then a check that the guest
#                        powered off cleanly, wlnest never died and wlvm
#                        exited 0
#   avm_qemu_pid         the QEMU process wlvm runs (its sandbox hides it)
#   guest_ok COMMAND     g without output, as a wait_until predicate
#   glog NAME            a background command's log as TAP comments
#   bench_logdir NAME    for a benchmark: host_init, with the logs in
#                        $VIRTWL_BUILD/bench-logs/NAME, emptied
#   bench_nullhost       starts nullhost on $HRT/null-0 (NULL_PID,
#                        NULL_LOG); exits 1 if it does not listen
#   gfail TEST NAME...   a failed check with those logs, wlnest's and the
#                        host's

AVM_DIR=$VIRTWL_BUILD/vm/apps
AVM_WLVM=${VIRTWL_WLVM:-$VIRTWL_BUILD/wlvm}
AVM_KO=$VIRTWL_BUILD/virtio_wl.ko
AVM_PID=
AVM_N=0
AVM_TIMEOUT=${VIRTWL_AVM_TIMEOUT:-60}

avm_kver() {
	modinfo -F vermagic "$AVM_KO" 2>/dev/null | cut -d' ' -f1
}

avm_check() {
	_kv=$(avm_kver)
	if [ ! -x "$AVM_WLVM" ]; then
		echo "wlvm is not built ($AVM_WLVM)"
		return 1
	fi
	if [ -z "$_kv" ] || [ ! -f "/boot/vmlinuz-$_kv" ]; then
		echo "no guest kernel /boot/vmlinuz-$_kv for virtio_wl.ko"
		return 1
	fi
	if [ ! -f "$AVM_DIR/rootfs.squashfs" ] || [ ! -f "$AVM_DIR/initramfs.cpio.gz" ]; then
		echo "the guest image $AVM_DIR is not built (make check-programs)"
		return 1
	fi
	# wlvm would build its QEMU on first use; do it here so that a
	# machine that cannot (no deb-src access) skips instead of failing.
	_bq=$VIRTWL_TOP/host/qemu/build-qemu.sh
	if [ -z "${VIRTWL_QEMU:-}" ] && [ -x "$_bq" ] && ! "$_bq" --path >/dev/null; then
		if ! _out=$("$_bq" 2>&1); then
			echo "QEMU with virtio-wl-pci cannot be built here: $(echo "$_out" | tail -1)"
			return 1
		fi
	fi
	return 0
}

avm_require() {
	_what=$1
	shift
	if ! _why=$(avm_check); then
		tap_skip "$_what" "$_why"
		tap_done
		exit 0
	fi
	for _c in "$@"; do
		if ! command -v "$_c" >/dev/null; then
			tap_skip "$_what" "$_c is not installed (make deps)"
			tap_done
			exit 0
		fi
	done
}

# The agent: echo off (the host's lines are not repeated), one marker
# when ready, then one command per line.  Commands read nothing from the
# console, which carries only the protocol.
AVM_AGENT='stty -echo; echo "@@AGENT ready"; while read -r n c; do [ "$c" = exit ] && break; (eval "$c") </dev/null >/tmp/.o 2>&1; r=$?; echo "@@OUT $n"; cat /tmp/.o; echo "@@DONE $n $r"; done'

# avm_boot WLVM-ARGS...: boots with the console on a FIFO and a log.
avm_boot() {
	AVM_LOG=$LOGDIR/console-$(date +%s%N).log
	AVM_IN=$T/avm-in
	rm -f "$AVM_IN"
	mkfifo "$AVM_IN"
	# held open read-write: wlvm never sees EOF, our writes never block
	exec 7<>"$AVM_IN"
	: >"$AVM_LOG"
	AVM_N=0
	rm -f "$T/qemu.pid"
	"$AVM_WLVM" -k "/boot/vmlinuz-$(avm_kver)" -i "$AVM_DIR/initramfs.cpio.gz" \
		-d "$AVM_DIR/rootfs.squashfs" -m 768M --pid-file "$T/qemu.pid" \
		"$@" -- sh -c "$AVM_AGENT" \
		<"$AVM_IN" >"$AVM_LOG" 2>&1 &
	AVM_PID=$!
	_track $AVM_PID
	if ! wait_until $((AVM_TIMEOUT * 2)) _avm_has '^@@AGENT ready'; then
		echo "# the guest agent did not start"
		log_excerpt "$AVM_LOG" 30
		return 1
	fi
}

avm_host_boot() {
	_host_args=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_host_args="$_host_args $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086 # words, as given
	if ! host_start $_host_args; then
		fail_logs "${_host_args# } starts"
		tap_done
		exit 0
	fi
	if ! avm_boot --accel tcg --wayland-sock "$HOST_SOCKET" --append quiet "$@"; then
		tap_fail "the guest boots and its agent answers"
		avm_poweroff
		host_stop
		tap_done
		exit 0
	fi
}

_avm_has() {
	tr -d '\r' <"$AVM_LOG" | grep -qE "$1"
}

_avm_done() {
	alive "$AVM_PID" || return 0
	_avm_has "^@@DONE $1 "
}

# g COMMAND: the guest's exit status; output in AVM_OUT.
g() {
	AVM_N=$((AVM_N + 1))
	_n=$AVM_N
	AVM_OUT=
	if [ -z "$AVM_PID" ] || ! alive "$AVM_PID"; then
		echo "# g: the VM is not running: $*"
		return 255
	fi
	printf '%s %s\n' "$_n" "$*" >&7
	# Its own loop, not wait_until: g is called from wait_until
	# predicates, and wait_until keeps its deadline in globals.
	_g_end=$(($(date +%s) + AVM_TIMEOUT))
	_g_delay=0.01
	until _avm_done "$_n"; do
		if [ "$(date +%s)" -ge $_g_end ]; then
			echo "# g: no answer in $AVM_TIMEOUT s to: $*"
			return 254
		fi
		sleep $_g_delay
		_g_delay=0.05
	done
	AVM_OUT=$(tr -d '\r' <"$AVM_LOG" | sed -n "/^@@OUT $_n\$/,/^@@DONE $_n /p" | sed '1d;$d')
	_st=$(tr -d '\r' <"$AVM_LOG" | sed -n "s/^@@DONE $_n \([0-9]*\)\$/\1/p")
	[ -n "$_st" ] || { echo "# g: the VM ended during: $*"; return 253; }
	return "$_st"
}

g_bg() {
	_name=$1
	shift
	# no subshell: $! is the program itself
	g "$* >/tmp/$_name.log 2>&1 & echo \$! >/tmp/$_name.pid"
}

g_kill() {
	g "kill -${2:-TERM} \$(cat /tmp/$1.pid)"
}

# g_alive NAME: the background command runs (a zombie does not count)
g_alive() {
	g "s=\$(cut -d' ' -f3 /proc/\$(cat /tmp/$1.pid)/stat) && [ \"\$s\" != Z ]"
}

# g_sock_wait NAME [TENTHS]: guest shell that waits up to TENTHS tenths of
# a second (default 50) for the socket NAME in the guest's runtime dir,
# and fails if it did not come
g_sock_wait() {
	echo "i=0; while [ ! -S \$XDG_RUNTIME_DIR/$1 ] && [ \$i -lt \$((${2:-50} * 2)) ]; do sleep 0.05; i=\$((i + 1)); done; [ -S \$XDG_RUNTIME_DIR/$1 ]"
}

_g_log_has() {
	g "grep -qE '$2' /tmp/$1.log"
}

g_wait_log() {
	wait_until "$2" _g_log_has "$1" "$3"
}

# avm_poweroff: the agent's loop ends, the guest's init powers off.
avm_poweroff() {
	AVM_STATUS=255
	[ -n "$AVM_PID" ] || return 1
	printf '0 exit\n' >&7
	_i=0
	while alive "$AVM_PID" && [ $_i -lt $((AVM_TIMEOUT * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if alive "$AVM_PID"; then
		stop_pid "$AVM_PID" KILL
		AVM_STATUS=$?
	else
		wait "$AVM_PID"
		AVM_STATUS=$?
		_untrack "$AVM_PID"
	fi
	AVM_PID=
	exec 7>&-
	rm -f "$AVM_IN"
	return 0
}

avm_poweroff_check() {
	avm_poweroff
	if [ "$AVM_STATUS" -eq 0 ] && _avm_has '^virtwl: powering off' &&
		! _avm_has 'wlnest exited with status'; then
		tap_ok "${1:-}the guest powers off cleanly; wlvm exits 0"
	else
		tap_fail "${1:-}the guest powers off cleanly; wlvm exits 0 (status $AVM_STATUS)"
		log_excerpt "$AVM_LOG" 20
	fi
}

# The QEMU that wlvm runs (in its sandbox).
avm_qemu_pid() {
	cat "$T/qemu.pid" 2>/dev/null
}

# fd_count PID: open fds of a process.
fd_count() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

# memfd_count PID: open shared memory of a process: memfds, and guest
# allocations (files on the tmpfs wlvm's sandbox gives QEMU).
memfd_count() {
	for _f in /proc/"$1"/fd/*; do
		readlink "$_f" 2>/dev/null
	done | grep -cE '^/memfd:|^/run/virtwl/alloc/'
}

# guest_ok CMD...: a guest command as a wait_until predicate
guest_ok() { g "$@" >/dev/null; }

# glog NAME: a guest client's log as TAP comments
glog() {
	g "tail -n 12 /tmp/$1.log" >/dev/null
	echo "# --- guest /tmp/$1.log"
	printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
}

# gfail NAME [GUEST-LOG...]: a failed check with the guest's logs
gfail() {
	_gn=$1
	shift
	tap_fail "$_gn"
	for _l in "$@"; do glog "$_l"; done
	g "tail -n 15 /run/wlnest.log" >/dev/null
	echo "# --- guest wlnest log"
	printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
	log_excerpt "$HOST_LOG" 8
}

bench_logdir() {
	host_init >/dev/null
	rmdir "$LOGDIR" 2>/dev/null
	LOGDIR=$VIRTWL_BUILD/bench-logs/$1
	rm -rf "$LOGDIR"
	mkdir -p "$LOGDIR"
}

bench_nullhost() {
	HRT=$T/host
	mkdir -m 700 "$HRT"
	spawn nullhost env XDG_RUNTIME_DIR="$HRT" "$TOOLS/nullhost" null-0
	NULL_PID=$SPAWNED_PID
	NULL_LOG=$LOGDIR/nullhost.log
	wait_until 10 test -S "$HRT/null-0" || { echo "nullhost did not start"; exit 1; }
}
