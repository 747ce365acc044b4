#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make demo: boots a VM (wlvm: Debian's kernel, the guest image of
# `make rootfs`) whose apps (weston-terminal, weston-flower, foot, xterm
# unless APPS chose others) run in the guest behind wlnest and appear on the
# host compositor through virtio-wl.
#   scripts/demo.sh [--build DIR]
# With a compositor answering on $WAYLAND_DISPLAY the apps open on your
# desktop; the VM powers off when you have closed them all (Ctrl-C stops
# it at once).  Without one, a headless weston (1280x800, pixman) is the
# host: the apps are started one by one, each is waited for on the host's
# screen, and a screenshot is written; its path is printed last.
# DEMO_ACCEL=auto|kvm|tcg picks the accelerator (default auto).
set -u

build=build
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	-h | --help) sed -n '4,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
VIRTWL_TOP=$top
VIRTWL_BUILD=$build
VIRTWL_SAN=0
export VIRTWL_TOP VIRTWL_BUILD

t_demo=$(date +%s)
step() { printf '[demo %3ds] %s\n' $(($(date +%s) - t_demo)) "$*"; }
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }

. "$top/tests/lib.sh"
. "$top/tests/host/lib.sh"
. "$top/tests/vm/apps-lib.sh"
AVM_DIR=$build/rootfs
AVM_TIMEOUT=120
accel=${DEMO_ACCEL:-auto}

# ---- what is needed ----
[ -x "$build/wlvm" ] || die "$build/wlvm is not built (make)"
[ -f "$AVM_DIR/rootfs.squashfs" ] || die "no guest image in $AVM_DIR (make rootfs)"
kver=$(avm_kver)
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] ||
	die "no guest kernel /boot/vmlinuz-$kver for $build/virtio_wl.ko (make deps; make module)"
apps=$(sed -n 's/^# virtwl guest image: kernel [^,]*, apps: //p' "$AVM_DIR/manifest.txt")
[ -n "$apps" ] || die "the image in $AVM_DIR was built without apps (make rootfs APPS=...)"
step "guest image: $AVM_DIR ($(du -h "$AVM_DIR/rootfs.squashfs" | cut -f1) squashfs), kernel $kver, apps: $apps"

if [ -z "${VIRTWL_QEMU:-}" ] && ! "$top/host/qemu/build-qemu.sh" --path >/dev/null 2>&1; then
	step "building QEMU with virtio-wl-pci from Debian's source (once; about 3 minutes on 2 cores)"
	"$top/host/qemu/build-qemu.sh" >/dev/null 2>"$build/demo-qemu-build.log" &
	qpid=$!
	# the build's own progress, condensed
	while kill -0 $qpid 2>/dev/null; do
		sleep 10
		p=$(grep -o '^\[[0-9]*/[0-9]*\]' "$build/demo-qemu-build.log" 2>/dev/null | tail -n 1)
		l=$(grep '^build-qemu:' "$build/demo-qemu-build.log" 2>/dev/null | tail -n 1)
		step "  ${p:+compiling $p; }${l#build-qemu: }"
	done
	wait $qpid
	"$top/host/qemu/build-qemu.sh" --path >/dev/null 2>&1 ||
		{ tail -n 20 "$build/demo-qemu-build.log" >&2; die "building QEMU failed (log: $build/demo-qemu-build.log)"; }
fi

