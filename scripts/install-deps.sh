#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs every Debian package that building, testing and demonstrating
# virtwl needs.  Idempotent: when everything is present it does nothing
# and touches no package state.  Usage: scripts/install-deps.sh [GROUP...]
# where GROUP is build, test, vm, deb, apps or all (default: all).
set -eu

build_pkgs="build-essential pkg-config python3 libwayland-dev wayland-protocols
libxkbcommon-dev libpixman-1-dev libdrm-dev libcmocka-dev libpng-dev
libxcb1-dev libxcb-composite0-dev libxcb-xfixes0-dev libxcb-render0-dev
libxcb-shape0-dev libxcb-icccm4-dev libxcb-ewmh-dev libxcb-res0-dev
libweston-10-dev clang libclang-rt-14-dev llvm libseccomp-dev libsystemd-dev
plasma-wayland-protocols libdecor-0-dev"

test_pkgs="weston sway swaybg cage grim wayland-utils foot xwayland xterm x11-apps
x11-utils x11-xserver-utils xclip xdotool wtype wl-clipboard waypipe
gtk-3-examples fonts-dejavu-core xfonts-base util-linux procps psmisc
mutter kwin-wayland dbus-daemon
libdecor-0-plugin-1-cairo"

vm_pkgs="linux-image-amd64 linux-headers-amd64 qemu-system-x86 seabios
qemu-system-data busybox-static cpio squashfs-tools e2fsprogs kmod
libglib2.0-dev libfdt-dev libpixman-1-dev meson ninja-build dpkg-dev zlib1g-dev
xz-utils python3 util-linux fontconfig xfonts-utils weston foot xterm xwayland
bubblewrap libseccomp-dev libslirp-dev linux-image-6.12-amd64 linux-headers-6.12-amd64
fonts-dejavu-core xfonts-base"

# The desktop apps the guest tests run (tests/vm/test-guest-apps.sh),
# with Qt's Wayland platform plugin.
apps_pkgs="firefox-esr chromium gtk-4-examples mpv featherpad qtwayland5"

# make deb: Debian's packaging tools, and what its tests install into.
deb_pkgs="debhelper dh-dkms dkms dpkg-dev fakeroot lintian mmdebstrap"

groups=${*:-all}
want=""
for g in $groups; do
	case $g in
	build) want="$want $build_pkgs" ;;
	test) want="$want $build_pkgs $test_pkgs" ;;
	vm) want="$want $build_pkgs $vm_pkgs" ;;
	deb) want="$want $build_pkgs $vm_pkgs $deb_pkgs" ;;
	apps) want="$want $apps_pkgs" ;;
	all) want="$want $build_pkgs $test_pkgs $vm_pkgs $deb_pkgs $apps_pkgs" ;;
	*) echo "install-deps: unknown group '$g' (build, test, vm, deb, apps, all)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run this script as root to install them" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing
