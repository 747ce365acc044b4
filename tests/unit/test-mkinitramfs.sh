#!/bin/sh
# SPDX-License-Identifier: MIT
#
# rootfs/mkinitramfs.sh: the archive holds busybox with its applet links,
# the modules asked for with their dependencies in load order, extra files
# and the init; bad input fails.  Boots nothing.
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
. "$top/tests/lib.sh"

mk=$top/rootfs/mkinitramfs.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-mkinitramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The default guest kernel (virtio modules loadable), as mkinitramfs picks it.
kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	sed -nE 's/.*linux-image-([^ ,]+).*/\1/p')
[ -n "$kver" ] && [ -d "/lib/modules/$kver" ] || kver=$(ls /lib/modules 2>/dev/null | sort -V | tail -1)
if [ ! -x /bin/busybox ] || [ -z "$kver" ] || [ ! -f "/lib/modules/$kver/modules.dep" ]; then
	tap_skip "mkinitramfs" "needs busybox-static and an installed kernel (make deps)"
	tap_done
	exit 0
fi

echo 'echo extra' >"$tmp/extra.sh"
printf '#!/bin/sh\necho custom init\n' >"$tmp/init"
if "$mk" -o "$tmp/a.cpio.gz" -k "$kver" -m virtio_pci,virtio-console \
	-f "$tmp/extra.sh:/usr/share/t/extra.sh" -f "$tmp/extra.sh" \
	-i "$tmp/init" 2>"$tmp/err"; then
	tap_ok "builds an archive"
else
	tap_fail "builds an archive: $(cat "$tmp/err")"
fi
mkdir "$tmp/x"
(cd "$tmp/x" && gzip -dc "$tmp/a.cpio.gz" | cpio -id --quiet 2>/dev/null)
x=$tmp/x
order=$x/etc/modules.order

tap_check "busybox and its applet links" \
	sh -c "[ -x '$x/bin/busybox' ] && [ -L '$x/bin/sh' ] && [ -L '$x/sbin/insmod' ]"
tap_check "the init given" grep -q 'custom init' "$x/init"
tap_check "extra files at their places" \
	sh -c "[ -f '$x/usr/share/t/extra.sh' ] && [ -f '$x/bin/extra.sh' ]"
# virtio_pci needs virtio and virtio_ring: they must come first.
pos() { grep -n "/$1.ko\$" "$order" | cut -d: -f1; }
tap_check "modules and their dependencies, in load order" sh -c "
	[ -n '$(pos virtio_ring)' ] && [ -n '$(pos virtio)' ] && [ -n '$(pos virtio_pci)' ] &&
	[ '$(pos virtio_ring)' -lt '$(pos virtio_pci)' ] &&
	[ '$(pos virtio)' -lt '$(pos virtio_pci)' ] &&
	[ '$(pos virtio)' -lt '$(pos virtio_console)' ]"
tap_check "each module once, and present" sh -c "
	[ \$(sort '$order' | uniq -d | wc -l) -eq 0 ] &&
	while read -r m; do [ -f '$x/lib/modules/$kver/'\$m ] || exit 1; done <'$order'"
if [ -f "$build/virtio_wl.ko" ]; then
	"$mk" -o "$tmp/b.cpio" -k "$kver" -m "$build/virtio_wl.ko" 2>/dev/null
	tap_check "a .ko file with its dependencies" sh -c "
		cpio -it --quiet <'$tmp/b.cpio' | grep -q 'extra/virtio_wl.ko' &&
		cpio -it --quiet <'$tmp/b.cpio' | grep -q 'virtio_ring.ko'"
else
	tap_skip "a .ko file with its dependencies" "virtio_wl.ko not built"
fi
# A kernel that builds virtio_pci in (6.12): present already, nothing copied.
kin=$(grep -l '/virtio_pci\.ko$' /lib/modules/*/modules.builtin 2>/dev/null | head -n 1)
if [ -n "$kin" ]; then
	kb=$(basename "$(dirname "$kin")")
	if "$mk" -o "$tmp/k.cpio" -k "$kb" -m virtio_pci,squashfs 2>"$tmp/err" &&
		! cpio -it --quiet <"$tmp/k.cpio" | grep -q 'virtio_pci\.ko' &&
		cpio -it --quiet <"$tmp/k.cpio" | grep -q 'squashfs\.ko'; then
		tap_ok "modules built into $kb are taken as present, not copied"
	else
		tap_fail "modules built into $kb are taken as present: $(cat "$tmp/err")"
	fi
else
	tap_skip "built-in modules" "no installed kernel builds virtio_pci in"
fi
tap_check "an unknown module fails" sh -c \
	"! '$mk' -o '$tmp/c.cpio' -k '$kver' -m no_such_module 2>/dev/null && [ ! -e '$tmp/c.cpio' ]"
tap_check "no output given fails" sh -c "! '$mk' -k '$kver' 2>/dev/null"
tap_done
