#!/bin/sh
# SPDX-License-Identifier: MIT
#
# rootfs/mkrootfs.sh --debs: a guest image whose root mmdebstrap installs
# from downloaded Debian packages.  The app is wev, which this machine
# need not have installed: the image holds it and its libraries, dpkg's
# database lists it as installed, apt is there, and so are what every
# image has (the guest init, wlnest, Xwayland, busybox, the session's
# user), and no machine id; a second build with nothing changed is
# served from the cache at once; an unknown package and an unreachable
# mirror fail clearly.  Then the image boots (wlvm, TCG) on headless sway:
# wev's window shows, run by uid 1000, and dpkg in the guest knows wev.
# Needs root, mmdebstrap and the network Debian's mirror is on; the
# packages are kept in $VIRTWL_CACHE/debs (default /var/cache/virtwl/debs)
# for the next run.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

mk=$VIRTWL_TOP/rootfs/mkrootfs.sh
ko=$VIRTWL_BUILD/virtio_wl.ko
missing=""
for tool in mmdebstrap mksquashfs unsquashfs; do
	command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	tap_skip "mkrootfs --debs" "missing:$missing (make deps installs them)"
	tap_done
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	tap_skip "mkrootfs --debs" "mmdebstrap's root mode needs root"
	tap_done
	exit 0
fi
if [ ! -x "$VIRTWL_BUILD/wlnest" ] || [ ! -f "$ko" ]; then
	tap_skip "mkrootfs --debs" "wlnest or virtio_wl.ko is not built (make)"
	tap_done
	exit 0
fi
kver=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
app=wev
img=$T/img
mkdeb() {
	"$mk" --debs -o "$img" -k "$kver" -w "$ko" -p "$VIRTWL_BUILD/wlnest" "$@"
}

# ---- errors ----
if mkdeb --mirror http://127.0.0.1:9/debian -- "$app" >"$LOGDIR/unreachable.log" 2>&1; then
	tap_fail "an unreachable mirror fails the build (it succeeded)"
elif grep -q 'cannot download from the mirror (http://127.0.0.1:9/debian)' "$LOGDIR/unreachable.log"; then
	tap_ok "an unreachable mirror fails the build with a clear message"
else
	fail_logs "an unreachable mirror fails the build with a clear message" "$LOGDIR/unreachable.log"
fi

# ---- the image ----
t0=$(date +%s)
if mkdeb -- "$app" >"$LOGDIR/build.log" 2>&1; then
	secs=$(($(date +%s) - t0))
	tap_ok "builds an image of $app from Debian's packages ($secs s, $(du -m "$img/rootfs.squashfs" | cut -f1) MiB)"
elif grep -q 'cannot download from the mirror' "$LOGDIR/build.log"; then
	tap_skip "mkrootfs --debs" "$(grep 'mkrootfs: error' "$LOGDIR/build.log")"
	tap_done
	exit 0
else
	fail_logs "builds an image of $app from Debian's packages" "$LOGDIR/build.log" "$img/mmdebstrap.log"
	tap_done
	exit 1
fi
unsquashfs -l -d '' "$img/rootfs.squashfs" 2>/dev/null | sed 's,^/*,/,' >"$T/list"
# regular files only (dpkg leaves directories and symlinks it excludes)
unsquashfs -ll -d '' "$img/rootfs.squashfs" 2>/dev/null | awk '/^-/ { print $6 }' >"$T/files"
m=$img/manifest.txt
tap_check "the app and its libraries (libwayland-client, libxkbcommon)" sh -c "
	grep -qx /usr/bin/$app '$T/list' &&
	grep -qE '^/usr/lib/[^/]+/libwayland-client\.so\.0\$' '$T/list' &&
	grep -qE '^/usr/lib/[^/]+/libxkbcommon\.so\.0\$' '$T/list'"
unsquashfs -cat "$img/rootfs.squashfs" var/lib/dpkg/status >"$T/status" 2>/dev/null
tap_check "dpkg's database lists $app as installed" sh -c "
	awk -v p=$app '/^Package: / { n = \$2 } /^Status: / && n == p { print \$2, \$3, \$4 }' '$T/status' |
		grep -qx 'install ok installed'"
tap_check "dpkg and apt, with the mirror's sources" sh -c "
	grep -qx /usr/bin/dpkg '$T/list' && grep -qx /usr/bin/apt-get '$T/list' &&
	grep -q '^/etc/apt/sources.list' '$T/list'"
