#!/bin/sh
# SPDX-License-Identifier: MIT
#
# End to end: guest apps on host compositors.  For each host (headless
# weston with the seat module, headless sway) one VM boots the test image
# (rootfs/mkrootfs.sh: the default apps plus the test clients) with wlvm
# under TCG; in the guest, wlnest reaches the host compositor through
# virtio_wl, and this script drives the guest over the serial console
# (tests/vm/apps-lib.sh).  Per host:
#   - the guest has no network device; the socket the operator named is
#     reachable, an unknown name fails with ENODEV (and wlnest asking for
#     it exits with that error)
#   - a solid-colour guest client, then a damaged update, pixel-exact
#   - a guest client killed mid-frame (SIGKILL while it commits frame after
#     frame: weston-simple-shm on weston, framebench on sway) and one dying
#     in the middle of a request leave wlnest and another client working
#   - weston-flower shows
#   - text typed on the host (weston seat FIFO, wtype on sway) reaches foot
#   - clipboard, 1 MiB byte-exact, guest -> host and host -> guest
#   - drag and drop of 1 MiB, guest -> host and host -> guest, the host
#     pointer dragging between a guest window and a host one (sway: weston's
#     kiosk shell shows one window at a time)
#   - xterm shows its contents (X11 through the guest's Xwayland)
#   - when the guest clients are gone QEMU holds no more fds or memfds
#     than before them; when the VM powers off, wlvm ends with status 0
#     and the host compositor is back to the fds and memfds it had
#     before the VM
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

avm_require "guest apps on host compositors"

SIZE=1048576

# wait_host_fds PID FDS MEMFDS: until the process is back to those counts
_host_fds_are() { [ "$(fd_count "$1")" -le "$2" ] && [ "$(memfd_count "$1")" -le "$3" ]; }

# explain_gaps HOST-FILE GUEST-FILE: which 64 KiB pieces of the host's
# file arrived in the guest's copy, in order (a relay that drops pieces
# shows as gaps).  Sets WHY (a short cause for the test's name, or empty)
# and writes its comments to $T/why.
explain_gaps() {
	g "wc -c <$2; n=\$(((\$(wc -c <$2) + 65535) / 65536)); k=0; while [ \$k -lt \$n ]; do dd if=$2 bs=65536 skip=\$k count=1 2>/dev/null | sha256sum | cut -c1-16; k=\$((k + 1)); done"
	_got=$(echo "$AVM_OUT" | head -n 1)
	echo "$AVM_OUT" | sed 1d >"$T/gap-guest"
	_pieces=$(($(wc -c <"$1") / 65536))
	_k=0
	while [ $_k -lt $_pieces ]; do
		dd if="$1" bs=65536 skip=$_k count=1 2>/dev/null | sha256sum | cut -c1-16
		_k=$((_k + 1))
	done >"$T/gap-host"
	_map=$(while read -r _s; do grep -n "^$_s\$" "$T/gap-host" | cut -d: -f1 | head -n 1; done <"$T/gap-guest" | tr '\n' ' ')
	WHY=
	echo "# received $_got of $(wc -c <"$1") bytes; the 64 KiB pieces that arrived, by their number in the original: $_map" >"$T/why"
	_n=$(echo "$_map" | wc -w)
	if [ "$_n" -gt 0 ] && [ "$_n" -eq "$(wc -l <"$T/gap-guest")" ] &&
		[ "$(echo "$_map" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" = "$_map" ]; then
		WHY="wlnest's pipe relay dropped $((_pieces - _n)) of $_pieces whole 64 KiB pieces"
		cat >>"$T/why" <<-EOF
		# every piece that arrived is intact and in order: whole pieces were dropped on the way
		# (wlnest's virtwl pipe relay, compositor/virtwl.c: while the guest client's pipe is full the
		#  relay stops asking for EPOLLIN, but epoll still reports EPOLLHUP once the host end has hung
		#  up; relay_readable then reads the next piece over the one not yet written)
		EOF
	fi
}

# xterm's window is there, or Xwayland is gone (wlnest logs why)
xterm_died() { g 'grep -q "Fatal server error" /run/wlnest.log'; }
xterm_shows_or_died() { _pixels_once "other:202020>=2000" || xterm_died; }

