#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds a guest image from the Debian packages installed on this machine:
# a squashfs root filesystem with the chosen apps, everything they need at
# run time, wlnest, Xwayland, fonts and busybox, plus a small initramfs
# (busybox, Debian's virtio modules and virtio_wl.ko for the same kernel)
# that mounts it as the root (read-only squashfs under a tmpfs overlay).
#
#   rootfs/mkrootfs.sh -o DIR [-k KVER] [-w VIRTIO_WL_KO] [-p FILE[:DEST]]...
#                      [-n] [-q] [--] APP...
#   rootfs/mkrootfs.sh --debs [--mirror URL] -o DIR [-k KVER] [-w VIRTIO_WL_KO]
#                      [-p FILE[:DEST]]... [-q] [--] PACKAGE...
#
#   -o DIR    output directory: DIR/rootfs.squashfs, DIR/initramfs.cpio.gz,
#             DIR/manifest.txt (every file and where it came from)
#   -k KVER   kernel release (default: what linux-image-amd64 depends on)
#   -w FILE   virtio_wl.ko built for KVER (checked with modinfo)
#   -p F[:D]  a program of ours (wlnest, test clients) installed at D
#             (default /usr/bin/NAME); its libraries are resolved like an
#             app's.  Repeatable.
#   -n        resolve and print the manifest summary only (no image)
#   -q        quiet: no progress lines
#   APP       a program name looked up in PATH, or a path.  A name that is
#             not an installed program fails the build.
#   --debs    the root is a Debian system that mmdebstrap installs from
#             downloaded packages instead of files of this machine: the
#             PACKAGEs (Debian package names, which need not be installed
#             here) with their dependencies, dpkg and apt; see below.
#             Needs root and the network; the packages are kept in
#             ${VIRTWL_CACHE:-/var/cache/virtwl}/debs for the next build.
#   --mirror URL  (--debs) the Debian mirror (default: the sources of this
#             machine, /etc/apt/sources.list.d/debian.sources); the suite
#             is this machine's release
#
# An image holds the Debian package closure of its apps:
#  1. programs and libraries: the apps, ours, Xwayland, setpriv, and what
#     ldd says they load;
#  2. every package owning one of those files and, recursively, what it
#     Depends or Pre-Depends on, with all their files (minus docs,
#     manuals, translations, headers, init and systemd files), so plugins
#     and data loaded at run time come with their packages; packages only
#     maintainer scripts use and GPU drivers are left out (skip_re);
#  3. one readelf over the closure's modules adds a library no package
#     relation brought (an alternative, /usr/local);
#  4. a rule per kind of dependency that no package relation names
#     (the helpers Xwayland runs, X core fonts, the caches package
#     triggers make for gdk-pixbuf, GTK and GIO, compiled GSettings
#     schemas, terminfo, the C.UTF-8 locale); see kind_rules.
# With --debs, the root is `mmdebstrap --variant=apt` of the PACKAGEs, of
# xwayland, xfonts-base and glvnd's GL dispatch libraries, and of the
# packages owning our programs' libraries (Qt's Wayland plugins are added
# when Qt came in); maintainer scripts and triggers have run, so dpkg's
# database is complete and apt works in the guest (after apt update, with
# wlvm --net).  Documentation, manuals and translations are left out by
# dpkg path-exclude rules that stay in the guest.  Our programs, busybox,
# the guest init, the session's user and the font caches are added as in
# the default mode; -n does not apply.
# Results are cached by content: when the inputs are unchanged nothing is
# rebuilt, and when only the package database changed but the resolved
# files did not, the image is kept.
set -euo pipefail

self_dir=$(cd "$(dirname "$0")" && pwd)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
libdir=/usr/lib/$triplet
search_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
busybox=/bin/busybox

orig_args=("$@")
out= kver= wl_ko= resolve_only=0 quiet=0 debs=0 mirror=
programs=()	# "SRC:DEST" of our own programs
apps=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-k) kver=$2; shift 2 ;;
	-w) wl_ko=$2; shift 2 ;;
	-p) programs+=("$2"); shift 2 ;;
	-n) resolve_only=1; shift ;;
	-q) quiet=1; shift ;;
	--debs) debs=1; shift ;;
	--mirror) mirror=$2; shift 2 ;;
	--) shift; apps+=("$@"); break ;;
	-h | --help) awk 'NR < 4 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
	-*) echo "mkrootfs: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) apps+=("$1"); shift ;;
	esac
done

die() { echo "mkrootfs: error: $*" >&2; exit 1; }
t_start=$(date +%s%N)
step() {
	[ "$quiet" = 1 ] && return 0
	awk -v a="$t_start" -v b="$(date +%s%N)" -v m="$*" \
		'BEGIN { printf "[rootfs %5.1fs] %s\n", (b - a) / 1e9, m }'
}
[ -n "$out" ] || die "no output directory (-o DIR)"

if [ -z "$kver" ]; then
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -nE 's/.*linux-image-([^ ,]+).*/\1/p')
	[ -n "$kver" ] && [ -d "/lib/modules/$kver" ] ||
		kver=$(ls /lib/modules 2>/dev/null | sort -V | tail -1)
fi
[ -n "$kver" ] && [ -f "/lib/modules/$kver/modules.dep" ] ||
	die "no kernel modules for '$kver' (scripts/install-deps.sh vm installs linux-image-amd64)"
if [ -n "$wl_ko" ]; then
	[ -f "$wl_ko" ] || die "no $wl_ko (make module)"
	ko_ver=$(modinfo -F vermagic "$wl_ko" | cut -d' ' -f1)
	[ "$ko_ver" = "$kver" ] || die "$wl_ko is built for '$ko_ver', the image's kernel is '$kver'"
fi
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
	die "$busybox is missing or not static (install busybox-static)"
