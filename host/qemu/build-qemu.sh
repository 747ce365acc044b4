#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds qemu-system-x86_64 from Debian's own qemu source package with the
# virtio-wl-pci device and our fixes (patches/) added, into a cache outside
# the checkout.  The result is keyed by a hash of our sources, so it is
# rebuilt only when they change; the QEMU build tree is kept, so a rebuild
# recompiles only what changed.
#
#   host/qemu/build-qemu.sh            build if needed, print the binary path
#   host/qemu/build-qemu.sh --path     print the binary path if it is built
#                                      (exit 1 if not), never build
#   host/qemu/build-qemu.sh --hash     print the source hash only
#
# Cache: $VIRTWL_CACHE, else /var/cache/virtwl when writable, else
# ${XDG_CACHE_HOME:-~/.cache}/virtwl.  Fetching the source needs root (a
# temporary deb-src entry is added to apt and removed again).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# Every file that ends up in the QEMU tree, and this script itself.
our_files() {
	ls "$here"/*.c "$here"/*.h "$top"/host/wl/*.c "$top"/host/wl/*.h \
		"$here"/patches/*.patch \
		"$top"/driver/include/uapi/linux/virtio_wl.h "$here/build-qemu.sh" |
		LC_ALL=C sort
}

src_hash() {
	for f in $(our_files); do
		printf '%s\n' "${f#"$top"/}"
		cat "$f"
	done | sha256sum | cut -c1-16
}

cache_dir() {
	if [ -n "${VIRTWL_CACHE:-}" ]; then
		echo "$VIRTWL_CACHE"
	elif mkdir -p /var/cache/virtwl 2>/dev/null && [ -w /var/cache/virtwl ]; then
		echo /var/cache/virtwl
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/virtwl"
	fi
}

hash=$(src_hash)
[ "${1:-}" = --hash ] && { echo "$hash"; exit 0; }
cache=$(cache_dir)
qdir=$cache/qemu
bin=$qdir/bin-$hash/qemu-system-x86_64

case "${1:-}" in
--path) [ -x "$bin" ] && { echo "$bin"; exit 0; }; exit 1 ;;
-h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "build-qemu: unknown option '$1'" >&2; exit 2 ;;
esac

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

say() { echo "build-qemu: $*" >&2; }
mkdir -p "$qdir"
exec 9>"$qdir/lock"
if ! flock -n 9; then
	say "waiting for another build in $qdir"
	flock 9
fi
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

t_start=$(date +%s)
src=$(ls -d "$qdir"/src/qemu-*/ 2>/dev/null | head -n1 || true)
src=${src%/}
if [ -z "$src" ] || [ ! -e "$src/.virtwl-unpacked" ]; then
	if [ "$(id -u)" != 0 ]; then
		say "the QEMU source is not in $qdir/src yet; run this script once as root"
		say "(it adds a temporary deb-src entry to apt and runs apt-get source qemu)"
		exit 1
	fi
	rm -rf "$qdir/src"
	mkdir -p "$qdir/src"
	list=/etc/apt/sources.list.d/virtwl-qemu-src.sources
	cleanup() {
		rm -f "$list"
		apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null 2>&1 || true
	}
	trap cleanup EXIT INT TERM
	cat >"$list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	say "fetching Debian's qemu source package"
	apt-get -o DPkg::Lock::Timeout=900 update -qq \
		-o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
		-o APT::Get::List-Cleanup=0
	(cd "$qdir/src" && apt-get -q source --download-only \
		-o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- qemu)
	cleanup
	trap - EXIT INT TERM
	say "unpacking"
	(cd "$qdir/src" && dpkg-source -q -x qemu_*.dsc >/dev/null)
	rm -f "$qdir"/src/qemu_*.orig.tar.* "$qdir"/src/qemu_*.debian.tar.*
	src=$(ls -d "$qdir"/src/qemu-*/ | head -n1)
	src=${src%/}
	touch "$src/.virtwl-unpacked"
fi
say "source: $src ($(cat "$src/VERSION"))"

# Hook the device into QEMU's build once; everything here is idempotent.
vio=$src/hw/virtio
if ! grep -q VIRTIO_WL "$vio/Kconfig"; then
	cat >>"$vio/Kconfig" <<'KC'

config VIRTIO_WL
    bool
    default y
    depends on VIRTIO && LINUX