# ---- the host compositor ----
user_sock=
if [ -n "${WAYLAND_DISPLAY:-}" ] && [ -n "${XDG_RUNTIME_DIR:-}" ] &&
	timeout 5 wayland-info >/dev/null 2>&1; then
	case $WAYLAND_DISPLAY in
	/*) user_sock=$WAYLAND_DISPLAY ;;
	*) user_sock=$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY ;;
	esac
fi

if [ -n "$user_sock" ]; then
	# Your desktop: the guest runs the apps and powers off after them.
	cmd=
	for a in $apps; do cmd="$cmd$a & "; done
	cmd="${cmd}wait"
	step "host: your compositor at $user_sock"
	step "booting the VM (wlvm --accel $accel); the guest console follows"
	step "the apps open on your desktop; close them all to power the VM off (Ctrl-C stops it at once)"
	"$build/wlvm" --accel "$accel" -k "/boot/vmlinuz-$kver" \
		-i "$AVM_DIR/initramfs.cpio.gz" -d "$AVM_DIR/rootfs.squashfs" -m 768M \
		--wayland-sock "$user_sock" --append quiet -- sh -c "$cmd"
	st=$?
	step "the VM ended (wlvm status $st)"
	exit $st
fi

# Headless: weston with its desktop shell (every window visible), the
# seat module so that terminals get a keyboard, a screenshot at the end.
mkdir -p "$build/demo"
LOGDIR=$build/demo/logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
T=$(mktemp -d /tmp/vwl-demo.XXXXXX) || exit 1
chmod 755 "$T"
trap host_cleanup EXIT
trap 'exit 130' INT TERM
_shot_n=0
for tool in "$PIXCHECK" "$TOOLS/wshot" "$TOOLS/weston-inject.so"; do
	[ -e "$tool" ] || die "$tool is not built (make check-programs)"
done
png=$build/demo/demo-$(date +%Y%m%d-%H%M%S).png

step "no compositor on \$WAYLAND_DISPLAY: starting a headless weston (1280x800, pixman)"
host_start weston desktop 1280x800 || die "headless weston did not start (log: $LOGDIR/weston.log)"
# the pointer (and with it the cursor) out of the way, in the corner
printf 'motion %d %d\n' $((HOST_W - 1)) $((HOST_H - 1)) >"$INJECT"
step "host: headless weston at $HOST_SOCKET"

step "booting the VM (wlvm --accel $accel, 768 MiB, Debian $kver); the guest is driven over its serial console"
t0=$(date +%s)
avm_boot --accel "$accel" --wayland-sock "$HOST_SOCKET" --append quiet ||
	die "the guest did not come up (console log: $AVM_LOG)"
chosen=$(tr -d '\r' <"$AVM_LOG" | sed -n 's/^wlvm: accel: //p' | head -n 1)
step "guest up in $(($(date +%s) - t0)) s (${chosen:-accel ?}); $(tr -d '\r' <"$AVM_LOG" | grep -m 1 '^virtwl: ready' | sed 's/^virtwl: //')"

# screen_changed BEFORE: the host's screen differs from BEFORE in more
# than 3000 bytes (a new window; a blinking cursor is far less)
screen_changed() {
	shot "$T/now.ppm" 2>/dev/null || return 1
	[ "$(cmp -l "$1" "$T/now.ppm" 2>/dev/null | wc -l)" -gt 3000 ]
}

shown=""
missing=""
for a in $apps; do
	shot "$T/before.ppm" || die "screenshot failed"
	args=
	# headless weston reports a 25 dpi output; foot would honour it
	[ "$a" = foot ] && args="-o dpi-aware=no"
	t0=$(date +%s%N)
	g_bg "$a" "$a" $args
	if wait_until 90 screen_changed "$T/before.ppm"; then
		step "$a is on the host's screen ($(( ($(date +%s%N) - t0) / 1000000 )) ms after it started)"
		shown="$shown $a"
	else
		g "tail -n 5 /tmp/$a.log"
		step "$a did not show up within 90 s; its output: $(echo "$AVM_OUT" | tr '\n' ' ')"
		missing="$missing $a"
	fi
done
sleep 1
shot "$png" || die "screenshot failed"
g "grep -o 'wlnest-stats:.*' /run/wlnest.log; free -m | sed -n 2p"
step "guest memory: $(echo "$AVM_OUT" | awk '/^Mem:/ { print $3 " MiB used of " $2 }')"
avm_poweroff
step "the VM powered off (wlvm status $AVM_STATUS)"
[ -z "$missing" ] || step "not shown:$missing (logs in $LOGDIR)"
step "shown:$shown"
step "screenshot:"
echo "$png"
[ -z "$missing" ]
