#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Text typed on the host's seat reaches a terminal running through wlnest:
# foot and weston-terminal run `cat > FILE`, the host types a line (wtype on
# sway, the weston-inject FIFO on weston) and FILE must hold exactly it.
# A pointer click on the host (weston-inject, or vinput's virtual pointer on
# sway) reaches a client at the right surface coordinates.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

n=0
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
	for term in foot weston-terminal; do
		if ! command -v $term >/dev/null; then
			tap_skip "$host: typing into $term" "$term is not installed"
			continue
		fi
		n=$((n + 1))
		out=$T/typed-$n
		printf '#!/bin/sh\nexec cat > %s\n' "$out" >"$T/cat-$n"
		chmod +x "$T/cat-$n"
		case $term in
		foot) spawn "$term-$host" guest_run foot "$T/cat-$n" ;;
		weston-terminal) spawn "$term-$host" guest_run weston-terminal --shell="$T/cat-$n" ;;
		esac
		tpid=$SPAWNED_PID
		if ! wait_pixels 10 "$term-$host" "other:202020>=5000" || ! wait_until 5 test -e "$out"; then
			fail_logs "$host: $term shows a window through wlnest" "$LOGDIR/$term-$host.log"
			stop_client $tpid
			continue
		fi
		line="Typed on $host into $term 42"
		type_text "$line"
		if wait_until 5 grep -qx "$line" "$out"; then
			tap_ok "$host: text typed on the host reaches $term through wlnest"
		else
			fail_logs "$host: text typed on the host reaches $term through wlnest" \
				"$LOGDIR/$term-$host.log"
			echo "# $out holds: $(od -c "$out" | head -n 3)"
		fi
		stop_client $tpid
	done
	# pointer: a click at a known spot of a solid window arrives at the
	# matching surface coordinates
	spawn "pointer-$host" guest_run "$TOOLS/solid" --color ff8000 --size 200x150
	ppid_=$SPAWNED_PID
	if wait_pixels 5 "pointer-$host" "bbox:FF8000=200,150" &&
		shot "$T/pointer.ppm" && set -- $("$PIXCHECK" locate "$T/pointer.ppm" FF8000) &&
		pointer_move $(($1 + 37)) $(($2 + 21)) &&
		wait_until 5 grep -Eq 'pointer\.(enter|motion) 37,21' "$LOGDIR/pointer-$host.log" &&
		pointer_click &&
		wait_until 5 grep -q 'pointer.button 0x110 0' "$LOGDIR/pointer-$host.log" &&
		grep -q 'pointer.button 0x110 1' "$LOGDIR/pointer-$host.log"; then
		tap_ok "$host: a click on the host reaches the client through wlnest at surface 37,21"
	else
		fail_logs "$host: a click on the host reaches the client through wlnest at surface 37,21" \
			"$LOGDIR/pointer-$host.log"
	fi
	# the host may keep drawing its cursor now: no wait for a clear screen
	stop_pid $ppid_

	check_nest_stop "$host"
	host_stop
done
tap_done
