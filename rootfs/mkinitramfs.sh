#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Builds a guest initramfs (newc cpio) from busybox-static, kernel modules
# of an installed Debian kernel, extra files and an init.
#
#   rootfs/mkinitramfs.sh -o OUT [-k KVER] [-m MODULE]... [-f SRC[:DEST]]...
#                         [-i INIT] [-b BUSYBOX]
#
#   -o OUT      the archive; gzip-compressed when OUT ends in .gz
#   -k KVER     kernel release whose modules to take (default: the kernel
#               linux-image-amd64 points at, else the newest in /lib/modules)
#   -m MODULE   a module name (virtio_pci) or a .ko file; its dependencies
#               are resolved with modules.dep (modinfo for a .ko file);
#               modules the kernel has built in (modules.builtin) are
#               skipped, present already.
#               Repeatable; each may also be a comma-separated list.
#   -f SRC:DEST a file to add at DEST (default: /SRC's basename in /bin)
#   -i INIT     the /init script (default: a generic init, below)
#   -b BUSYBOX  a static busybox (default: /bin/busybox from busybox-static)
#
# Modules land in /lib/modules/KVER/ at their usual paths (extra/ for .ko
# files); /etc/modules.order lists them in load order, dependencies first,
# for init to insmod.  The generic init mounts /proc, /sys, /dev, /tmp and
# /run, loads every module in that list, runs /etc/rc if present and then
# a shell on the console.
set -eu

die() { echo "mkinitramfs: $*" >&2; exit 1; }

out= kver= init= busybox=/bin/busybox mods= files=
while getopts o:k:m:f:i:b:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) kver=$OPTARG ;;
	m) mods="$mods $(echo "$OPTARG" | tr , ' ')" ;;
	f) files="$files
$OPTARG" ;;
	i) init=$OPTARG ;;
	b) busybox=$OPTARG ;;
	*) sed -n '4,24s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[ -n "$out" ] || die "no output given (-o OUT)"

if [ -z "$kver" ]; then
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -nE 's/.*linux-image-([^ ,]+).*/\1/p')
	[ -n "$kver" ] && [ -d "/lib/modules/$kver" ] ||
		kver=$(ls /lib/modules 2>/dev/null | sort -V | tail -1)
fi
moddir=/lib/modules/$kver
if [ -n "$mods" ]; then
	[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep (kernel '$kver' not installed?)"
fi

[ -x "$busybox" ] || die "no busybox at $busybox (install busybox-static)"
if ! "$busybox" --list >/dev/null 2>&1; then
	die "$busybox does not run"
fi
if command -v ldd >/dev/null && ldd "$busybox" 2>/dev/null | grep -q '=>'; then
	die "$busybox is dynamically linked (install busybox-static)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
root=$work/root
mkdir -p "$root"
for d in bin sbin usr/bin usr/sbin etc proc sys dev tmp run root var \
	lib/modules/"$kver"; do
	mkdir -p "$root/$d"
done

# busybox and one link per applet.
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# Modules: a depth-first walk gives dependencies before their users.
norm() { basename "$1" | sed -E 's/\.ko(\.(xz|zst|gz))?$//; s/-/_/g'; }
seen=" "
# Modules the kernel has built in (6.12 builds in virtio_pci, for one)
# are there already: nothing to copy or load.
builtin=" "
if [ -f "$moddir/modules.builtin" ]; then
	builtin=" $(sed -E 's|.*/||; s/\.ko$//; s/-/_/g' "$moddir/modules.builtin" | tr '\n' ' ')"
fi
order=$work/order
: >"$order"

copy_module() {	# SRC DEST-relative-to-moddir
	mkdir -p "$root/$moddir/$(dirname "$2")"
	case $1 in
	*.ko.xz) xz -dc "$1" >"$root/$moddir/${2%.xz}" ;;
	*.ko.zst) zstd -qdc "$1" >"$root/$moddir/${2%.zst}" ;;
	*.ko.gz) gzip -dc "$1" >"$root/$moddir/${2%.gz}" ;;
	*) cp "$1" "$root/$moddir/$2" ;;
	esac
	echo "$2" | sed -E 's/\.(xz|zst|gz)$//' >>"$order"
}

dep_line() {	# NAME -> "path: deps..." from modules.dep
	awk -v want="$1" -F: '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n);
		gsub(/-/, "_", n);
		if (n == want) { print; exit }
	}' "$moddir/modules.dep"
}

# Recursive: 'local' keeps each level's variables (dash and bash have it).
add_module() {	# NAME or FILE.ko
	local name line d src rel deps
	name=$(norm "$1")
	case $seen$builtin in *" $name "*) return 0 ;; esac
	seen="$seen$name "
	case $1 in
	*.ko | *.ko.*)
		[ -f "$1" ] || die "no module file $1"
		src=$1
		rel=extra/$(basename "$1")
		deps=$(modinfo -F depends "$1" | tr , ' ')
		;;
	*)
		line=$(dep_line "$name")
		[ -n "$line" ] || die "module $1 not found in $moddir/modules.dep"
		src=$moddir/${line%%:*}
		rel=${line%%:*}
		deps=${line#*:}
		;;
	esac
	for d in $deps; do
		add_module "$(norm "$d")"
	done
	copy_module "$src" "$rel"
}

for m in $mods; do
	add_module "$m"
done
cp "$order" "$root/etc/modules.order"

# Extra files.
echo "$files" | while IFS= read -r spec; do
	[ -n "$spec" ] || continue
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" = "$spec" ] && dest=/bin/$(basename "$src")
	case $dest in */) dest=$dest$(basename "$src") ;; esac
	[ -e "$src" ] || die "no file $src"
	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$src" "$root/$dest"
done

if [ -n "$init" ]; then
	[ -f "$init" ] || die "no init script $init"
	cp "$init" "$root/init"
else
	cat >"$root/init" <<'EOF'
#!/bin/sh
# Generic init from rootfs/mkinitramfs.sh.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/console 2>&1
while read -r m; do
	insmod "/lib/modules/$(uname -r)/$m" || echo "init: cannot load $m"
done </etc/modules.order
[ -x /etc/rc ] && /etc/rc
exec /bin/sh
EOF
fi
chmod 755 "$root/init"

# The kernel opens /dev/console before init runs; without the node init
# starts without stdio (it reopens the console once devtmpfs is mounted).
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
fi

tmp_out=$work/out
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) >"$tmp_out"
case $out in
*.gz) gzip -1 -n <"$tmp_out" >"$out.tmp" ;;
*) cp "$tmp_out" "$out.tmp" ;;
esac
mv "$out.tmp" "$out"
