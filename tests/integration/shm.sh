#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wl_shm buffers through wlnest reach the host pixel-exact, in both
# --shm passthrough and --shm copy, on weston and on sway: several formats
# at odd sizes with padded strides and pool offsets, buffer_scale 2, a
# viewport, fullscreen, partial updates with damage_buffer and with
# surface damage, and weston-flower.  --stats must report no copying in
# passthrough and some in copy mode.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

SOLID=$TOOLS/solid
FORMATS="argb8888 xrgb8888 rgb565 abgr8888 xbgr8888 bgra8888 rgbx8888 xrgb2101010 abgr2101010 bgr565"
COLOURS="FF0000 00FF00 0000FF FFFF00 00FFFF FF00FF FFFFFF"

bpp_of() {
	case $1 in rgb565 | bgr565) echo 2 ;; rgb888 | bgr888) echo 3 ;; *) echo 4 ;; esac
}

# format_args FORMAT COLOUR: solid's arguments for a 201x149 buffer of
# FORMAT with a padded stride (kept a multiple of 4, as pixman needs) at
# pool offset 64; sets args and stride.
format_args() {
	bpp=$(bpp_of "$1")
	pad=$(( (4 - (201 * bpp) % 4) % 4 + 8 ))
	stride=$((201 * bpp + pad))
	args="--format $1 --color $2 --size 201x149 --stride-pad $pad --offset 64"
}

# solid_case NAME CHECKS --|native SOLID-ARGS...: runs solid through wlnest and
# waits for the screenshot to satisfy CHECKS (one word, space separated).
# With "native" instead of "--", the case runs straight on the host first
# and is skipped when the host itself gets it wrong.
solid_case() {
	_name=$1
	_checks=$2
	_native=$3
	shift 3
	_slug=$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')
	if [ "$_native" = native ]; then
		spawn "$_slug-native" host_run "$SOLID" "$@"
		_pid=$SPAWNED_PID
		# shellcheck disable=SC2086
		if ! wait_pixels 3 "$_slug-native" $_checks >"$T/native.txt"; then
			stop_client $_pid
			tap_skip "$_name" "$host gets this wrong natively too ($(grep '^# FAIL' "$T/native.txt" | head -n 1 | sed 's/^# FAIL //'))"
			return 0
		fi
		stop_client $_pid
	fi
	spawn "$_slug" guest_run "$SOLID" "$@"
	_pid=$SPAWNED_PID
	# shellcheck disable=SC2086
	if wait_pixels 5 "$_slug" $_checks; then
		tap_ok "$_name"
	elif ! alive $_pid && wait $_pid; [ $? -eq 77 ]; then
		tap_skip "$_name" "the host lacks what solid needs: $(tail -n 1 "$LOGDIR/$_slug.log")"
	else
		fail_logs "$_name" "$LOGDIR/$_slug.log"
	fi
	stop_client $_pid
}