# stop_guest NAME: ends a guest client and waits for its window to go
stop_guest() {
	g_kill "$1" >/dev/null
	wait_clear 10
}

# lap WHAT: how long the last section took, as a TAP comment
lap() {
	_now=$(date +%s%N)
	tap_diag "$host: $1 took $(( (_now - _lap) / 1000000 )) ms"
	_lap=$_now
}

# the ends of a drag, for pointer_drag: dnd (tests/clients/dnd.c) in the
# guest (log /tmp/NAME.log there) or on the host (LOGDIR/NAME.log)
g_dnd_started() { _g_log_has dnd-src 'drag started'; }
g_dnd_entered() { _g_log_has dnd-tgt 'entered'; }
h_dnd_started() { grep -q 'drag started' "$LOGDIR/dnd-src-$host.log"; }
h_dnd_entered() { grep -q 'entered' "$LOGDIR/dnd-tgt-$host.log"; }

# dnd_windows NAME: both dnd windows show; sets FROM and TO, points inside
# the source (blue) and the target (green) window
dnd_windows() {
	FROM=""
	TO=""
	wait_pixels 40 "$1" "count:0000C0>=2000" "count:00C000>=2000" &&
		shot "$T/dnd.ppm" && FROM=$(point_of "$T/dnd.ppm" 0000C0) &&
		TO=$(point_of "$T/dnd.ppm" 00C000)
}

vm_dnd() {
	# guest -> host
	name="$1: drag and drop guest -> host, 1 MiB byte-exact"
	mime=application/x-virtwl-dnd-g2h
	g "head -c $SIZE /dev/urandom >/tmp/dg && sha256sum /tmp/dg"
	sum_g=$(echo "$AVM_OUT" | cut -d' ' -f1)
	rm -f "$T/dg.got"
	spawn "dnd-tgt-$1" host_run "$TOOLS/dnd" target "$T/dg.got" --mime $mime --timeout 90
	tpid=$SPAWNED_PID
	g_bg dnd-src dnd source /tmp/dg --mime $mime
	if ! dnd_windows "dnd-g2h-$1"; then
		gfail "$name (the two windows never showed apart)" dnd-src
	else
		# shellcheck disable=SC2086 # two words each
		pointer_drag $FROM $TO g_dnd_started h_dnd_entered
		if wait_until 40 sh -c "! kill -0 $tpid 2>/dev/null" && wait "$tpid" &&
			[ "$(sha256sum <"$T/dg.got" | cut -d' ' -f1)" = "$sum_g" ] &&
			g_wait_log dnd-src 20 'drag finished'; then
			tap_ok "$name"
		else
			log_excerpt "$LOGDIR/dnd-tgt-$1.log"
			gfail "$name (received $(wc -c <"$T/dg.got" 2>/dev/null || echo 0) bytes)" dnd-src
		fi
	fi
	g_kill dnd-src >/dev/null
	stop_pid "$tpid"
	pointer_move 0 0
	wait_clear 10

	# host -> guest
	name="$1: drag and drop host -> guest, 1 MiB byte-exact"
	mime=application/x-virtwl-dnd-h2g
	head -c $SIZE /dev/urandom >"$T/dh"
	sum_h=$(sha256sum <"$T/dh" | cut -d' ' -f1)
	g "rm -f /tmp/dh"
	g_bg dnd-tgt dnd target /tmp/dh --mime $mime --timeout 90
	spawn "dnd-src-$1" host_run "$TOOLS/dnd" source "$T/dh" --mime $mime
	spid=$SPAWNED_PID
	if ! dnd_windows "dnd-h2g-$1"; then
		gfail "$name (the two windows never showed apart)" dnd-tgt
	else
		# shellcheck disable=SC2086 # two words each
		pointer_drag $FROM $TO h_dnd_started g_dnd_entered
		if g_wait_log dnd-tgt 40 'dropped' && g "sha256sum /tmp/dh" &&
			[ "$(echo "$AVM_OUT" | tail -n 1 | cut -d' ' -f1)" = "$sum_h" ] &&
			wait_until 20 grep -q 'drag finished' "$LOGDIR/dnd-src-$1.log"; then
			tap_ok "$name"
		else
			log_excerpt "$LOGDIR/dnd-src-$1.log"
			gfail "$name" dnd-tgt
		fi
	fi
	g_kill dnd-tgt >/dev/null
	stop_pid "$spid"
	pointer_move 0 0
	wait_clear 10
}

