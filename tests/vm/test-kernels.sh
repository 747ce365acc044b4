#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The other guest kernels installed beside the default one (Debian 12's
# 6.12 beside 6.1, which builds virtio_pci in): for each, the driver was
# built against its headers without a warning (W=1 -Werror, by make),
# wlvm boots the kernel the initramfs has modules for (not the newest)
# and refuses one that does not match, the test initramfs boots and
# passes the virtio_wl checks, and rootfs/mkrootfs.sh builds an image
# for it (built-in modules count as present).
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
. "$top/tests/lib.sh"
. "$top/tests/vm/vm-lib.sh"

found=0
for initrd in "$build"/vm/kernels/*/wltest.cpio.gz; do
	[ -f "$initrd" ] || continue
	found=1
	k=$(basename "$(dirname "$initrd")")
	ko=$build/kmod/$k/driver/virtio_wl.ko
	def=$(vm_kver)

	if ! vm_start_peer; then
		tap_fail "$k: host test peer starts"
		continue
	fi
	# The kernel follows the image.
	out=$("$vm_wlvm" -n -i "$initrd" --wayland-sock "$vm_tmp/wl-0" 2>&1)
	if printf '%s\n' "$out" | grep -q -- "-kernel [^ ]*vmlinuz-$k"; then
		tap_ok "$k: wlvm boots the kernel the initramfs has modules for"
	else
		tap_fail "$k: wlvm boots the kernel the initramfs has modules for"
		printf '%s\n' "$out" | tail -n 3 | sed 's/^/# /'
	fi
	if [ -n "$def" ] && [ "$def" != "$k" ]; then
		out=$("$vm_wlvm" -n -k "/boot/vmlinuz-$def" -i "$initrd" \
			--wayland-sock "$vm_tmp/wl-0" 2>&1)
		if [ $? -eq 2 ] && printf '%s\n' "$out" | grep -q "has modules for $k"; then
			tap_ok "$k: wlvm refuses kernel $def with that initramfs, and says why"
		else
			tap_fail "$k: wlvm refuses a kernel that does not match ($out)"
		fi
	fi

	# A boot: the virtio_wl checks of test-virtio-wl.sh, fewer cycles.
	if ! why=$(vm_check); then
		tap_skip "$k: a VM boot" "$why"
	else
		log=$vm_tmp/console-$k.log
		timeout -k 5 "${VIRTWL_VM_TIMEOUT:-300}" "$vm_wlvm" -i "$initrd" -m 512M \
			--accel tcg --wayland-sock "$vm_tmp/wl-0" \
			--wayland-sock "second=$vm_tmp/wl-second" --wl-memfd \
			--append "quiet wltest=check wltest.cycles=1000" </dev/null >"$log" 2>&1
		status=$?
		n=$TAP_N
		vm_report "$log" "$k: "
		if grep -q '^@@DONE' "$log.txt" && [ $status -eq 0 ]; then
			tap_ok "$k: the guest ran every virtio_wl check ($((TAP_N - n)) reported) and powered off"
		else
			tap_fail "$k: the guest ran every virtio_wl check and powered off (status $status)"
			tail -n 20 "$log.txt" | sed 's/^/# console: /'
		fi
	fi
	kill "$vm_peer_pid" 2>/dev/null
	wait "$vm_peer_pid" 2>/dev/null
	vm_peer_pid=
	rm -f "$vm_tmp/ready"

	# An image for it.
	img=$vm_tmp/rootfs-$k
	if "$top/rootfs/mkrootfs.sh" -q -o "$img" -k "$k" -w "$ko" -p "$build/wlnest" \
		-- foot >"$vm_tmp/mkrootfs.log" 2>&1; then
		list=$(gzip -dc "$img/initramfs.cpio.gz" | cpio -it --quiet)
		builtin=$(grep -c 'virtio_pci\.ko' "/lib/modules/$k/modules.builtin")
		if printf '%s\n' "$list" | grep -q "lib/modules/$k/extra/virtio_wl.ko" &&
			{ [ "$builtin" -eq 0 ] || ! printf '%s\n' "$list" | grep -q 'virtio_pci\.ko'; } &&
			grep -q "kernel $k" "$img/manifest.txt"; then
			tap_ok "$k: mkrootfs builds an image (virtio_pci $([ "$builtin" -gt 0 ] && echo built in, not copied || echo copied))"
		else
			tap_fail "$k: mkrootfs's image holds virtio_wl.ko for $k and no built-in module"
		fi
	else
		tap_fail "$k: mkrootfs builds an image"
		tail -n 5 "$vm_tmp/mkrootfs.log" | sed 's/^/# /'
	fi
done
if [ $found -eq 0 ]; then
	tap_skip "other guest kernels" "only one kernel with headers is installed (make deps installs 6.12 too)"
fi
tap_done
