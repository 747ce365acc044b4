#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the virtio_wl test initramfs.  Loads the virtio modules, then
# runs wl-guest-test twice in one boot: with virtio_wl accepting
# VIRTIO_WL_F_USE_SHMEM (pfns are offsets into shared-memory region 0) and,
# after reloading it with use_shmem=0, with absolute pfns.  Kernel command
# line: wltest=check|bench|smoke|stress, wltest.cycles=N (open/close
# cycles); stress runs the subtest wltest.only=NAME wltest.repeat=N times
# (time-bound ones for wltest.seconds=S each); limits runs wl-guest-limits
# with the host's limits wltest.contexts=N wltest.mem=MIB wltest.vfds=N,
# then leaves writers stuck on full pipes for the host to stop the VM.
# Everything the host script parses starts with "@@".
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
exec </dev/console >/dev/console 2>&1

kv=$(uname -r)
mode=check
cycles=10000
only=threads
repeat=10
seconds=1
contexts=8
mem=64
vfds=256
for a in $(cat /proc/cmdline); do
	case $a in
	wltest=*) mode=${a#*=} ;;
	wltest.cycles=*) cycles=${a#*=} ;;
	wltest.only=*) only=${a#*=} ;;
	wltest.repeat=*) repeat=${a#*=} ;;
	wltest.seconds=*) seconds=${a#*=} ;;
	wltest.contexts=*) contexts=${a#*=} ;;
	wltest.mem=*) mem=${a#*=} ;;
	wltest.vfds=*) vfds=${a#*=} ;;
	esac
done

wl=
while read -r m; do
	case $m in */virtio_wl.ko) wl=/lib/modules/$kv/$m; continue ;; esac
	insmod "/lib/modules/$kv/$m" || echo "@@TAP not ok guest/insmod $m"
done </etc/modules.order

tap() { echo "@@TAP $*"; }

# Runs wl-guest-test; a crash is a failure of its own.
guest_test() {
	/bin/wl-guest-test "$@"
	st=$?
	[ $st -gt 128 ] && tap "not ok guest/wl-guest-test $* # killed by signal $((st - 128))"
	return 0
}

load_wl() {
	if ! insmod "$wl" "$@"; then
		tap "not ok guest/insmod virtio_wl $*"
		return 1
	fi
	i=0
	while [ ! -e /dev/wl0 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -e /dev/wl0 ]; then
		tap "ok guest/probe $*"
	else
		tap "not ok guest/probe $* # no /dev/wl0 (is there a virtio device 63?)"
		grep -l 0x003f /sys/bus/virtio/devices/*/device >/dev/null 2>&1 ||
			echo "@@DIAG no virtio device with id 63"
		return 1
	fi
}

echo "@@DIAG guest up at $(cut -d' ' -f1 /proc/uptime) s, kernel $kv, $(grep -c '^processor' /proc/cpuinfo) CPUs online"
case $mode in
check)
	if load_wl inject=1; then
		guest_test --tag shmem --expect-shmem 1 --cycles "$cycles"
		if rmmod virtio_wl; then
			tap "ok guest/rmmod"
		else
			tap "not ok guest/rmmod"
		fi
		load_wl inject=1 use_shmem=0 &&
			guest_test --tag abs --expect-shmem 0 --cycles $((cycles / 10))
	fi
	;;
bench)
	if dmesg | grep -q 'Hypervisor detected: KVM'; then
		echo "@@ACCEL KVM"
	else
		echo "@@ACCEL TCG"
	fi
	load_wl && guest_test --tag bench --bench
	;;
stress)
	if load_wl; then
		i=0
		while [ $i -lt "$repeat" ]; do
			guest_test --tag "stress$i" --only "$only" --seconds "$seconds" --cycles "$cycles"
			i=$((i + 1))
		done
	fi
	;;
limits)
	if load_wl; then
		/bin/wl-guest-limits --tag limits --contexts "$contexts" --mem-mib "$mem" \
			--vfds "$vfds"
		/bin/wl-guest-limits --flood
	fi
	;;
smoke)
	# Without a virtio-wl device: the module loads and unloads cleanly.
	if insmod "$wl" && rmmod virtio_wl; then
		tap "ok guest/insmod_rmmod"
	else
		tap "not ok guest/insmod_rmmod"
	fi
	;;
esac

if dmesg | grep -qE 'BUG|WARNING:|Oops|general protection|Call Trace'; then
	tap "not ok guest/kernel_log_clean # kernel reported a problem"
	dmesg | grep -E -A20 'BUG|WARNING:|Oops|general protection' | sed 's/^/@@DIAG /'
else
	tap "ok guest/kernel_log_clean"
fi
dmesg | grep -E 'virtio_wl|virtio[0-9]' | sed 's/^/@@DMESG /'
echo "@@DONE at $(cut -d' ' -f1 /proc/uptime) s"
poweroff -f
