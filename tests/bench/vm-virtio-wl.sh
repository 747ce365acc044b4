#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Benchmarks of the virtio_wl transport inside a VM (one boot with wlvm,
# --accel auto), each beside the same operation done natively on the host
# (wl-native-bench) and the host's memcpy bandwidth, the physical limit of
# every copy on the path.  The accelerator (TCG or KVM) is printed next to
# each VM figure.
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
. "$top/tests/vm/vm-lib.sh"

echo "== virtio_wl in a VM vs native"
if [ ! -f "$vm_initrd" ] || [ ! -x "$vm_peer" ]; then
	echo "virtio_wl VM benchmark: SKIP: test programs not built"
	exit 0
fi
vm_start_peer || { echo "virtio_wl VM benchmark: the host peer did not start"; exit 1; }
if ! why=$(vm_check); then
	echo "virtio_wl VM benchmark: SKIP: $why"
	exit 0
fi

log=$vm_tmp/console.log
vm_boot "$log" --accel "${VIRTWL_BENCH_ACCEL:-auto}" --append "quiet wltest=bench"
tr -d '\r' <"$log" >"$vm_tmp/guest.txt"
"$build/tests/bench/wl-native-bench" >"$vm_tmp/native.txt"

accel=$(sed -n 's/^@@ACCEL //p' "$vm_tmp/guest.txt")
[ -n "$accel" ] || accel="?"
if grep -q '^@@TAP not ok' "$vm_tmp/guest.txt" || ! grep -q '^@@DONE' "$vm_tmp/guest.txt"; then
	echo "virtio_wl VM benchmark: the guest run failed:"
	grep '^@@TAP not ok' "$vm_tmp/guest.txt"
	tail -20 "$vm_tmp/guest.txt"
	exit 1
fi

val() { sed -n "s/^@@BENCH $2 \([^ ]*\) .*/\1/p" "$1" | head -1; }

# guest figure, native figure it compares with, label, unit, better
# (lower or higher)
printf '%-34s %-4s %12s %12s %9s\n' "operation" "vm" "in VM" "native" "VM/native"
row() {
	g=$(val "$vm_tmp/guest.txt" "$1")
	n=$(val "$vm_tmp/native.txt" "$2")
	[ -n "$g" ] && [ -n "$n" ] || { echo "$3: missing figure"; return; }
	awk -v g="$g" -v n="$n" -v l="$3" -v u="$4" -v a="$accel" 'BEGIN {
		printf "%-34s %-4s %9.1f %-2s %9.1f %-2s %8.3fx\n", l, a, g, u == "MB/s" ? "MB" : u, n, u == "MB/s" ? "MB" : u, g / n
	}'
}
row ctx_rtt_64 ctx_rtt_64 "context echo round trip, 64 B" us
row ctx_guest_to_host socket_bulk "context bulk guest->host (/s)" MB/s
row ctx_host_to_guest socket_bulk "context bulk host->guest (/s)" MB/s
row pipe_guest_to_host pipe_bulk "pipe bulk guest->host (/s)" MB/s
row pipe_host_to_guest pipe_bulk "pipe bulk host->guest (/s)" MB/s
row alloc_mmap_close_64k alloc_mmap_close_64k "ALLOC+mmap+close, 64 KiB" us
m=$(val "$vm_tmp/native.txt" memcpy)
mc=$(val "$vm_tmp/native.txt" memcpy_64k)
awk -v m="$m" -v mc="$mc" 'BEGIN {
	printf "%-34s %-4s %12s %9.1f MB\n", "host memcpy 64 MiB (limit, /s)", "-", "", m
	printf "%-34s %-4s %12s %9.1f MB\n", "host memcpy 64 KiB, cached (/s)", "-", "", mc
}'
for k in ctx_guest_to_host ctx_host_to_guest pipe_guest_to_host pipe_host_to_guest; do
	g=$(val "$vm_tmp/guest.txt" "$k")
	awk -v g="$g" -v m="$m" -v k="$k" 'BEGIN { printf "  %s: %.4f of memcpy\n", k, g / m }'
done