for host in weston sway; do
	if ! host_start "$host"; then
		fail_logs "$host: host compositor starts"
		continue
	fi
	area=$((HOST_W * HOST_H))
	host_run "$SOLID" --list-formats 2>/dev/null | sort >"$T/host-formats"
	# Native baseline: a format the host itself shows wrongly cannot be
	# judged through wlnest either.
	: >"$T/native-ok"
	set -- $COLOURS
	for f in $FORMATS; do
		c=$1
		shift
		[ $# -eq 0 ] && set -- $COLOURS
		grep -qx "$f" "$T/host-formats" || continue
		format_args "$f" "$c"
		spawn "native-$host-$f" host_run "$SOLID" $args
		npid=$SPAWNED_PID
		if wait_pixels 3 "native-$host-$f" "bbox:$c=201,149" >"$T/native-$f.txt"; then
			echo "$f" >>"$T/native-ok"
		else
			grep -A2 "^# histogram" "$T/native-$f.txt" | tail -n 2 | tr "\n#" "  " | tr -s " " |
				sed 's/^# *//' >"$T/native-$f.why"
		fi
		stop_client $npid
	done
	for mode in passthrough copy; do
		if ! nest_start --shm $mode --stats; then
			fail_logs "$host/$mode: wlnest starts"
			continue
		fi
		p="$host/$mode"
		guest_run "$SOLID" --list-formats 2>/dev/null | sort >"$T/guest-formats"
		if cmp -s "$T/host-formats" "$T/guest-formats"; then
			tap_ok "$p: wl_shm formats seen through wlnest are the host's ($(wc -l <"$T/host-formats"))"
		else
			fail_logs "$p: wl_shm formats seen through wlnest are the host's"
			diff "$T/host-formats" "$T/guest-formats" | sed 's/^/# /'
		fi

		solid_case "$p: argb8888 200x150" "bbox:FF00FF=200,150 count:202020=$((area - 30000))" \
			-- --color ff00ff --size 200x150

		set -- $COLOURS
		for f in $FORMATS; do
			if ! grep -qx "$f" "$T/host-formats"; then
				tap_skip "$p: $f 201x149" "$host does not offer $f"
				continue
			fi
			c=$1
			shift
			[ $# -eq 0 ] && set -- $COLOURS
			format_args "$f" "$c"
			if ! grep -qx "$f" "$T/native-ok"; then
				tap_skip "$p: $f 201x149" "$host shows $f wrongly even natively (colours seen: $(cat "$T/native-$f.why"))"
				continue
			fi
			solid_case "$p: $f 201x149 stride $stride offset 64" \
				"bbox:$c=201,149" -- $args
		done

		solid_case "$p: odd size 333x77, xrgb8888, stride 1352" "bbox:00FFFF=333,77" \
			-- --format xrgb8888 --color 00ffff --size 333x77 --stride-pad 20
		solid_case "$p: buffer_scale 2 (400x300 buffer, 200x150 on screen)" \
			"bbox:FFFF00=200,150" -- --color ffff00 --size 400x300 --scale 2
		solid_case "$p: viewport 100x50 -> 300x150" "bbox:0000FF=300,150" \
			-- --color 0000ff --size 100x50 --viewport 300x150
		solid_case "$p: fullscreen fills the output" "count:00FF00=$area" \
			-- --color 00ff00 --fullscreen --app-id solid-fs
		solid_case "$p: partial updates with damage_buffer" \
			"origin:00FF00 rect:0,0,240,10=00FF00 rect:10,10,64,64=FF0000 rect:101,51,33,17=0000FF bbox:FF0000=64,64 bbox:0000FF=33,17 count:00FF00=$((240 * 160 - 64 * 64 - 33 * 17))" \
			-- --color 00ff00 --size 240x160 --update 10,10,64,64=ff0000 \
			--update 101,51,33,17=0000ff --damage buffer
		solid_case "$p: partial updates with surface damage at buffer_scale 2" \
			"origin:00FF00 rect:10,10,64,64=FF00FF rect:100,50,32,16=FFFFFF bbox:FF00FF=64,64 bbox:FFFFFF=32,16 count:00FF00=$((240 * 160 - 64 * 64 - 32 * 16))" \
			-- --color 00ff00 --size 480x320 --scale 2 --damage surface \
			--update 20,20,128,128=ff00ff --update 200,100,64,32=ffffff
		solid_case "$p: rgb565 partial update at an odd place" \
			"origin:FFFFFF rect:0,0,161,7=FFFFFF rect:7,7,1,1=000000 rect:150,100,11,13=FF0000 count:000000=1 bbox:FF0000=11,13" \
			-- --format rgb565 --color ffffff --size 161x113 --stride-pad 2 \
			--update 7,7,1,1=000000 --update 150,100,11,13=ff0000

		solid_case "$p: updates land in a pool grown by wl_shm_pool.resize" \
			"origin:FF0000 rect:30,20,50,40=FFFFFF count:FF0000=$((180 * 120 - 50 * 40)) bbox:FFFFFF=50,40" \
			-- --color ff0000 --size 180x120 --offset 4096 --pool-resize \
			--update 30,20,50,40=ffffff
		solid_case "$p: a subsurface over its parent" \
			"origin:0000FF rect:40,30,60,50=FFFF00 count:0000FF=$((200 * 150 - 60 * 50)) bbox:FFFF00=60,50" \
			-- --color 0000ff --size 200x150 --subsurface 40,30,60x50=ffff00

		solid_case "$p: an xdg_popup at its anchor" \
			"origin:00FFFF rect:30,40,70,50=FF00FF bbox:FF00FF=70,50 count:00FFFF=$((200 * 150 - 70 * 50))" \
			-- --color 00ffff --size 200x150 --popup 30,40,70x50=ff00ff
		solid_case "$p: viewport source crop (wl_fixed arguments)" \
			"bbox:FF0000=100,50 count:00FF00=0" \
			native --color 00ff00 --size 200x150 --paint 50,60,100,50=ff0000 \
			--viewport-source 50,60,100,50

		spawn "flower-$host-$mode" guest_run weston-flower
		fpid=$SPAWNED_PID
		if wait_pixels 5 "flower-$host-$mode" "other:202020>=2000" "otherbbox:202020<=200,200"; then
			tap_ok "$p: weston-flower appears (at least 2000 pixels, inside its 200x200 window)"
		else
			fail_logs "$p: weston-flower appears" "$LOGDIR/flower-$host-$mode.log"
		fi
		stop_client $fpid

		check_nest_stop "$p"
		if [ "${VIRTWL_DIRECT:-0}" != 1 ]; then
			stats=$(grep -o 'wlnest-stats: commits=[0-9]* copied_bytes=[0-9]*' "$NEST_LOG" | tail -n 1)
			copied=${stats##*copied_bytes=}
			commits=${stats#*commits=}
			commits=${commits%% *}
			if [ -z "$stats" ]; then
				fail_logs "$p: --stats prints wlnest-stats on exit"
			elif [ $mode = passthrough ] && [ "$copied" -eq 0 ]; then
				tap_ok "$p: --stats: nothing copied ($commits commits counted)"
			elif [ $mode = copy ] && [ "$copied" -ge $((200 * 150 * 4)) ]; then
				tap_ok "$p: --stats: $commits commits, $copied bytes copied"
			else
				fail_logs "$p: --stats plausible ($stats)"
			fi
		fi
	done
	host_stop
done
tap_done