# The host compositor crashes and starts again on the same socket while
# the VM runs: the guest's wlnest waits, turns clients away meanwhile with
# a message, and a guest app started afterwards shows on the new host.
vm_host_restart() {
	stop_pid "$HOST_PID" KILL
	rm -f "$HOST_SOCKET"
	if g_wait_log_file 15 /run/wlnest.log 'waiting for it to come back'; then
		tap_ok "$host: the host compositor killed, the guest's wlnest waits for it"
	else
		gfail "$host: the host compositor killed, the guest's wlnest waits for it"
	fi
	g 'timeout 10 solid --color 00ff00 --size 64x64'
	if echo "$AVM_OUT" | grep -q 'host compositor is away'; then
		tap_ok "$host: a guest app meanwhile is told the host is away"
	else
		tap_fail "$host: a guest app meanwhile is told the host is away"
		printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
	fi
	# (not with the console's fd: the fd counts below compare)
	if ! host_start "$host" 7>&-; then
		fail_logs "$host: the host compositor starts again on the same socket"
		return
	fi
	hpid=$HOST_PID
	if g_wait_log_file 15 /run/wlnest.log 'host compositor is back' &&
		g_bg solid2 solid --color ff00ff --size 160x120 &&
		wait_pixels 30 "restart-$host" "count:FF00FF=$((160 * 120))"; then
		tap_ok "$host: after the host's restart a new guest app shows on it"
	else
		gfail "$host: after the host's restart a new guest app shows on it" solid2
	fi
	stop_guest solid2
}

_g_file_has() {
	g "grep -qE '$2' $1"
}

g_wait_log_file() {
	wait_until "$1" _g_file_has "$2" "$3"
}