command -v mksquashfs >/dev/null || [ "$resolve_only" = 1 ] ||
	die "mksquashfs is missing (install squashfs-tools)"

# --debs: a Debian system from downloaded packages (debs_image below).
[ -z "$mirror" ] || [ "$debs" = 1 ] || die "--mirror goes with --debs"
debs_cache=${VIRTWL_CACHE:-/var/cache/virtwl}/debs
suite= sources=
if [ "$debs" = 1 ]; then
	[ "$resolve_only" = 0 ] || die "-n resolves installed programs; with --debs, apt resolves the packages at build time"
	[ ${#apps[@]} -gt 0 ] || die "--debs needs one Debian package name or more"
	for a in "${apps[@]}"; do
		[[ $a =~ ^[a-z0-9][a-z0-9+.-]+$ ]] ||
			die "'$a' is not a Debian package name (--debs takes package names, e.g. x11-apps for xeyes)"
	done
	command -v mmdebstrap >/dev/null && [ -d /usr/share/mmdebstrap/hooks/merged-usr ] ||
		die "mmdebstrap is missing (scripts/install-deps.sh deb installs it)"
	[ "$(id -u)" = 0 ] ||
		die "--debs needs root: mmdebstrap installs the packages in its root mode, where maintainer scripts run as root (run mkrootfs with sudo; its unshare mode would leave a tree owned by subordinate ids)"
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$suite" ] || suite=bookworm
	# the mirror: --mirror, or this machine's sources (same suites,
	# updates and security, so our programs find the libraries they
	# were built with), or mmdebstrap's default
	if [ -n "$mirror" ]; then
		sources=$mirror
	elif [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sources=/etc/apt/sources.list.d/debian.sources
	fi
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mkrootfs.XXXXXX")
# (not into what a chroot left mounted: the host's /dev, /proc, /sys)
trap 'rm -rf --one-file-system "$work"' EXIT
trap 'exit 130' INT TERM

# ---- the cache key of the inputs ----
# Everything the result depends on: this script and the guest init
# scripts, the arguments, our own files (by content), the kernel's
# modules and the package database (by size and time: any apt run may
# change what an app resolves to).
stat_key() { stat -L -c '%n %s %Y' "$@" 2>/dev/null || true; }
{
	echo "kver=$kver apps=${apps[*]:-} resolve_only=$resolve_only debs=$debs"
	# --debs: the suite and the mirror (a sources file by content)
	if [ "$debs" = 1 ]; then
		echo "suite=$suite sources=$sources"
		[ -f "$sources" ] && cat "$sources"
	fi
	# contents only: the key must not depend on how paths are spelled
	cat "$0" "$self_dir"/init-initramfs.sh "$self_dir"/init-guest.sh \
		"$self_dir"/udhcpc-guest.sh "$self_dir"/mkinitramfs.sh | sha256sum
	for p in "${programs[@]}" ${wl_ko:+"$wl_ko"}; do
		echo "program $(basename "${p#*:}") $(sha256sum <"${p%%:*}")"
	done
	stat_key /var/lib/dpkg/status "/lib/modules/$kver/modules.dep" "$busybox" \
		/etc/ld.so.cache
	# apps that no package owns (/usr/local) change without dpkg
	[ "$debs" = 1 ] || for a in "${apps[@]}"; do
		case $a in */*) stat_key "$a" ;; *) stat_key "$(PATH=$search_path command -v -- "$a" || true)" ;; esac
	done
} >"$work/input.key"
input_key=$(sha256sum <"$work/input.key" | cut -c1-32)
if [ "$resolve_only" = 0 ] && [ -f "$out/rootfs.squashfs" ] &&
	[ -f "$out/initramfs.cpio.gz" ] &&
	[ "$(cat "$out/.input-key" 2>/dev/null)" = "$input_key" ]; then
	step "up to date ($out)"
	exit 0
fi

# ---- what every image gets on top of its files ----
# finish_tree ROOT: busybox, the system files, the guest init and the
# font caches, into a tree of the image's files (ours or, with --debs, a
# Debian system, whose own system files are kept).
finish_tree() {
	local root=$1 a dest
	# busybox: the shell and the tools, where no real program is.
	cp "$busybox" "$root/usr/bin/busybox"
	"$busybox" --list-full | while read -r a; do
		dest=$root/$(image_path "/$a")
		[ -e "$dest" ] || [ -L "$dest" ] || ln -s /usr/bin/busybox "$dest"
	done

	# The system files a program may look for.
	# The session's user (uid 1000) runs wlnest, Xwayland and the apps;
	# root is left to init and the serial console.
	if [ "$debs" = 1 ]; then
		# Debian's, with the system users its packages made
		grep -q '^user:' "$root/etc/passwd" ||
			echo 'user:x:1000:1000:virtwl session:/home/user:/bin/sh' >>"$root/etc/passwd"
		grep -q '^user:' "$root/etc/group" || echo 'user:x:1000:' >>"$root/etc/group"
		for a in shadow gshadow; do
			[ -f "$root/etc/$a" ] && ! grep -q '^user:' "$root/etc/$a" || continue
			case $a in
			shadow) echo 'user:*::0:99999:7:::' ;;
			gshadow) echo 'user:!::' ;;
			esac >>"$root/etc/$a"
		done
	else
		cat >"$root/etc/passwd" <<-'EOF2'
		root:x:0:0:root:/root:/bin/sh
		user:x:1000:1000:virtwl session:/home/user:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
		EOF2
		printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
	fi
	mkdir -p "$root/home/user"
	[ -f "$root/etc/nsswitch.conf" ] ||
		printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
	[ -f "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"
	echo virtwl-guest >"$root/etc/hostname"
	[ -f "$root/etc/shells" ] || echo /bin/sh >"$root/etc/shells"
	[ -f "$root/etc/fstab" ] || : >"$root/etc/fstab"
	# A machine id is one machine's, made on its first boot: a read-only
	# image must not hold one (D-Bus and browsers wait on an empty one).
	# The default mode takes none, as no package lists it.
	rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
	# Debian's /etc/profile reads /etc/profile.d; ours is the only one
	# without it.
	a=$root/etc/profile
	[ "$debs" = 1 ] && mkdir -p "$root/etc/profile.d" && a=$root/etc/profile.d/virtwl.sh
	cat >"$a" <<-'EOF2'
	export PATH=/usr/local/bin:/usr/bin:/usr/sbin
	# the session's display, also for root on the serial console
	export LANG=C.UTF-8 XDG_RUNTIME_DIR=/run/user/1000
	export WAYLAND_DISPLAY=wayland-0 DISPLAY=:0
	if [ "$(id -u)" = 0 ]; then
		export HOME=/root
		PS1='virtwl-guest# '
	else
		export HOME=/home/user
		PS1='virtwl-guest$ '
	fi
	EOF2
	mkdir -p "$root/usr/lib/virtwl"
	install -m 755 "$self_dir/init-guest.sh" "$root/usr/lib/virtwl/init"
	install -m 755 "$self_dir/udhcpc-guest.sh" "$root/usr/lib/virtwl/udhcpc"
	printf '%s\n' "${apps[@]}" >"$root/etc/virtwl-apps"
	ln -sf ../proc/self/mounts "$root/etc/mtab"
	echo "$kver" >"$root/etc/virtwl-kernel"

	if [ $fc_cache = 1 ] && command -v fc-cache >/dev/null; then
		step "font caches (fc-cache)"
		mkdir -p "$root/var/cache/fontconfig"
		fc-cache -s -y "$root" >/dev/null 2>&1 || echo "mkrootfs: note: fc-cache failed; apps will scan fonts at start" >&2
	fi
}

# pack_root ROOT: the squashfs image of the tree.
pack_root() {
	local root=$1 size
	size=$(du -sm "$root" | cut -f1)
	step "squashfs of $size MiB ($(find "$root" -type f | wc -l) files)"
	rm -f "$out/rootfs.squashfs.tmp"
	# zstd decompresses quickly even under emulation; 128 KiB blocks.
	mksquashfs "$root" "$out/rootfs.squashfs.tmp" -noappend -all-root \
		-comp zstd -Xcompression-level 6 -b 131072 -quiet -no-progress \
		-processors "$(nproc)" >/dev/null
	mv "$out/rootfs.squashfs.tmp" "$out/rootfs.squashfs"
}

# make_initramfs: the initramfs, and the key of what was built.
make_initramfs() {
	step "initramfs: modules for $kver${wl_ko:+, $(basename "$wl_ko")}"
	"$self_dir/mkinitramfs.sh" -o "$out/initramfs.cpio.gz" -k "$kver" \
		-m virtio_pci,virtio_blk,virtio_rng,virtio_net,squashfs,overlay,crc32c_generic,ext4 ${wl_ko:+-m "$wl_ko"} \
		-i "$self_dir/init-initramfs.sh"
	echo "$input_key" >"$out/.input-key"
	# how this image was made, to make it again (tests check the cache with it)
	printf '%q ' "$0" "${orig_args[@]}" >"$out/build-command"
	echo >>"$out/build-command"
	step "done: $out/rootfs.squashfs ($(du -h "$out/rootfs.squashfs" | cut -f1)), $out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))"
}

# ---- --debs: a Debian system from downloaded packages ----
# What every image has, as packages: Xwayland (setpriv comes with
# util-linux, which is essential), the X core fonts it needs, and glvnd's
# GL dispatch libraries, which libepoxy opens itself (see kind_rules).
debs_rule_pkgs="xwayland xfonts-base libegl1 libgl1 libgles2"
# Qt finds its Wayland platform plugin in a package no Qt app depends
# on: installed when Qt came in (a customize hook of mmdebstrap).
debs_qt_hook='p=
ls "$1"/usr/lib/*/libQt5Gui.so.5 >/dev/null 2>&1 && p="$p qtwayland5"
ls "$1"/usr/lib/*/libQt6Gui.so.6 >/dev/null 2>&1 && p="$p qt6-wayland"
[ -z "$p" ] || chroot "$1" apt-get install --yes --no-install-recommends $p'

debs_failed() {	# LOG: says why mmdebstrap failed, and exits
	local log=$1 names net_re
	names=$(sed -n -e "s/^E: Unable to locate package \(.*\)$/\1/p" \
		-e "s/^E: Package '\([^']*\)' has no installation candidate$/\1/p" "$log" |
		sort -u | paste -sd' ' -)
	net_re='Temporary failure resolving|Could not resolve|Could not connect|Unable to connect|Connection refused|Connection timed out|Network is unreachable|No route to host|Failed to fetch'
	if grep -qE "$net_re" "$log"; then
		grep -m 1 -E "$net_re" "$log" | sed 's/^/mkrootfs: apt: /' >&2
		die "cannot download from the mirror (${sources:-deb.debian.org}): is the network up? (mmdebstrap's log: $log)"
	fi
	[ -z "$names" ] ||
		die "no such package in Debian $suite: $names (--debs takes package names; apt-cache search, or dpkg -S on a machine that has the program, finds them)"
	tail -n 15 "$log" | sed 's/^/mkrootfs: mmdebstrap: /' >&2
	die "mmdebstrap failed (its log: $log)"
}

debs_image() {
	local root=$work/root log=$out/mmdebstrap.log c pk src dest include
	local -A kind=() copied=()
	for pk in $debs_rule_pkgs; do kind[$pk]=rule; done
	# libdecor's drawing plugin, only recommended (see kind_rules)
	grep -qx 'libdecor-0-0' "$work/owners" && kind[libdecor-0-plugin-1-cairo]=rule
	while read -r pk; do [ -n "${kind[$pk]:-}" ] || kind[$pk]=owner; done <"$work/owners"
	for pk in "${apps[@]}"; do kind[$pk]=app; done
	include=$(printf '%s\n' "${!kind[@]}" | sort | paste -sd, -)
	mkdir -p "$debs_cache" || die "cannot make the package cache $debs_cache"
	c=$(printf %q "$debs_cache")
	rm -f "$out/.image-key"	# the image is not the default mode's
	step "mmdebstrap: Debian $suite with ${apps[*]} (${#kind[@]} packages named; log: $log)"
	# The cache's packages go into apt's archive before the download
	# (hard links when they can) and what was downloaded back after it;
	# --skip=essential/unlink keeps the essential ones for that.  Once
	# the package lists are there, apt checks the names (before the
	# essential packages are installed, which takes a while).
	# Documentation, manuals and translations are left out by dpkg's
	# path-exclude rules from the essential packages on (here and in the
	# guest, where they stay; given to mmdebstrap, they would slow its
	# extraction of the essential packages fourfold), and removed from
	# those afterwards.  dpkg does not sync (the guest's root is a tmpfs
	# overlay).  /usr is merged the way debootstrap does (mmdebstrap's
	# merged-usr hook, with usr-is-merged): else apt takes usrmerge, and
	# perl with it, for init-system-helpers.
	printf '%s\n' '# virtwl guest image: no documentation, manuals, translations' \
		'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
		'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' \
		'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' \
		>"$work/virtwl-nodoc"
	mmdebstrap --variant=apt --mode=root --skip=essential/unlink \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--include="$include" \
		--dpkgopt='force-unsafe-io' \
		--essential-hook="copy-in $work/virtwl-nodoc /etc/dpkg/dpkg.cfg.d/" \
		--extract-hook="APT_CONFIG=\"\$MMDEBSTRAP_APT_CONFIG\" apt-get --simulate --quiet=2 install ${include//,/ } >/dev/null" \
		--setup-hook="mkdir -p \"\$1/var/cache/apt/archives\" && { cp -l $c/*.deb \"\$1/var/cache/apt/archives/\" 2>/dev/null || cp $c/*.deb \"\$1/var/cache/apt/archives/\" 2>/dev/null || true; }" \
		--customize-hook="$debs_qt_hook" \
		--customize-hook="cp -ln \"\$1\"/var/cache/apt/archives/*.deb $c/ 2>/dev/null || cp -n \"\$1\"/var/cache/apt/archives/*.deb $c/ 2>/dev/null || true" \
		--customize-hook='rm -f "$1/etc/resolv.conf"' \
		"$suite" "$root" ${sources:+"$sources"} >"$log" 2>&1 ||
		debs_failed "$log"
	step "installed $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}\n' | grep -cx installed) packages"
	# what the rules leave out, from the essential packages too
	find "$root/usr/share/doc" -mindepth 2 ! -type d ! -name copyright -delete
	find "$root/usr/share/man" "$root/usr/share/info" -mindepth 1 -delete 2>/dev/null || true
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

	# Our programs, and any library of theirs no package brought (from
	# /usr/local); the others are the packages'.
	for src in "${!copy_to[@]}"; do
		dest=${copy_to[$src]}
		{ [ -e "$root$dest" ] || [ -L "$root$dest" ]; } && continue
		mkdir -p "$root$(dirname "$dest")"
		cp -L --preserve=mode,timestamps "$src" "$root$dest"
		copied[$dest]=$src
	done
	ls "$root"/usr/lib/*/libfontconfig.so.1 >/dev/null 2>&1 && fc_cache=1
	finish_tree "$root"

	# The manifest: the packages, our files, and every other file with
	# the package it came from ("made": by maintainer scripts, triggers
	# or the steps above).
	(cd "$root" && find . -xdev ! -type d -printf '/%P\n') | LC_ALL=C sort >"$work/tree-files"
	awk '{ n = FILENAME; sub(/.*\//, "", n); sub(/\.list$/, "", n); sub(/:.*/, "", n); print $0 "\t" n }' \
		"$root"/var/lib/dpkg/info/*.list |
		sed -E 's,^/(bin|sbin|lib|lib64|lib32|libx32)/,/usr/\1/,' |
		LC_ALL=C sort -t "$(printf '\t')" -k1,1 -u >"$work/deb-files"
	{
		echo "# virtwl guest image: kernel $kver, apps: ${apps[*]}"
		echo "# Debian $suite from ${sources:-deb.debian.org}, installed by mmdebstrap (--debs)"
		echo "# packages (app: named; rule: in every image; owner: owns a library of our programs; dep: installed with them)"
		dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status} ${Package}\n' |
			while read -r st pk; do
				[ "$st" = installed ] && echo "package ${kind[$pk]:-dep} $pk"
			done | sort -k2,2 -k3
		for dest in "${!copied[@]}"; do echo "file $dest ${copied[$dest]}"; done | sort
		# data PATH PACKAGE, made PATH
		LC_ALL=C join -t "$(printf '\t')" -a 1 "$work/tree-files" "$work/deb-files" |
			awk -F '\t' '{ if ($2 != "") print "data " $1 " " $2; else print "made " $1 }' |
			grep -vxF -f <(for dest in "${!copied[@]}"; do echo "made $dest"; done; echo '#')
		[ $fc_cache = 1 ] && echo "fc-cache"
		echo "busybox $busybox"
		echo "module $wl_ko"
	} >"$work/manifest.txt"

	pack_root "$root"
	cp "$work/manifest.txt" "$out/manifest.txt"
	make_initramfs
}

# ---- 1. programs ----
# Paths are kept as the host spells them; the image is /usr-merged, so
# /bin, /sbin, /lib and /lib64 map into /usr (image_path).
image_path() {
	case $1 in
	/bin/* | /sbin/* | /lib/* | /lib64/* | /lib32/* | /libx32/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

declare -A elf_seen=()	# host path -> 1
declare -A copy_to=()	# host path -> image path (ELF files, copied dereferenced)
elf_queue=()
bad=()

add_elf() {	# HOST-PATH [IMAGE-PATH]
	local p=$1
	[ -n "${elf_seen[$p]:-}" ] && return 0
	elf_seen[$p]=1
	copy_to[$p]=${2:-$(image_path "$p")}
	elf_queue+=("$p")
}

add_program() {	# SRC [DEST] : ELF or script
	local src=$1 dest=${2:-} interp
	if is_elf "$src"; then
		add_elf "$src" "$dest"
		return 0
	fi
	interp=$(head -n 1 "$src" | sed -n 's/^#![[:space:]]*\([^[:space:]]*\).*/\1/p')
	[ -n "$interp" ] || { bad+=("$src: neither an ELF program nor a #! script"); return 0; }
	copy_to[$src]=${dest:-$(image_path "$src")}
	case $interp in
	/bin/sh | /usr/bin/sh | /bin/dash | /usr/bin/env) ;;	# busybox serves these
	*)
		if [ -x "$interp" ]; then
			add_program "$interp"
		else
			bad+=("$src: interpreter $interp is not installed")
		fi
		;;
	esac
}

data_extra=()	# host paths of data files a rule adds
data_dirs=()	# host directories copied whole
host_apps=("${apps[@]}")	# --debs: the apps are packages, not programs
[ "$debs" = 1 ] && host_apps=()
for a in "${host_apps[@]}"; do
	case $a in
	*/*) p=$(realpath -e -- "$a" 2>/dev/null || true) ;;
	*) p=$(PATH=$search_path command -v -- "$a" 2>/dev/null || true) ;;
	esac
	case $p in /*) ;; *) p= ;; esac	# a shell builtin or function
	if [ -z "$p" ] || [ ! -f "$p" ] || [ ! -x "$p" ]; then
		bad+=("app '$a': no such program in $search_path (is its Debian package installed?)")
		continue
	fi
	add_program "$p" "/usr/bin/$(basename "$a")"
done
for spec in "${programs[@]}"; do
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" = "$spec" ] && dest=/usr/bin/$(basename "$src")
	[ -f "$src" ] || { bad+=("program $src does not exist (not built?)"); continue; }
	add_program "$(realpath "$src")" "$dest"
done
# Always: Xwayland for X11 apps (wlnest -X starts it on demand), and
# setpriv (util-linux), with which init drops to the session's user.
# (--debs: their packages, xwayland and util-linux, are installed.)
if [ "$debs" = 1 ]; then
	:
elif xw=$(PATH=$search_path command -v Xwayland); then
	add_program "$xw"
else
	bad+=("Xwayland is not installed (scripts/install-deps.sh installs xwayland)")
fi
if [ "$debs" = 1 ]; then
	:
elif sp=$(PATH=$search_path command -v setpriv); then
	add_program "$sp"
else
	bad+=("setpriv is not installed (it comes with util-linux)")
fi
if [ ${#bad[@]} -gt 0 ]; then
	for b in "${bad[@]}"; do echo "mkrootfs: error: $b" >&2; done
	exit 1
fi
step "resolving ${#elf_queue[@]} programs for kernel $kver: ${apps[*]:-} (+ ${#programs[@]} of ours, Xwayland)"

# ---- 2. libraries ----
ldd_closure() {
	local f line lib
	while [ ${#elf_queue[@]} -gt 0 ]; do
		f=${elf_queue[0]}
		elf_queue=("${elf_queue[@]:1}")
		# static programs and plain data .so files print no paths
		while IFS= read -r line; do
			case $line in
			*"=> not found"*)
				bad+=("$f needs ${line%% =>*}, which is not installed")
				continue ;;
			*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
			/*) lib=${line%% (*}; lib=${lib%%[[:space:]]*} ;;
			*) continue ;;
			esac
			lib=${lib//[[:space:]]/}
			[ -e "$lib" ] && add_elf "$lib"
		done < <(LC_ALL=C ldd "$f" 2>/dev/null | sed 's/^[[:space:]]*//' || true)
	done
	if [ ${#bad[@]} -gt 0 ]; then
		for b in "${bad[@]}"; do echo "mkrootfs: error: $b" >&2; done
		exit 1
	fi
}
ldd_closure

have_lib() {	# SONAME-GLOB: is a matching library in the set?
	local p
	for p in "${!elf_seen[@]}"; do
		case ${p##*/} in $1) return 0 ;; esac
	done
	return 1
}
have_prog() {	# NAME
	local p
	for p in "${!copy_to[@]}"; do
		[ "${copy_to[$p]##*/}" = "$1" ] && return 0
	done
	return 1
}
add_dir_modules() {	# DIR: copy whole, resolve every ELF module inside
	local d=$1 f
	[ -d "$d" ] || return 0
	data_dirs+=("$d")
	while IFS= read -r f; do
		is_elf "$f" && add_elf "$f"
	done < <(find "$d" -type f -name '*.so*')
}

# ---- 3. kinds of dependency no package relation names ----
fc_cache=0
x_fonts=0
rule_pkgs=()	# packages a rule adds to the closure's roots
pkg_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
kind_rules() {
	# Xwayland runs xkbcomp to compile keymaps (into /var/lib/xkb) and
	# needs the X core fonts "fixed" and "cursor".
	if have_prog Xwayland; then
		[ -x /usr/bin/xkbcomp ] && add_program /usr/bin/xkbcomp
		x_fonts=1
	fi
	# libepoxy opens the GL dispatch libraries itself and aborts the
	# program when they are missing (Xwayland does at start); with
	# glvnd's dispatch libraries and no vendor driver, GL just reports
	# itself unavailable and Xwayland draws with shared memory.
	if have_lib 'libepoxy.so*'; then
		for f in libEGL.so.1 libGL.so.1 libGLESv2.so.2; do
			[ -e "$libdir/$f" ] && add_elf "$libdir/$f"
		done
	fi
	# Loadable modules and the caches their loaders read (made by
	# package triggers, so in no package's file list).
	if have_lib 'libgdk_pixbuf-2.0.so*'; then
		add_dir_modules "$libdir/gdk-pixbuf-2.0"
	fi
	if have_lib 'libgtk-3.so*'; then
		add_dir_modules "$libdir/gtk-3.0"
	fi
	if have_lib 'libgtk-4.so*'; then
		add_dir_modules "$libdir/gtk-4.0"
	fi
	if have_lib 'libgio-2.0.so*'; then
		add_dir_modules "$libdir/gio/modules"
		[ -f /usr/share/glib-2.0/schemas/gschemas.compiled ] &&
			data_extra+=(/usr/share/glib-2.0/schemas/gschemas.compiled)
		# content types (gdk-pixbuf picks its loaders by them): the
		# shared-mime-info database its trigger compiles
		for f in /usr/share/mime/*; do
			[ -f "$f" ] && data_extra+=("$f")
		done
	fi
	# Terminal programs: the terminfo entries of ncurses-base (linux,
	# vt100, xterm, ...) for anything using libtinfo, and the console.
	while IFS= read -r f; do
		[ -f "$f" ] && data_extra+=("$f")
	done < <(dpkg-query -L ncurses-base 2>/dev/null | grep '/terminfo/' || true)
	# fontconfig: caches made at build time so that no app scans fonts
	# under emulation.
	have_lib 'libfontconfig.so*' && fc_cache=1
	# Qt finds its Wayland platform plugin in a package no Qt app
	# depends on: taken with its closure when installed.
	if have_lib 'libQt5Gui.so*' && pkg_installed qtwayland5; then
		rule_pkgs+=(qtwayland5)
	fi
	if have_lib 'libQt6Gui.so*' && pkg_installed qt6-wayland; then
		rule_pkgs+=(qt6-wayland)
	fi
	# libdecor (wlnest's frames for X windows) loads its drawing plugin
	# from a package it only recommends.
	if have_lib 'libdecor-0.so*' && pkg_installed libdecor-0-plugin-1-cairo; then
		rule_pkgs+=(libdecor-0-plugin-1-cairo)
	fi
	# The C.UTF-8 locale (foot insists on UTF-8; the guest sets LANG).
	[ -d /usr/lib/locale/C.utf8 ] && data_dirs+=(/usr/lib/locale/C.utf8)
	return 0
}
if [ "$debs" = 0 ]; then
	kind_rules
	ldd_closure	# modules added by the rules
fi

# ---- 4. packages ----
# Owners of every ELF file.  Bookworm registers files under /lib while
# ldd may report /usr/lib (and the other way): ask for both spellings.
alt_path() {
	case $1 in
	/usr/lib/* | /usr/bin/* | /usr/sbin/* | /usr/lib64/*) echo "${1#/usr}" ;;
	/lib/* | /bin/* | /sbin/* | /lib64/*) echo "/usr$1" ;;
	esac
}
for p in "${!copy_to[@]}"; do
	echo "$p"
	alt_path "$p"
	# the file behind a soname link is registered too
	r=$(readlink -f "$p")
	echo "$r"
	alt_path "$r"
done | sort -u >"$work/owned-query"
xargs -r -a "$work/owned-query" dpkg-query -S 2>/dev/null | grep -v '^diversion ' |
	sed -n 's/^\([^:]*\)\(:[a-z0-9]*\)\{0,1\}: .*/\1/p' | tr ', ' '\n\n' |
	sed '/^$/d' | sort -u >"$work/owners" || true
if [ "$debs" = 1 ]; then
	debs_image	# the packages owning our programs' libraries go in
	exit 0
fi
[ -s "$work/owners" ] || die "dpkg knows none of the programs' files"

# One pass over the package database: name, status, dependencies.
# (';' separates: Depends lists contain '|', and empty fields must stay.)
dpkg-query -W -f='${Package};${db:Status-Status};${Pre-Depends};${Depends}\n' \
	>"$work/pkgdb" 2>/dev/null
declare -A installed=() depends=()
while IFS=';' read -r name st pre deps; do
	[ "$st" = installed ] || continue
	installed[$name]=1
	depends[$name]="$pre${pre:+,}$deps"
done <"$work/pkgdb"

# Packages a dependency names that a guest never uses: the ones only
# maintainer scripts run (the image is built, not installed), and GPU
# drivers (the guest has no GPU: GL reports itself unavailable and apps
# draw into shared memory, as they do today).  Neither they nor what only
# they pull in go into the image.
skip_re='^(debconf|debconf-2\.0|cdebconf|adduser|passwd|init-system-helpers|dpkg|ucf|lsb-base|sysvinit-utils|install-info|dbus|dbus-system-bus|default-dbus-system-bus|libgl1-mesa-dri|mesa-vulkan-drivers|mesa-va-drivers|mesa-vdpau-drivers|libmfx1|libllvm[0-9]+|intel-media-va-driver(-non-free)?|i965-va-driver(-shaders)?|va-driver-all|vdpau-driver-all)$'

# The closure: the owners and, recursively, every package they
# Depend or Pre-Depend on (the first installed alternative of each).
declare -A pkg_kind=()	# package -> owner | dep | skipped
queue=()
while read -r o; do
	pkg_kind[$o]=owner
	queue+=("$o")
done <"$work/owners"
for o in "${rule_pkgs[@]}"; do
	[ -n "${pkg_kind[$o]:-}" ] && continue
	pkg_kind[$o]=rule
	queue+=("$o")
done
while [ ${#queue[@]} -gt 0 ]; do
	pk=${queue[0]}
	queue=("${queue[@]:1}")
	IFS=',' read -ra alts_list <<<"${depends[$pk]:-}"
	for alts in "${alts_list[@]}"; do
		IFS='|' read -ra choice <<<"$alts"
		for c in "${choice[@]}"; do
			c=${c%%(*}
			c=${c%%:any*}
			c=${c//[[:space:]]/}
			[ -n "${installed[$c]:-}" ] || continue
			if [ -z "${pkg_kind[$c]:-}" ]; then
				if [[ $c =~ $skip_re ]]; then
					pkg_kind[$c]=skipped
				else
					pkg_kind[$c]=dep
					queue+=("$c")
				fi
			fi
			break
		done
	done
done
closure=()
for pk in "${!pkg_kind[@]}"; do
	[ "${pkg_kind[$pk]}" = skipped ] || closure+=("$pk")
done

# Every file of the closure, without documentation, manuals and
# translations, headers and static libraries, and what only a full system
# uses (init scripts, units, shell completion, menus).
dpkg-query -L "${closure[@]}" 2>/dev/null | grep '^/' |
	grep -vE '^/usr/share/(doc|doc-base|man|info|lintian|bug|locale|bash-completion|zsh|fish|gtk-doc|help|metainfo|menu|debconf|apport|polkit-1|dbus-1|applications|pkgconfig|icons/[^/]+/(1[0-9]{2,}|[2-9][0-9]{2,}|scalable))(/|$)' |
	grep -vE '^/etc/(init\.d|init|systemd|cron\.[a-z]+|logrotate\.d|apparmor\.d|X11/Xsession\.d|default|rc[0-9S]\.d|sv|runit|dbus-1)(/|$)' |
	grep -vE '^(/usr)?/lib/(systemd|udev|tmpfiles\.d|sysusers\.d|modules-load\.d)(/|$)|^/usr/include/|^/usr/lib/[^/]+/pkgconfig/|\.a$' |
	sort -u >"$work/candidates"
# Files only (dpkg lists directories too), and not what is taken as an
# ELF file already (the apps, our programs and their libraries).
declare -A taken=()
for p in "${!copy_to[@]}"; do taken[${copy_to[$p]}]=1; done
: >"$work/data"
while IFS= read -r f; do
	{ [ -f "$f" ] || [ -L "$f" ]; } && [ ! -d "$f" ] || continue
	case $f in
	/bin/* | /sbin/* | /lib/* | /lib64/*) [ -n "${taken[/usr$f]:-}" ] && continue ;;
	*) [ -n "${taken[$f]:-}" ] && continue ;;
	esac
	echo "$f"
done <"$work/candidates" >"$work/data"
step "the closure: ${#closure[@]} packages, $(wc -l <"$work/data") files"

# Libraries the closure's programs and modules need that no package
# relation brings (an alternative, a library from /usr/local): added like
# the apps' libraries.  One readelf for all; a module that needs what is
# not installed at all is left as it is on this machine (a note).
declare -A have_soname=()
while IFS= read -r f; do
	have_soname[${f##*/}]=1
done < <(grep -E '\.so(\.[0-9.]+)?$' "$work/data"; for p in "${!copy_to[@]}"; do echo "$p"; done)
grep -E '/(s?bin|libexec)/|\.so(\.[0-9.]+)?$' "$work/data" |
	while IFS= read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done >"$work/elf-candidates"
ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) (libc6,x86-64[^)]*) => \(.*\)$/\1 \2/p' >"$work/ldcache"
declare -A cache_path=()
while read -r so path; do
	[ -z "${cache_path[$so]:-}" ] && cache_path[$so]=$path
done <"$work/ldcache"
unresolved=0
if [ -s "$work/elf-candidates" ]; then
	while read -r so; do
		[ -n "${have_soname[$so]:-}" ] && continue
		have_soname[$so]=1
		if [ -n "${cache_path[$so]:-}" ] && [ -e "${cache_path[$so]}" ]; then
			add_elf "${cache_path[$so]}"
		else
			unresolved=$((unresolved + 1))
			echo "mkrootfs: note: $so, which a module of the closure needs, is not installed" >&2
		fi
	done < <(xargs -d '\n' -a "$work/elf-candidates" readelf -d 2>/dev/null |
		sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort -u)
fi
ldd_closure	# what those libraries need in turn
step "libraries checked (readelf): $unresolved not installed"

for f in "${data_extra[@]}"; do echo "$f"; done >>"$work/data"
# An icon theme that came in through a package needs its cache (made by
# a trigger, in no file list).
for d in $(sed -n 's,^\(/usr/share/icons/[^/]*\)/.*,\1,p' "$work/data" | sort -u); do
	[ -f "$d/icon-theme.cache" ] && echo "$d/icon-theme.cache"
done >>"$work/data"
sort -u -o "$work/data" "$work/data"

# ---- the manifest and its key ----
{
	echo "# virtwl guest image: kernel $kver, apps: ${apps[*]:-}"
	echo "# packages (owner: owns a program or library taken; rule: added by kind_rules; dep: in their Depends closure; skipped: see skip_re)"
	for pk in "${!pkg_kind[@]}"; do echo "package ${pkg_kind[$pk]} $pk"; done | sort -k2,2 -k3
	for p in "${!copy_to[@]}"; do echo "file ${copy_to[$p]} $p"; done | sort
	# image_path, in one pass
	sed -E 's,^(/(bin|sbin|lib|lib64|lib32|libx32)/.*)$,data /usr\1 \1,; t; s,^(.*)$,data \1 \1,' "$work/data"
	for d in "${data_dirs[@]}"; do echo "dir $(image_path "$d") $d"; done | sort -u
	[ $x_fonts = 1 ] && echo "xfonts /usr/share/fonts/X11/misc"
	[ $fc_cache = 1 ] && echo "fc-cache"
	echo "busybox $busybox"
	echo "module $wl_ko"
} >"$work/manifest.txt"
n_elf=${#copy_to[@]}
n_data=$(wc -l <"$work/data")
n_pkg=${#closure[@]}
step "resolved: $n_elf programs and libraries, $n_data data files, from $n_pkg packages"
if [ "$resolve_only" = 1 ]; then
	cp "$work/manifest.txt" "$out/manifest.txt"
	echo "manifest: $out/manifest.txt"
	exit 0
fi

# The image is rebuilt only when what goes into it changed: the manifest
# plus size and time of every source file.
{
	cat "$work/manifest.txt"
	awk '$1 == "file" || $1 == "data" { print $3 }' "$work/manifest.txt" |
		xargs -d '\n' -r stat -L -c '%n %s %Y' 2>/dev/null || true
	for d in "${data_dirs[@]}"; do find "$d" -printf '%p %s %T@\n' | sort; done
	cat "$0" "$self_dir"/init-guest.sh "$self_dir"/init-initramfs.sh "$self_dir"/udhcpc-guest.sh | sha256sum
} | sha256sum | cut -c1-32 >"$work/image.key"
image_key=$(cat "$work/image.key")

# ---- 5. the root filesystem ----
if [ -f "$out/rootfs.squashfs" ] && [ "$(cat "$out/.image-key" 2>/dev/null)" = "$image_key" ]; then
	step "root filesystem unchanged: $out/rootfs.squashfs"
else
	root=$work/root
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc,proc,sys,dev,tmp,run,root,mnt,var/tmp,var/lib/xkb,var/cache}
	for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
	chmod 1777 "$root/tmp" "$root/var/tmp"
	step "copying files into the image"
	# tar keeps modes, times and symlinks; programs and libraries are
	# taken through their links (-h).  /bin, /sbin, /lib go under /usr.
	merge='s,^\(bin\|sbin\|lib\|lib64\|lib32\|libx32\)/,usr/\1/,'
	for p in "${!copy_to[@]}"; do
		printf '%s\t%s\n' "$p" "${copy_to[$p]}"
	done >"$work/elf-map"
	# A soname link whose library comes with the closure's files stays
	# a link; the rest is copied through its links.
	declare -A in_data=()
	while IFS= read -r f; do in_data[$f]=1; done <"$work/data"
	while IFS=$'\t' read -r src dest; do
		mkdir -p "$root$(dirname "$dest")"
		real=
		[ -L "$src" ] && real=$(readlink -f "$src")
		if [ -n "$real" ] && { [ -n "${in_data[$real]:-}" ] || [ -n "${in_data[$(alt_path "$real")]:-}" ]; }; then
			ln -sfn "$(image_path "$real")" "$root$dest"
		else
			cp -L --preserve=mode,timestamps "$src" "$root$dest"
		fi
	done <"$work/elf-map"
	tar -C / --no-recursion -cf - -T <(sed 's,^/,,' "$work/data") |
		tar -C "$root" --transform "$merge" --keep-directory-symlink -xf -
	if [ ${#data_dirs[@]} -gt 0 ]; then
		printf '%s\n' "${data_dirs[@]}" | sort -u | sed 's,^/,,' |
			tar -C / -cf - -T - | tar -C "$root" --transform "$merge" --keep-directory-symlink -xf -
	fi

	# X core fonts: the fixed (Unicode and Latin-1) and cursor fonts,
	# not the CJK sets, indexed again for the subset.
	if [ $x_fonts = 1 ] && [ -d /usr/share/fonts/X11/misc ]; then
		m=$root/usr/share/fonts/X11/misc
		mkdir -p "$m"
		(cd /usr/share/fonts/X11/misc && ls) |
			grep -E '^([0-9]+x[0-9]+[BO]?(-ISO8859-1)?|cursor)\.pcf\.gz$' |
			while read -r f; do cp -p "/usr/share/fonts/X11/misc/$f" "$m/"; done
		cp -p /usr/share/fonts/X11/misc/fonts.alias "$m/" 2>/dev/null || true
		if command -v mkfontdir >/dev/null; then
			mkfontdir "$m"
		else
			cp -p /usr/share/fonts/X11/misc/fonts.dir "$m/"
		fi
	fi

	# Symlinks whose targets were not taken: directories are created
	# (e.g. xkb's compiled -> /var/lib/xkb), files copied.
	for pass in 1 2 3; do
		found=0
		while IFS= read -r l; do
			t=$(readlink "$l")
			rel=${l#"$root"}
			case $t in /*) host=$t ;; *) host=$(dirname "$rel")/$t ;; esac
			host=$(realpath -m "$host")
			if [ -d "$host" ]; then
				mkdir -p "$root$(image_path "$host")"
				found=1
			elif [ -f "$host" ]; then
				mkdir -p "$root$(dirname "$(image_path "$host")")"
				cp -p "$host" "$root$(image_path "$host")"
				found=1
			fi
		done < <(find "$root" -xtype l)
		[ $found = 0 ] && break
	done

	finish_tree "$root"
	pack_root "$root"
	echo "$image_key" >"$out/.image-key"
fi
cp "$work/manifest.txt" "$out/manifest.txt"

make_initramfs
