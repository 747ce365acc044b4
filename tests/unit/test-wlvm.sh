#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlvm without booting anything: --help, refusal of bad input with a clear
# message, accel detection, and the QEMU command line it would run.
. "$VIRTWL_TOP/tests/lib.sh"

wlvm=$VIRTWL_BUILD/wlvm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernel=$tmp/kernel
printf 'not a bzImage' >"$kernel"
/usr/bin/python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/wl,0"
/usr/bin/python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/cam"
touch "$tmp/plain"
export VIRTWL_QEMU=/bin/true XDG_RUNTIME_DIR=$tmp WAYLAND_DISPLAY=none

# expect NAME STATUS PATTERN -- ARGS...: exit status and a line on stderr/stdout
expect() {
	name=$1 want=$2 pattern=$3
	shift 4
	out=$("$wlvm" "$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ] && printf '%s\n' "$out" | grep -q -- "$pattern"; then
		tap_ok "$name"
	else
		tap_fail "$name (status $got, wanted $want and /$pattern/)"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

expect "--help" 0 "--wayland-sock \[NAME=\]PATH" -- --help
expect "unknown option" 2 "usage: wlvm" -- --frobnicate
expect "missing kernel" 2 "kernel /nonexistent: No such file" -- -n -k /nonexistent
expect "missing initrd" 2 "initrd $tmp/none: No such file" -- -n -k "$kernel" -i "$tmp/none"
expect "missing disk" 2 "disk $tmp/none: No such file" -- -n -k "$kernel" -d "$tmp/none"
expect "socket path that does not exist" 2 "$tmp/nope: No such file" -- \
	-n -k "$kernel" --wayland-sock "$tmp/nope"
expect "socket path that is not a socket" 2 "is not a socket" -- \
	-n -k "$kernel" --wayland-sock "$tmp/plain"
expect "bad socket name" 2 "NAME may hold only" -- -n -k "$kernel" --wayland-sock "a b=$tmp/cam"
expect "reserved socket name" 2 "virtwl-memfd is reserved" -- \
	-n -k "$kernel" --wayland-sock "virtwl-memfd=$tmp/cam"
expect "name given twice" 2 "name cam given twice" -- -n -k "$kernel" \
	--wayland-sock "cam=$tmp/cam" --wayland-sock "cam=$tmp/cam"
expect "two unnamed sockets" 2 "more than one unnamed" -- -n -k "$kernel" \
	--wayland-sock "$tmp/cam" --wayland-sock "$tmp/wl,0"
expect "bad accel" 2 "expected auto, kvm or tcg" -- -n -k "$kernel" --accel fast
expect "bad memory size" 2 "expected a size" -- -n -k "$kernel" -m lots
expect "bad max-vfds" 2 "expected a positive number" -- -n -k "$kernel" --max-vfds 0
expect "bad VM name" 2 "only A-Z a-z 0-9" -- -n -k "$kernel" --name 'a;b'
expect "the VM's name reaches the guest and QEMU" 0 "wlvm.name=vm-1.x .*\|-name vm-1.x" -- \
	-n -k "$kernel" --name vm-1.x
expect "missing default compositor socket is a note" 0 "no compositor socket at $tmp/none" -- \
	-n -k "$kernel"
expect "--home-size without --home" 2 "needs --home" -- -n -k "$kernel" --home-size 1G
expect "too small a home" 2 "at least 16M" -- -n -k "$kernel" --home "$tmp/h.img" --home-size 1M
expect "a home that is a directory" 2 "not a regular file" -- -n -k "$kernel" --home "$tmp"
expect "--home: a writable disk with the serial virtwl-home, virtwl.home=1" 0 \
	"virtwl.home=1.*-drive file=$tmp/h.img,if=none,id=home,format=raw -device virtio-blk-pci,drive=home,serial=virtwl-home" -- \
	-n -k "$kernel" --home "$tmp/h.img"
if [ ! -e "$tmp/h.img" ]; then
	tap_ok "--dry-run makes no home image"
else
	tap_fail "--dry-run makes no home image"
fi
expect "bad --cpus" 2 "expected a positive number" -- -n -k "$kernel" --cpus 0
expect "too many --cpus" 2 "at most 64" -- -n -k "$kernel" --cpus 65
expect "--cpus 2: an SMP guest" 0 " -smp 2 " -- -n -k "$kernel" --cpus 2
expect "bad --net" 2 "expected user, tap or tap=IFNAME" -- -n -k "$kernel" --net wifi
expect "bad TAP name" 2 "is not an interface name" -- -n -k "$kernel" --net tap=a/b
expect "--guest-ip without --net" 2 "needs --net" -- -n -k "$kernel" --guest-ip 10.0.0.2/24
expect "bad --guest-ip" 2 "expected ADDRESS/PREFIX" -- -n -k "$kernel" --net user --guest-ip 10.0.0.300/24
expect "no --net: no network device" 0 "-device virtio-rng-pci" -- -n -k "$kernel"
if "$wlvm" -n -k "$kernel" 2>&1 | grep -q 'netdev\|virtio-net\|virtwl.net\|share-net'; then
	tap_fail "without --net, no network in the QEMU command line"
else
	tap_ok "without --net, no network in the QEMU command line"
fi
expect "--net user: slirp, virtio-net, the host's network namespace, DHCP in the guest" 0 \
	"--share-net.*virtwl.net=dhcp.*-netdev user,id=net0 -device virtio-net-pci,netdev=net0,romfile=,mac=52:54:00:" -- \
	-n -k "$kernel" --net user
expect "--net tap=vm0: mktuntap in front, QEMU takes its fd, the guest's address" 0 \
	"mktuntap -i vm0 --vnet-hdr --up \([0-9]*\) -- .*virtwl.net=10.0.3.2/24,10.0.3.1 .*-netdev tap,id=net0,fd=\1 " -- \
	-n -k "$kernel" --net tap=vm0 --guest-ip 10.0.3.2/24,10.0.3.1
long=$(head -c 3000 /dev/zero | tr '\0' x)
expect "guest command too long" 2 "too long\|kernel takes" -- -n -k "$kernel" -- echo "$long"

# Accel detection, with /proc/cpuinfo and /dev/kvm stand-ins.
printf 'flags\t\t: fpu sse2 hypervisor\n' >"$tmp/cpu-novirt"
printf 'flags\t\t: fpu vmx sse2\n' >"$tmp/cpu-vmx"
WLVM_CPUINFO=$tmp/cpu-novirt expect "auto without vmx/svm is tcg" 0 \
	"accel: tcg (no vmx/svm flag" -- -n -k "$kernel"
WLVM_CPUINFO=$tmp/cpu-vmx WLVM_KVM_DEVICE=$tmp/none expect "auto without /dev/kvm is tcg" 0 \
	"accel: tcg (cannot open /dev/kvm" -- -n -k "$kernel"
WLVM_CPUINFO=$tmp/cpu-vmx WLVM_KVM_DEVICE=/dev/null expect "auto with a /dev/kvm that is not KVM is tcg" 0 \
	"accel: tcg (/dev/kvm does not answer as KVM)" -- -n -k "$kernel"
WLVM_CPUINFO=$tmp/cpu-novirt expect "--accel kvm where KVM does not work" 2 \
	"KVM is not usable here" -- -n -k "$kernel" --accel kvm
expect "--accel tcg" 0 "-accel tcg" -- -n -k "$kernel" --accel tcg

# The command line it would run.
out=$(WLVM_CPUINFO=$tmp/cpu-novirt "$wlvm" -n -k "$kernel" -m 1G --wayland-sock "$tmp/wl,0" \
	--wayland-sock "cam=$tmp/cam" --wl-memfd --no-shmem --max-vfds 99 -d "$tmp/plain" \
	-- sh -c "echo it's ok" 2>/dev/null)
check() { printf '%s\n' "$out" | grep -q -- "$2" && tap_ok "$1" || { tap_fail "$1"; echo "# $out"; }; }
check "unnamed socket, comma doubled" "sock=$tmp/wl,,0"
check "named socket" "named-socks=cam=$tmp/cam"
check "memfd server on" "memfd-server=on"
check "USE_SHMEM off" "use-shmem=off"
check "vfd limit" "max-vfds=99"
check "firmware path" "-L /usr/share/seabios -L /usr/share/qemu"
check "serial console on stdio" "-serial stdio"
check "disk as virtio-blk" "virtio-blk-pci,drive=disk0"
check "disk read-only by default" "file=$tmp/plain,if=none,id=disk0,format=raw,readonly=on"
rw=$(WLVM_CPUINFO=$tmp/cpu-novirt "$wlvm" -n -k "$kernel" -d "$tmp/plain" --disk-writable 2>/dev/null)
if printf '%s\n' "$rw" | grep -q -- "file=$tmp/plain,if=none,id=disk0,format=raw" &&
	! printf '%s\n' "$rw" | grep -q "readonly"; then
	tap_ok "--disk-writable attaches the disk read-write"
else
	tap_fail "--disk-writable attaches the disk read-write"
	echo "# $rw"
fi
check "memory" "-m 1G"
b64=$(printf '%s\n' "$out" | sed -n 's/.*wlvm\.cmd=\([A-Za-z0-9+/=]*\).*/\1/p')
cmd=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
if [ "$cmd" = "'sh' '-c' 'echo it'\\''s ok'" ]; then
	tap_ok "guest command as wlvm.cmd=base64 of a quoted sh command line"
else
	tap_fail "guest command: got [$cmd]"
fi
if [ "$(sh -c "set -- $cmd; printf '%s|' \"\$@\"")" = "sh|-c|echo it's ok|" ]; then
	tap_ok "guest command decodes to the original words"
else
	tap_fail "guest command words"
fi

# The kernel and the initramfs must match: a fake bzImage says it is
# 9.9.1 (setup header: HdrS at 0x202, its version string at 0x20e + 0x200),
# a fake initramfs has modules for 9.9.9.
/usr/bin/python3 - "$tmp" <<'PY'
import gzip, os, struct, sys
d = sys.argv[1]
img = bytearray(0x1000)
img[0x202:0x206] = b"HdrS"
img[0x20e:0x210] = struct.pack("<H", 0x300)
ver = b"9.9.1-test (someone@example) #1 SMP\0"
img[0x500:0x500 + len(ver)] = ver
open(os.path.join(d, "bzimage"), "wb").write(img)
def entry(name, mode):
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (1, mode, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(n), 0))
    pad = (4 - (len(h) + len(n)) % 4) % 4
    return h + n + b"\0" * pad
cpio = entry("lib", 0o40755) + entry("lib/modules", 0o40755) + \
    entry("lib/modules/9.9.9-test", 0o40755) + entry("TRAILER!!!", 0)
open(os.path.join(d, "initrd.gz"), "wb").write(gzip.compress(cpio))
PY
expect "a kernel that does not match the initramfs is refused" 2 \
	"kernel $tmp/bzimage is 9.9.1-test, but the initramfs $tmp/initrd.gz has modules for 9.9.9-test" -- \
	-n -k "$tmp/bzimage" -i "$tmp/initrd.gz"
expect "without -k, the initramfs's kernel is wanted, not the newest" 2 \
	"has modules for kernel 9.9.9-test, which is not installed (/boot/vmlinuz-9.9.9-test)" -- \
	-n -i "$tmp/initrd.gz"

# The default kernel is the newest /boot/vmlinuz-*, booted through PVH.
newest=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
if [ -n "$newest" ]; then
	out=$(VIRTWL_CACHE=$tmp/cache "$wlvm" -n 2>/dev/null)
	check "default kernel through PVH from the cache" \
		"-kernel $tmp/cache/vmlinux/$(basename "$newest")-"
else
	tap_skip "default kernel" "no /boot/vmlinuz-* installed"
fi
tap_done