run_host() {
	host=$1
	if ! host_start "$host"; then
		fail_logs "$host: host compositor starts"
		return
	fi
	hpid=$HOST_PID
	base_fds=$(fd_count "$hpid")
	base_memfds=$(memfd_count "$hpid")
	t0=$(date +%s)
	if ! avm_boot --accel tcg --wayland-sock "$HOST_SOCKET" \
		--wayland-sock "extra=$HOST_SOCKET" --name vmtest --append quiet; then
		tap_fail "$host: the guest boots and its agent answers"
		avm_poweroff
		host_stop
		return
	fi
	tap_ok "$host: the guest boots and its agent answers ($(($(date +%s) - t0)) s)"
	_lap=$(date +%s%N)
	qpid=$(avm_qemu_pid)

	# ---- isolation ----
	if g wl-probe net; then
		tap_ok "$host: the guest has no network device"
	else
		tap_fail "$host: the guest has no network device"
		echo "$AVM_OUT" | sed 's/^/# /'
	fi
	# the session: apps and wlnest as uid 1000, no capabilities, no way
	# to gain any; the runtime dir is the user's alone
	if g 'id -u; id -g; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status; stat -c "rt %a %u" "$XDG_RUNTIME_DIR"; stat -c "wlnest %u" /proc/$(pidof wlnest); stat -c "wl0 %u %a" /dev/wl0' &&
		[ "$(echo "$AVM_OUT" | sed -n 1,2p | tr '\n' ' ')" = "1000 1000 " ] &&
		echo "$AVM_OUT" | grep -qE '^CapEff:[[:space:]]+0+$' &&
		echo "$AVM_OUT" | grep -qE '^CapBnd:[[:space:]]+0+$' &&
		echo "$AVM_OUT" | grep -qE '^NoNewPrivs:[[:space:]]+1$' &&
		echo "$AVM_OUT" | grep -qx 'rt 700 1000' &&
		echo "$AVM_OUT" | grep -qx 'wlnest 1000' &&
		echo "$AVM_OUT" | grep -qx 'wl0 1000 600'; then
		tap_ok "$host: guest apps and wlnest run as uid 1000 with no capabilities and no_new_privs"
	else
		tap_fail "$host: guest apps and wlnest run as uid 1000 with no capabilities and no_new_privs"
		echo "$AVM_OUT" | sed 's/^/# /'
	fi
	if g wl-probe ctx extra && echo "$AVM_OUT" | grep -q ': ok$'; then
		tap_ok "$host: the socket the operator named is reachable"
	else
		tap_fail "$host: the socket the operator named is reachable: $AVM_OUT"
	fi
	# make bench's bare relay (vm-frames): round trips through it reach
	# the host compositor
	g "wl-probe relay t-relay >/tmp/relay.log 2>&1 & p=\$!; $(g_sock_wait t-relay); WAYLAND_DISPLAY=t-relay wl-probe rtt --wayland --count 20; r=\$?; kill \$p; rm -f \$XDG_RUNTIME_DIR/t-relay; exit \$r"
	if echo "$AVM_OUT" | grep -q '^wl-probe: rtt mode=wayland n=20 us=[0-9]'; then
		tap_ok "$host: round trips through wl-probe relay reach the host"
	else
		tap_fail "$host: round trips through wl-probe relay reach the host: $AVM_OUT"
	fi
	g wl-probe ctx not-given
	if echo "$AVM_OUT" | grep -q 'ctx not-given: ENODEV'; then
		tap_ok "$host: a socket name the operator did not give fails with ENODEV"
	else
		tap_fail "$host: a socket name the operator did not give fails with ENODEV: $AVM_OUT"
	fi
	if ! g 'XDG_RUNTIME_DIR=/tmp wlnest --virtwl-socket not-given --socket w-ng -- true' &&
		echo "$AVM_OUT" | grep -q 'No such device'; then
		tap_ok "$host: wlnest asking for that name exits with the error"
	else
		tap_fail "$host: wlnest asking for that name exits with the error: $AVM_OUT"
	fi
	# QEMU's fds once the guest is up: the clients below must give back
	# everything they take.
	q_fds=$(fd_count "$qpid")
	q_memfds=$(memfd_count "$qpid")

	lap "isolation"
	# ---- a solid-colour client, pixel-exact ----
	g_bg solid solid --color 00ff00 --size 160x120 --update 20,30,40,24=0000ff
	if wait_pixels 30 "solid-$host" "origin:00FF00" "rect:20,30,40,24=0000FF" \
		"count:00FF00=$((160 * 120 - 40 * 24))" "bbox:0000FF=40,24"; then
		tap_ok "$host: a solid-colour guest client and its damaged update show pixel-exact"
	else
		gfail "$host: a solid-colour guest client and its damaged update show pixel-exact" solid
	fi

	# wlvm --name: the host knows whose window it is (sway says).
	if [ "$host" = sway ]; then
		if swaymsg_host -t get_tree 2>/dev/null |
			grep -q '"name": "\[vmtest\] solid"' &&
			swaymsg_host -t get_tree 2>/dev/null | grep -q '"app_id": "vmtest.solid"'; then
			tap_ok "$host: wlvm --name vmtest: the guest window is \"[vmtest] solid\", app id vmtest.solid"
		else
			tap_fail "$host: wlvm --name vmtest: the guest window is \"[vmtest] solid\""
			swaymsg_host -t get_tree 2>/dev/null | grep -E '"(name|app_id)"' | sed 's/^/# /'
		fi
	fi

	lap "solid"
	# ---- clients dying mid-frame ----
	# A client committing frame after frame: framebench's 1920x1080
	# frames do not fit kiosk-shell's 800x600 fullscreen (weston ends
	# such a client), weston-simple-shm aborts on sway.
	case $host in
	weston) g_bg fb weston-simple-shm ;;
	*) g_bg fb framebench --seconds 60 ;;
	esac
	if ! wait_pixels 30 "fb-$host" "other:202020>=20000" >/dev/null; then
		glog fb
	fi
	# frames keep coming: the kill lands in the middle of one
	sleep 1
	g_kill fb KILL
	g 'rogue half-request'
	st=$?
	if [ $st -eq 137 ] && echo "$AVM_OUT" | grep -q 'sent 6 of 8 bytes'; then
		tap_ok "$host: guest clients killed mid-frame and mid-request"
	else
		tap_fail "$host: guest clients killed mid-frame and mid-request (rogue status $st)"
		echo "$AVM_OUT" | sed 's/^/# /'
	fi
	if g 'kill -0 $(pidof wlnest)' && g_alive solid &&
		! g 'grep -q "display error" /tmp/solid.log'; then
		tap_ok "$host: wlnest and the other guest client live on"
	else
		gfail "$host: wlnest and the other guest client live on" solid
	fi
	g_kill solid >/dev/null
	g_bg solid2 solid --color ff00ff --size 120x90 --update 10,10,20,20=0000ff
	if wait_pixels 30 "solid2-$host" "origin:FF00FF" "rect:10,10,20,20=0000FF" \
		"count:FF00FF=$((120 * 90 - 400))"; then
		tap_ok "$host: a new guest client maps and updates pixel-exact afterwards"
	else
		gfail "$host: a new guest client maps and updates pixel-exact afterwards" solid2
	fi
	stop_guest solid2

	lap "robustness"
	# ---- weston-flower ----
	g_bg flower weston-flower
	if wait_pixels 40 "flower-$host" "other:202020>=2000"; then
		tap_ok "$host: weston-flower shows"
	else
		gfail "$host: weston-flower shows" flower
	fi
	stop_guest flower

	lap "flower"
	# ---- typing into foot ----
	g_bg foot "foot -o dpi-aware=no sh -c 'cat >/tmp/typed'"
	line="Typed on $host into foot 42"
	if ! wait_pixels 40 "foot-$host" "other:202020>=5000" ||
		! wait_until 20 guest_ok test -e /tmp/typed; then
		gfail "$host: text typed on the host reaches foot in the guest (no foot window)" foot
	else
		type_text "$line"
		if wait_until 20 guest_ok "grep -qx '$line' /tmp/typed"; then
			tap_ok "$host: text typed on the host reaches foot in the guest"
		else
			g 'od -c /tmp/typed | head -n 4'
			gfail "$host: text typed on the host reaches foot in the guest (got: $AVM_OUT)" foot
		fi
	fi
	stop_guest foot

	lap "foot"
	# ---- clipboard both ways ----
	mime=application/x-virtwl-g2h-$host
	g "head -c $SIZE /dev/urandom >/tmp/g2h && sha256sum /tmp/g2h"
	sum_g=$(echo "$AVM_OUT" | cut -d' ' -f1)
	g_bg clipc clip copy /tmp/g2h --mime "$mime"
	name="$host: clipboard guest -> host, 1 MiB byte-exact"
	if ! g_wait_log clipc 40 'offered as'; then
		gfail "$name (the guest client never got keyboard focus)" clipc
	elif wait_until 40 sh -c "
		env -u DISPLAY XDG_RUNTIME_DIR='$HOST_RT' WAYLAND_DISPLAY='$HOST_DISPLAY' \
		timeout 30 wl-paste -n -t '$mime' >'$T/g2h.got' 2>>'$LOGDIR/wl-paste.log' &&
		[ \"\$(sha256sum <'$T/g2h.got' | cut -d' ' -f1)\" = '$sum_g' ]"; then
		tap_ok "$name"
	else
		gfail "$name (received $(wc -c <"$T/g2h.got" 2>/dev/null || echo 0) bytes)" clipc
	fi
	stop_guest clipc

	lap "clipboard g2h"
	mime=application/x-virtwl-h2g-$host
	head -c $SIZE /dev/urandom >"$T/h2g"
	sum_h=$(sha256sum <"$T/h2g" | cut -d' ' -f1)
	SPAWN_STDIN=$T/h2g spawn "wl-copy-$host" host_run wl-copy --foreground -t "$mime"
	wpid=$SPAWNED_PID
	name="$host: clipboard host -> guest, 1 MiB byte-exact"
	if g "clip paste /tmp/h2g --mime $mime --timeout 40 2>/tmp/clipp.log && sha256sum /tmp/h2g" &&
		[ "$(echo "$AVM_OUT" | tail -n 1 | cut -d' ' -f1)" = "$sum_h" ]; then
		tap_ok "$name"
	else
		explain_gaps "$T/h2g" /tmp/h2g
		gfail "$name${WHY:+ - $WHY}" clipp
		cat "$T/why"
	fi
	stop_pid "$wpid"
	wait_clear 10

	lap "clipboard h2g"
	# ---- drag and drop both ways ----
	if [ "$host" = sway ]; then
		vm_dnd "$host"
	else
		for _d in "guest -> host" "host -> guest"; do
			tap_skip "$host: drag and drop $_d" \
				"weston's kiosk shell shows one window at a time (tests/integration/dnd.sh drags on weston without a VM)"
		done
	fi
	lap "drag and drop"
	# ---- X11 ----
	# cyan background: the window's contents, not just a window
	g_bg xterm "xterm -geometry 40x8 -bg '#00ffff' -fg black -e sh -c 'echo from the guest; sleep 600'"
	# shown, and still there a moment later (a window the host refuses
	# shows its first frame before the error arrives)
	if wait_until 60 xterm_shows_or_died && ! xterm_died && sleep 2 &&
		! xterm_died && _pixels_once "count:00FFFF>=5000"; then
		tap_ok "$host: xterm shows its contents (X11 through the guest's Xwayland)"
	else
		wait_pixels 0 "xterm-$host" "count:00FFFF>=5000" >"$T/why"
		WHY=
		if g 'grep -q "protocol error 4 on xdg_wm_base" /run/wlnest.log'; then
			WHY="$host disconnected Xwayland (xdg_wm_base error 4): wlnest's X window manager"
			cat >>"$T/why" <<-EOF
			# weston's kiosk-shell makes every toplevel fullscreen (800x600); wlnest's X window
			# manager resizes the X window to that but keeps its 1 px X border, so the surface is
			# 802x602 and weston says: "xdg_surface geometry (802 x 602) is larger than the
			# configured fullscreen state (800 x 600)" (seen with WAYLAND_DEBUG=client).
			EOF
		elif shot "$T/x.ppm" && "$PIXCHECK" "$T/x.ppm" "count:FFFFFF>=5000" >/dev/null; then
			WHY="the X window stays white"
			cat >>"$T/why" <<-EOF
			# the X window is there but white: its contents (cyan, text) never reach the host.
			# Seen without a VM too on weston's desktop-shell, which does not resize X windows:
			# wlnest -X shows xterm -bg yellow as a white window, weston's own Xwayland shows it
			# yellow with its text; on sway, which resizes it, it shows.
			EOF
		fi
		gfail "$host: xterm shows its contents (X11 through the guest's Xwayland)${WHY:+ - $WHY}" xterm
		cat "$T/why"
	fi
	if g 'stat -c %u /proc/$(pidof Xwayland)' && [ "$AVM_OUT" = 1000 ]; then
		tap_ok "$host: the guest's Xwayland runs as uid 1000"
	else
		tap_fail "$host: the guest's Xwayland runs as uid 1000 (got: $AVM_OUT)"
	fi
	stop_guest xterm
	lap "xterm"
	# ---- nothing left behind ----
	# Xwayland stays (wlnest keeps it for the next X client); its
	# connection is part of the steady state, so stop it first.
	g 'kill $(pidof Xwayland) 2>/dev/null; sleep 0.5'
	if wait_until 10 _host_fds_are "$qpid" "$q_fds" "$q_memfds"; then
		tap_ok "$host: with the guest clients gone QEMU holds no more fds or memfds than before ($q_fds, $q_memfds)"
	else
		tap_fail "$host: with the guest clients gone QEMU holds no more fds or memfds than before ($q_fds, $q_memfds; now $(fd_count "$qpid"), $(memfd_count "$qpid"))"
		ls -l "/proc/$qpid/fd" | sed 's/^/# /' | tail -n 20
	fi
	[ "$host" = weston ] && vm_host_restart
	avm_poweroff_check "$host: "
	if wait_until 10 _host_fds_are "$hpid" "$base_fds" "$base_memfds"; then
		tap_ok "$host: the host compositor is back to its fds and memfds of before the VM ($base_fds, $base_memfds)"
	else
		tap_fail "$host: the host compositor is back to its fds and memfds of before the VM ($base_fds, $base_memfds; now $(fd_count "$hpid"), $(memfd_count "$hpid"))"
		ls -l "/proc/$hpid/fd" | sed 's/^/# /' | tail -n 25
	fi
	tap_diag "$host: $(($(date +%s) - t0)) s from boot to power-off"
	host_stop
}

for h in ${VIRTWL_AVM_HOSTS:-weston sway}; do
	run_host "$h"
done
tap_done
