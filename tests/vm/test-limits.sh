#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A guest at the host's limits, in a VM (TCG): wlvm --max-contexts 8
# --max-mem 64M --max-vfds 256 boots the test initramfs with
# wltest=limits; wl-guest-limits reports what the guest sees (contexts
# refused, fds without data refused, a writer on a full pipe waits and
# gets an error while the rest of the guest runs, memory sent to the
# compositor and closed still counts, vfds bounded).  Meanwhile this
# script samples the host: shared memory and QEMU's open fds must stay
# within the limits.  Last the guest leaves writers stuck on full pipes
# and the VM is stopped with SIGTERM: QEMU must end on its own, at once.
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
	tap_skip "virtio_wl limits VM test" "$why"
	tap_done
	exit 0
fi

shmem_kib() { sed -n 's/^Shmem: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

log=$vm_tmp/console.log
base_shmem=$(shmem_kib)
"$vm_wlvm" -k "/boot/vmlinuz-$(vm_kver)" -i "$vm_initrd" -m 512M --accel tcg \
	--wayland-sock "$vm_tmp/wl-0" --max-contexts 8 --max-mem 64M --max-vfds 256 \
	--pid-file "$vm_tmp/qemu.pid" \
	--append "quiet wltest=limits wltest.contexts=8 wltest.mem=64 wltest.vfds=256" \
	</dev/null >"$log" 2>&1 &
wlvm_pid=$!
max_shmem=$base_shmem
max_fds=0
flooding=0
deadline=$(($(date +%s) + ${VIRTWL_VM_TIMEOUT:-300}))
while kill -0 "$wlvm_pid" 2>/dev/null && [ "$(date +%s)" -lt $deadline ]; do
	s=$(shmem_kib)
	[ "$s" -gt "$max_shmem" ] && max_shmem=$s
	qpid=$(cat "$vm_tmp/qemu.pid" 2>/dev/null)
	if [ -n "$qpid" ]; then
		f=$(ls "/proc/$qpid/fd" 2>/dev/null | wc -l)
		[ "$f" -gt "$max_fds" ] && max_fds=$f
	fi
	if grep -q '^@@FLOODING' "$log"; then
		flooding=1
		break
	fi
	sleep 0.2
done

if [ $flooding -eq 1 ]; then
	sleep 1	# the writers' sends are held now
	t0=$(now_ms)
	kill -TERM "$wlvm_pid"
	wait "$wlvm_pid"
	status=$?
	ms=$(($(now_ms) - t0))
	tap_diag "SIGTERM with 8 guest writers stuck: wlvm exited after $ms ms, status $status"
	# wlvm kills QEMU a second after SIGTERM (status 137): QEMU must not
	# need that.
	if [ $ms -lt 1000 ] && [ $status -ne 137 ]; then
		tap_ok "host: SIGTERM ends QEMU within a second while guest writers are stuck"
	else
		tap_fail "host: SIGTERM ends QEMU within a second while guest writers are stuck ($ms ms, status $status)"
	fi
else
	kill -TERM "$wlvm_pid" 2>/dev/null
	wait "$wlvm_pid"
	tap_fail "host: the guest reached its flood (no @@FLOODING)"
fi

vm_report "$log"
if [ -s "$vm_tmp/plan" ] || ! grep -q '^@@PLAN ' "$log.txt"; then
	tail -30 "$log.txt" | sed 's/^/# console: /'
	grep -q '^@@PLAN ' "$log.txt" || tap_fail "the guest's limits test started"
fi

grow=$(((max_shmem - base_shmem) / 1024))
tap_diag "host Shmem grew by at most $grow MiB; QEMU had at most $max_fds fds open"
# The guest pinned 64 MiB for a second (it must have shown); room for what
# else the machine does.
if [ $grow -ge 48 ] && [ $grow -le 96 ]; then
	tap_ok "host: shared memory stays within --max-mem 64M (grew $grow MiB)"
else
	tap_fail "host: shared memory stays within --max-mem 64M (grew $grow MiB)"
fi
# Two fds per vfd and QEMU's own; the guest held 255 pipes for a second.
if [ "$max_fds" -ge $((2 * 250)) ] && [ "$max_fds" -le $((2 * 256 + 200)) ]; then
	tap_ok "host: QEMU's open fds stay bounded by --max-vfds 256 ($max_fds)"
else
	tap_fail "host: QEMU's open fds stay bounded by --max-vfds 256 ($max_fds)"
fi
if [ -s "$vm_tmp/peer.log" ]; then
	sed 's/^/# peer: /' "$vm_tmp/peer.log"
fi
tap_done
