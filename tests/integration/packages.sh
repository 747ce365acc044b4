#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Debian packages, the way a user gets them: `make deb` (scripts/
# mkdeb.sh) from a clean checkout of HEAD builds virtwl-host, virtwl-guest
# and virtio-wl-dkms, and lintian finds no error; mmdebstrap installs them
# into a fresh Debian 12 root, where every file each package lists is
# there and the programs run; dkms builds the driver from the package's
# source against this machine's kernel headers; and `make install` puts
# exactly the packages' files in place (their documentation aside), which
# `make uninstall` removes again.
# Needs git, dpkg-buildpackage, dh_dkms, lintian, mmdebstrap, dkms and
# the network Debian's mirror is on (make deps installs the tools); the
# packages mmdebstrap downloads are kept in $VIRTWL_CACHE/debs (default
# /var/cache/virtwl/debs) for the next run.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init

missing=""
for tool in git dpkg-buildpackage dh_dkms lintian mmdebstrap dkms; do
	command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	tap_skip "Debian packages" "missing:$missing (make deps installs them)"
	tap_done
	exit 0
fi
if ! git -C "$VIRTWL_TOP" rev-parse HEAD >/dev/null 2>&1; then
	tap_skip "Debian packages" "not a git checkout: make deb builds from one"
	tap_done
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	tap_skip "Debian packages" "mmdebstrap's root mode needs root"
	tap_done
	exit 0
fi

# ---- make deb from a clean checkout ----
git clone -q "$VIRTWL_TOP" "$T/src"
t0=$(date +%s)
if (cd "$T/src" && scripts/mkdeb.sh --build "$T/b") >"$LOGDIR/mkdeb.log" 2>&1; then
	tap_ok "make deb builds the packages from a clean checkout ($(($(date +%s) - t0)) s)"
else
	fail_logs "make deb builds the packages from a clean checkout" "$LOGDIR/mkdeb.log"
	tap_done
	exit 1
fi
D=$T/b/deb
cp "$D/lintian.log" "$LOGDIR/" 2>/dev/null
if grep -q 'lintian: no errors' "$LOGDIR/mkdeb.log" && ! grep -q '^E:' "$D/lintian.log"; then
	tap_ok "lintian: no errors ($(grep -c '^W:' "$D/lintian.log") warnings)"
else
	fail_logs "lintian: no errors" "$D/lintian.log"
fi
host_deb=$(ls "$D"/virtwl-host_*.deb)
guest_deb=$(ls "$D"/virtwl-guest_*.deb)
dkms_deb=$(ls "$D"/virtio-wl-dkms_*.deb)
version=$(dpkg-deb -f "$host_deb" Version)
want_version=$(cd "$T/src" && scripts/version.sh)
if [ "$version" = "$want_version" ] &&
	[ "$(dpkg-deb -f "$guest_deb" Version)" = "$version" ] &&
	[ "$(dpkg-deb -f "$dkms_deb" Version)" = "$version" ]; then
	tap_ok "the packages' version is git describe's ($version)"
else
	tap_fail "the packages' version is git describe's ($want_version; got $version)"
fi

# has DEB PATH...: the package holds every PATH
has() {
	_deb=$1
	shift
	dpkg-deb -c "$_deb" | awk '{ print $6 }' | sed 's|^\.||' >"$T/contents"
	for _p in "$@"; do
		grep -qx "$_p" "$T/contents" || { echo "# $(basename "$_deb") lacks $_p"; return 1; }
	done
}
src_dir=/usr/src/virtio_wl-$version
if has "$host_deb" /usr/bin/wlvm /usr/lib/virtwl/qemu-system-x86_64 \
	/usr/share/man/man1/wlvm.1.gz /usr/bin/mktuntap /usr/share/man/man1/mktuntap.1.gz &&
	has "$guest_deb" /usr/bin/wlnest /usr/lib/systemd/user/wlnest.socket \
		/usr/lib/systemd/user/wlnest.service /usr/lib/systemd/user/wlnest-x11.socket \
		/usr/lib/environment.d/60-wlnest.conf /usr/share/man/man1/wlnest.1.gz &&
	has "$dkms_deb" "$src_dir/dkms.conf" "$src_dir/Kbuild" "$src_dir/wl_main.c" \
		"$src_dir/include/uapi/linux/virtio_wl.h" /usr/share/man/man4/virtio_wl.4.gz &&
	! dpkg-deb -c "$host_deb" | grep -q '/usr/src/' &&
	! dpkg-deb -c "$guest_deb" | grep -q '/usr/src/'; then
	tap_ok "each package holds its part: host (wlvm, QEMU, mktuntap), guest (wlnest, units), dkms (driver source)"
else
	tap_fail "each package holds its part: host (wlvm, QEMU, mktuntap), guest (wlnest, units), dkms (driver source)"
fi

