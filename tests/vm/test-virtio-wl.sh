#!/bin/sh
# SPDX-License-Identifier: MIT
#
# VM test of the virtio_wl transport: boots the test initramfs (busybox,
# Debian's virtio modules, virtio_wl.ko, wl-guest-test) once with wlvm
# under TCG, next to the host test peer, and reports every subtest the
# guest ran (tests/vm/init.sh runs them with and without USE_SHMEM).
# Then once more with two vCPUs (wlvm --cpus 2, one host thread each
# under TCG) and fewer open/close cycles: the driver's locking with its
# threads' requests, and its interrupts, truly concurrent.
# Prints SKIP when wlvm or its QEMU is missing.
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
. "$top/tests/lib.sh"
. "$top/tests/vm/vm-lib.sh"

if [ ! -f "$vm_initrd" ] || [ ! -x "$vm_peer" ]; then
	tap_fail "virtio_wl VM test programs are built (make check-programs)"
	tap_done
	exit 1
fi
if ! vm_start_peer; then
	tap_fail "host test peer starts"
	tap_done
	exit 1
fi
if ! why=$(vm_check); then
	tap_skip "virtio_wl VM tests" "$why"
	tap_done
	exit 0
fi

log=$vm_tmp/console.log
t0=$(date +%s)
vm_boot "$log" --accel tcg --append "quiet wltest=check wltest.cycles=${VIRTWL_VM_CYCLES:-10000}"
status=$?
tap_diag "VM ran $(($(date +%s) - t0)) s, exit status $status"
# timeout(1) passes on the signal that killed QEMU; 124 and 137 are its own.
if [ "$status" -gt 128 ] && [ "$status" -ne 137 ]; then
	tap_diag "QEMU itself died of signal $((status - 128)) (a \"Segmentation fault\" on the console is QEMU's, not the guest's)"
fi

vm_report "$log"
if grep -q '^@@DONE' "$log.txt"; then
	tap_ok "guest ran every subtest and powered off"
else
	tap_fail "guest ran every subtest and powered off (exit status $status)"
	tail -40 "$log.txt" | sed 's/^/# console: /'
fi

# ---- SMP: two vCPUs ----
log2=$vm_tmp/console-smp.log
t0=$(date +%s)
vm_boot "$log2" --accel tcg --cpus 2 \
	--append "quiet wltest=check wltest.cycles=${VIRTWL_VM_SMP_CYCLES:-1000}"
status=$?
tap_diag "SMP VM ran $(($(date +%s) - t0)) s, exit status $status"
vm_report "$log2" "smp: "
if grep -q '^@@DIAG guest up at .* 2 CPUs online' "$log2.txt" && grep -q '^@@DONE' "$log2.txt"; then
	tap_ok "smp: the guest had 2 CPUs online, ran every subtest and powered off"
else
	tap_fail "smp: the guest had 2 CPUs online, ran every subtest and powered off (exit status $status)"
	tail -20 "$log2.txt" | sed 's/^/# console: /'
fi
if [ -s "$vm_tmp/peer.log" ]; then
	sed 's/^/# peer: /' "$vm_tmp/peer.log"
fi
tap_done