tap_check "what every image has: the guest init, wlnest, Xwayland, setpriv, busybox" sh -c "
	grep -qx /usr/lib/virtwl/init '$T/list' && grep -qx /usr/bin/wlnest '$T/list' &&
	grep -qx /usr/bin/Xwayland '$T/list' && grep -qx /usr/bin/setpriv '$T/list' &&
	grep -qx /usr/bin/busybox '$T/list' && grep -qx /usr/bin/xkbcomp '$T/list'"
unsquashfs -cat "$img/rootfs.squashfs" etc/passwd >"$T/passwd" 2>/dev/null
tap_check "the session's user next to Debian's system users" sh -c "
	grep -q '^user:x:1000:1000:' '$T/passwd' && grep -q '^_apt:' '$T/passwd'"
tap_check "no machine id, no resolv.conf of this machine, no documentation but copyrights" sh -c "
	! grep -qE '^/etc/machine-id\$|^/var/lib/dbus/machine-id\$|^/etc/resolv.conf\$' '$T/list' &&
	! grep -E '^/usr/share/(doc|man|locale)/' '$T/files' |
		grep -vE '^/usr/share/doc/[^/]+/copyright\$|^/usr/share/locale/locale.alias\$' | grep -q ."
tap_check "the manifest: the app's package, our files, libdecor's plugin, every file's package" sh -c "
	grep -qx 'package app $app' '$m' && grep -q '^package rule xwayland\$' '$m' &&
	grep -q '^package rule libdecor-0-plugin-1-cairo\$' '$m' &&
	grep -q '^file /usr/bin/wlnest ' '$m' && grep -qx 'data /usr/bin/$app $app' '$m' &&
	! grep -q '^package [a-z]* usrmerge\$' '$m'"

before=$(stat -c %Y "$img/rootfs.squashfs")
t0=$(date +%s%N)
out=$(mkdeb -- "$app" 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
if echo "$out" | grep -q 'up to date' && [ "$(stat -c %Y "$img/rootfs.squashfs")" = "$before" ] &&
	[ $ms -lt 2000 ]; then
	tap_ok "an unchanged image is not rebuilt, nor anything downloaded ($ms ms)"
else
	tap_fail "an unchanged image is not rebuilt, nor anything downloaded ($ms ms): $out"
fi

# ---- the image boots: wev shows on the host ----
AVM_DIR=$img
if ! why=$(avm_check); then
	tap_skip "the --debs image boots" "$why"
elif ! command -v sway >/dev/null || ! command -v grim >/dev/null; then
	tap_skip "the --debs image boots" "sway or grim is not installed (make deps)"
elif ! host_start sway; then
	fail_logs "sway starts"
else
	t0=$(date +%s)
	if avm_boot --accel tcg --wayland-sock "$HOST_SOCKET" --append quiet; then
		tap_ok "the --debs image boots ($(($(date +%s) - t0)) s)"
		if g "dpkg-query -W -f='\${db:Status-Status}\\n' $app" && [ "$AVM_OUT" = installed ]; then
			tap_ok "dpkg in the guest knows $app as installed"
		else
			tap_fail "dpkg in the guest knows $app as installed (got: $AVM_OUT)"
		fi
		# (nothing but sway's background before it)
		empty=0
		_pixels_once "count:202020=$((HOST_W * HOST_H))" && empty=1
		t0=$(date +%s)
		g_bg $app $app
		if [ $empty = 1 ] && wait_pixels 90 debs-$app "other:202020>=20000"; then
			tap_ok "$app's window shows on the host ($(($(date +%s) - t0)) s)"
		else
			gfail "$app's window shows on the host" $app
		fi
		if g "stat -c %u /proc/\$(cat /tmp/$app.pid)" && [ "$AVM_OUT" = 1000 ]; then
			tap_ok "$app runs as uid 1000"
		else
			tap_fail "$app runs as uid 1000 (got: $AVM_OUT)"
		fi
		g_kill $app
		avm_poweroff_check
	else
		tap_fail "the --debs image boots"
		avm_poweroff
	fi
	host_stop
fi

# An unknown package: apt's lists are fetched, then mkrootfs says which.
if mkdeb -- "$app" no-such-package-xyz >"$LOGDIR/unknown.log" 2>&1; then
	tap_fail "an unknown package fails the build (it succeeded)"
elif grep -q 'no such package in Debian [a-z]*: no-such-package-xyz' "$LOGDIR/unknown.log"; then
	tap_ok "an unknown package fails the build, naming it"
else
	fail_logs "an unknown package fails the build, naming it" "$LOGDIR/unknown.log"
fi
tap_done