KC
fi
# Our files go in right after virtio-rng's, in the same source sets; the
# list follows host/wl/, so the lines are written anew whenever it changes.
model_files=$(for f in "$top"/host/wl/*.c; do printf "'wl/%s', " "$(basename "$f")"; done)
wl_line="virtio_ss.add(when: 'CONFIG_VIRTIO_WL', if_true: files('virtio-wl.c', ${model_files%, }))"
if ! grep -qxF "$wl_line" "$vio/meson.build"; then
	grep -v "CONFIG_VIRTIO_WL" "$vio/meson.build" |
	awk -v wl="$wl_line" '
	/^virtio_ss.add\(when: .CONFIG_VIRTIO_RNG., if_true: files\(.virtio-rng.c.\)\)/ {
		print; print wl; next }
	/^virtio_pci_ss.add\(when: .CONFIG_VIRTIO_RNG., if_true: files\(.virtio-rng-pci.c.\)\)/ {
		print; print "virtio_pci_ss.add(when: '"'"'CONFIG_VIRTIO_WL'"'"', if_true: files('"'"'virtio-wl-pci.c'"'"'))"; next }
	{ print }' >"$vio/meson.build.new"
	[ "$(grep -c virtio-wl "$vio/meson.build.new")" = 2 ] || {
		say "could not hook virtio-wl into $vio/meson.build"; exit 1; }
	mv "$vio/meson.build.new" "$vio/meson.build"
fi
if ! grep -q virtio-wl "$vio/virtio.c"; then
	# Every device id needs a name, and the feature decoder must know it
	# (QEMU's headers have no VIRTIO_ID_WL, hence the plain 63).
	sed -i 's/^\(\s*\)\[VIRTIO_ID_RNG\] = "virtio-rng",/&\n\1[63] = "virtio-wl",/' "$vio/virtio.c"
	sed -i '/^\s*\/\* No features \*\/$/a\    case 63: /* virtio-wl */' "$vio/virtio.c"
	[ "$(grep -c virtio-wl "$vio/virtio.c")" = 2 ] || {
		say "could not add virtio-wl to $vio/virtio.c"; exit 1; }
fi
# Fixes to QEMU itself (each patch says why).  A patch that is already in
# the tree is left alone, so this stays idempotent.
for p in "$here"/patches/*.patch; do
	if patch -d "$src" -p1 -R -f -s --dry-run <"$p" >/dev/null 2>&1; then
		continue
	fi
	if ! patch -d "$src" -p1 -N -f -s --dry-run <"$p" >&2; then
		say "$(basename "$p") does not apply to $src"
		exit 1
	fi
	patch -d "$src" -p1 -N -f -s --no-backup-if-mismatch <"$p"
	say "applied $(basename "$p")"
done

devs=$src/configs/devices/x86_64-softmmu/wl.mak
printf '%s\n' '# virtwl: the devices wlvm uses' CONFIG_I440FX=y CONFIG_VIRTIO_PCI=y \
	CONFIG_VIRTIO_BLK=y CONFIG_VIRTIO_RNG=y CONFIG_VIRTIO_WL=y \
	CONFIG_VIRTIO_NET=y >"$devs.new"
if cmp -s "$devs.new" "$devs"; then rm "$devs.new"; else mv "$devs.new" "$devs"; fi

# Copy our sources in, touching only files that changed so that ninja
# recompiles just those.
put() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}
put "$here/virtio-wl.c" "$vio/virtio-wl.c"
put "$here/virtio-wl-pci.c" "$vio/virtio-wl-pci.c"
put "$here/virtio-wl.h" "$src/include/hw/virtio/virtio-wl.h"
for f in "$top"/host/wl/*.c "$top"/host/wl/*.h; do
	put "$f" "$vio/wl/$(basename "$f")"
done
put "$top/driver/include/uapi/linux/virtio_wl.h" "$vio/wl/linux/virtio_wl.h"

build=$src/build
# seccomp: wlvm runs QEMU with -sandbox on (libseccomp-dev); slirp: wlvm
# --net user (libslirp-dev).
configure_args="--target-list=x86_64-softmmu --disable-docs \
--without-default-features --without-default-devices \
--with-devices-x86_64=wl --enable-tcg --enable-kvm --enable-seccomp --enable-slirp \
--disable-werror --with-git-submodules=ignore"
if [ ! -e "$build/build.ninja" ] ||
   [ "$(cat "$build/.virtwl-configure" 2>/dev/null)" != "$configure_args" ]; then
	say "configuring (about 15 s)"
	rm -rf "$build"
	mkdir -p "$build"
	# configure takes the first python3 in PATH: use Debian's.
	# shellcheck disable=SC2086 # the arguments are words
	(cd "$build" && PATH=/usr/bin:/bin:$PATH ../configure $configure_args \
		>configure.log 2>&1) || {
		say "configure failed; see $build/configure.log"; tail -n 20 "$build/configure.log" >&2; exit 1; }
	echo "$configure_args" >"$build/.virtwl-configure"
fi
say "building qemu-system-x86_64 (about 2 minutes the first time)"
jobs=$(nproc 2>/dev/null || echo 2)
PATH=/usr/bin:/bin:$PATH ninja -C "$build" -j"$jobs" qemu-system-x86_64 >&2 || {
	say "build failed"; exit 1; }

mkdir -p "$qdir/bin-$hash.tmp"
cp "$build/qemu-system-x86_64" "$qdir/bin-$hash.tmp/"
rm -rf "$qdir/bin-$hash"
mv "$qdir/bin-$hash.tmp" "$qdir/bin-$hash"
# Keep the five newest builds; older ones are from sources long gone.
ls -dt "$qdir"/bin-* 2>/dev/null | tail -n +6 | xargs -r rm -rf
say "done in $(($(date +%s) - t_start)) s"
echo "$bin"
