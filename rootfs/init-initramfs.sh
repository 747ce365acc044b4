#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the guest initramfs made by rootfs/mkrootfs.sh: loads the virtio
# modules and virtio_wl, mounts the root filesystem image (squashfs on
# /dev/vda, or virtwl.root=DEV) read-only under a tmpfs overlay and hands
# over to the image's own init, /usr/lib/virtwl/init.  Without a usable
# image it says why and powers off (virtwl.keep=1: a rescue shell instead).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

root_dev=/dev/vda
keep=0
for a in $(cat /proc/cmdline); do
	case $a in
	virtwl.root=*) root_dev=${a#*=} ;;
	virtwl.keep=1) keep=1 ;;
	esac
done

fail() {
	echo "virtwl-init: $*"
	if [ $keep = 1 ]; then
		echo "virtwl-init: rescue shell (exit powers off)"
		setsid cttyhack sh
	fi
	poweroff -f
}

kv=$(uname -r)
while read -r m; do
	insmod "/lib/modules/$kv/$m" 2>/dev/null || echo "virtwl-init: cannot load $m"
done </etc/modules.order

i=0
while [ ! -b "$root_dev" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -b "$root_dev" ] || fail "no root image: $root_dev does not exist (boot with wlvm -d rootfs.squashfs)"

mkdir -p /lower /rw /newroot
mount -t squashfs -o ro "$root_dev" /lower || fail "cannot mount $root_dev (squashfs)"
mount -t tmpfs -o mode=755 tmpfs /rw || fail "cannot mount the tmpfs for the overlay"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	fail "cannot mount the overlay root"
[ -x /newroot/usr/lib/virtwl/init ] || fail "$root_dev holds no /usr/lib/virtwl/init (not a virtwl image?)"
[ "$(cat /newroot/etc/virtwl-kernel 2>/dev/null)" = "$kv" ] ||
	echo "virtwl-init: warning: image made for kernel $(cat /newroot/etc/virtwl-kernel 2>/dev/null), running $kv"

for d in proc sys dev; do
	mount --move /$d /newroot/$d
done
exec switch_root /newroot /usr/lib/virtwl/init
