# SPDX-License-Identifier: MIT
# Shell helpers for tests and benchmarks that boot the virtio_wl test
# initramfs with wlvm next to the host test peer.  Source it after setting
# top and build; it sets vm_tmp (a scratch directory removed on exit).
#
#   vm_check            0 when wlvm and its QEMU can run (call it after
#                       vm_start_peer); else prints why
#   vm_start_peer       starts wl-test-peer on $vm_tmp/wl-0 and
#                       second=$vm_tmp/wl-second
#   vm_boot LOG ARGS... boots the test initramfs, console to LOG; ARGS are
#                       more wlvm options
#   vm_kver             the kernel release virtio_wl.ko was built for
#   vm_report LOG [PFX] the guest's @@TAP/@@DIAG lines of LOG as TAP (names
#                       prefixed with PFX), and
#                       a failure for every @@PLAN short of its subtests;
#                       leaves LOG.txt (without carriage returns)

vm_wlvm=${VIRTWL_WLVM:-$build/wlvm}
vm_initrd=$build/vm/wltest-initramfs.cpio.gz
vm_peer=$build/tests/vm/wl-test-peer
vm_tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtwl-vm.XXXXXX")
vm_peer_pid=

vm_cleanup() {
	[ -n "$vm_peer_pid" ] && kill "$vm_peer_pid" 2>/dev/null
	rm -rf "$vm_tmp"
}
trap vm_cleanup EXIT
trap 'exit 1' INT TERM

vm_kver() {
	modinfo -F vermagic "$build/virtio_wl.ko" 2>/dev/null | cut -d' ' -f1
}

vm_check() {
	kver=$(vm_kver)
	if [ ! -x "$vm_wlvm" ]; then
		echo "wlvm is not built ($vm_wlvm)"
		return 1
	fi
	if [ -z "$kver" ] || [ ! -f "/boot/vmlinuz-$kver" ]; then
		echo "no guest kernel /boot/vmlinuz-$kver for virtio_wl.ko"
		return 1
	fi
	# wlvm would build its QEMU on first use; do it here so that a
	# machine that cannot (no deb-src access) skips instead of failing.
	bq=$top/host/qemu/build-qemu.sh
	if [ -z "${VIRTWL_QEMU:-}" ] && [ -x "$bq" ] && ! "$bq" --path >/dev/null; then
		if ! out=$("$bq" 2>&1); then
			echo "QEMU with virtio-wl-pci cannot be built here: $(echo "$out" | tail -1)"
			return 1
		fi
	fi
	if ! out=$("$vm_wlvm" -n -k "/boot/vmlinuz-$kver" -i "$vm_initrd" \
		--wayland-sock "$vm_tmp/wl-0" 2>&1 >/dev/null); then
		echo "wlvm cannot run a VM here: $(echo "$out" | tail -1)"
		return 1
	fi
	return 0
}

vm_report() {
	tr -d '\r' <"$1" >"$1.txt"
	while IFS= read -r line; do
		case $line in
		"@@TAP ok "*) tap_ok "${2:-}${line#@@TAP ok }" ;;
		"@@TAP not ok "*) tap_fail "${2:-}${line#@@TAP not ok }" ;;
		"@@DIAG "* | "@@DMESG "*) tap_diag "${line#@@* }" ;;
		esac
	done <"$1.txt"
	# Every guest run announces how many subtests it has: none may go missing.
	grep '^@@PLAN ' "$1.txt" | while read -r _ tag n; do
		got=$(grep -cE "^@@TAP (not )?ok $tag/" "$1.txt")
		[ "$got" -eq "$n" ] || echo "$tag: $got of $n subtests reported"
	done >"$vm_tmp/plan"
	while IFS= read -r l; do tap_fail "$l"; done <"$vm_tmp/plan"
}

vm_start_peer() {
	"$vm_peer" --ready "$vm_tmp/ready" "$vm_tmp/wl-0" \
		"second=$vm_tmp/wl-second" 2>"$vm_tmp/peer.log" &
	vm_peer_pid=$!
	i=0
	while [ ! -e "$vm_tmp/ready" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -e "$vm_tmp/ready" ]
}

# The guest's wall-clock budget: a TCG boot plus the tests take ~15 s on
# an idle machine; 2 shared cores may make it several times that.
vm_boot() {
	log=$1
	shift
	timeout -k 5 "${VIRTWL_VM_TIMEOUT:-300}" "$vm_wlvm" \
		-k "/boot/vmlinuz-$(vm_kver)" -i "$vm_initrd" -m 512M \
		--wayland-sock "$vm_tmp/wl-0" \
		--wayland-sock "second=$vm_tmp/wl-second" \
		--wl-memfd "$@" </dev/null >"$log" 2>&1
}