# ---- installed into a fresh Debian 12 root ----
# The .deb paths given to --include must exist inside the root as well.
debs=$T/debs
mkdir -p "$debs"
cp "$host_deb" "$guest_deb" "$dkms_deb" "$debs/"
cache=${VIRTWL_CACHE:-/var/cache/virtwl}/debs
mkdir -p "$cache"
mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
root=$T/root
t0=$(date +%s)
if mmdebstrap --variant=apt --mode=root --quiet \
	--include="$debs/$(basename "$host_deb")" \
	--include="$debs/$(basename "$guest_deb")" \
	--include="$debs/$(basename "$dkms_deb")" \
	--setup-hook="mkdir -p \"\$1$debs\" \"\$1/var/cache/apt/archives\" && cp $debs/*.deb \"\$1$debs/\" && { cp $cache/*.deb \"\$1/var/cache/apt/archives/\" 2>/dev/null || true; }" \
	--customize-hook="cp \"\$1\"/var/cache/apt/archives/*.deb $cache/ 2>/dev/null || true" \
	--customize-hook="rm -rf \"\$1$debs\"" \
	bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >"$LOGDIR/mmdebstrap.log" 2>&1; then
	tap_ok "mmdebstrap installs the three packages into a fresh Debian 12 root ($(($(date +%s) - t0)) s)"
	missing=""
	n=0
	for p in virtwl-host virtwl-guest virtio-wl-dkms; do
		for f in $(chroot "$root" dpkg -L "$p"); do
			n=$((n + 1))
			[ -e "$root$f" ] || missing="$missing $f"
		done
	done
	if [ -z "$missing" ] && [ $n -gt 20 ]; then
		tap_ok "every file the packages list is in place ($n paths)"
	else
		tap_fail "every file the packages list is in place ($n paths); missing:$missing"
	fi
	if chroot "$root" wlvm --version | grep -qx "wlvm $version" &&
		chroot "$root" wlnest --version | grep -qx "wlnest $version" &&
		chroot "$root" /usr/lib/virtwl/qemu-system-x86_64 -device help 2>/dev/null |
		grep -q 'virtio-wl-pci' &&
		python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" \
			"$root/run/wayland-t" && touch "$root/boot/vmlinuz-t" "$root/boot/initrd-t" &&
		chroot "$root" wlvm --dry-run -k /boot/vmlinuz-t -i /boot/initrd-t \
			--wayland-sock /run/wayland-t >"$T/dry" 2>&1 &&
		grep -q -- ' -- /usr/lib/virtwl/qemu-system-x86_64 ' "$T/dry"; then
		tap_ok "installed, wlvm and wlnest run, and wlvm runs the packaged QEMU with virtio-wl-pci"
	else
		tap_fail "installed, wlvm and wlnest run, and wlvm runs the packaged QEMU with virtio-wl-pci"
		sed 's/^/# /' "$T/dry" 2>/dev/null | tail -n 5
	fi
	if chroot "$root" sh -c 'ls /etc/systemd/user/sockets.target.wants/' 2>/dev/null |
		grep -qx wlnest.socket; then
		tap_ok "the guest package enables wlnest.socket for every user"
	else
		tap_fail "the guest package enables wlnest.socket for every user"
	fi
else
	fail_logs "mmdebstrap installs the three packages into a fresh Debian 12 root" \
		"$LOGDIR/mmdebstrap.log"
fi
rm -rf "$root"

# ---- dkms build of the package's source ----
kver=""
[ -f "$VIRTWL_BUILD/virtio_wl.ko" ] &&
	kver=$(modinfo -F vermagic "$VIRTWL_BUILD/virtio_wl.ko" | cut -d' ' -f1)
if [ -z "$kver" ] || [ ! -d "/lib/modules/$kver/build" ]; then
	tap_skip "dkms builds the driver" "no kernel headers for the guest kernel"
else
	mkdir -p "$T/dkms-src" "$T/dkms-tree"
	dpkg-deb -x "$dkms_deb" "$T/dkms-src"
	if dkms build -m virtio_wl -v "$version" -k "$kver" \
		--sourcetree "$T/dkms-src/usr/src" --dkmstree "$T/dkms-tree" \
		>"$LOGDIR/dkms.log" 2>&1 &&
		ko=$(find "$T/dkms-tree" -name 'virtio_wl.ko*' | head -n 1) && [ -n "$ko" ] &&
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] &&
		[ "$(modinfo -F srcversion "$ko")" = "$(modinfo -F srcversion "$VIRTWL_BUILD/virtio_wl.ko")" ] &&
		modinfo -F alias "$ko" | grep -q '^virtio:d0000003Fv'; then
		tap_ok "dkms builds the driver from the package for $kver (same sources as make's)"
	else
		fail_logs "dkms builds the driver from the package for $kver" "$LOGDIR/dkms.log"
	fi
fi

# ---- make install installs what the packages do ----
for d in "$host_deb" "$guest_deb" "$dkms_deb"; do
	dpkg-deb -c "$d" | awk '$1 !~ /^d/ { print $6 }'
done | sed 's|^\.||; s|\.gz$||' | grep -v '^/usr/share/doc/' | sort >"$T/pkg-files"
(cd "$VIRTWL_TOP" && make -s install PREFIX=/usr DESTDIR="$T/inst" >"$LOGDIR/install.log" 2>&1)
(cd "$T/inst" && find . ! -type d | sed 's|^\.||' | sort) >"$T/inst-files"
if diff "$T/pkg-files" "$T/inst-files" >"$T/diff"; then
	tap_ok "make install PREFIX=/usr installs exactly the packages' files ($(wc -l <"$T/pkg-files"))"
else
	tap_fail "make install PREFIX=/usr installs exactly the packages' files"
	sed 's/^/# /' "$T/diff" | head -n 20
fi
(cd "$VIRTWL_TOP" && make -s uninstall PREFIX=/usr DESTDIR="$T/inst" >>"$LOGDIR/install.log" 2>&1)
left=$(find "$T/inst" ! -type d)
if [ -z "$left" ]; then
	tap_ok "make uninstall removes all of it"
else
	tap_fail "make uninstall leaves:" $left
fi
tap_done
