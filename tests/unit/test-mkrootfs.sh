#!/bin/sh
# SPDX-License-Identifier: MIT
#
# rootfs/mkrootfs.sh without booting anything: what it resolves for the
# default apps (libraries, the Debian package closure of the owning
# packages, the rules per kind of dependency), that a bad app name
# fails the build clearly, what the end-to-end test image holds, and that
# an unchanged image is not rebuilt.
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VIRTWL_BUILD:-$top/build}
. "$top/tests/lib.sh"

mk=$top/rootfs/mkrootfs.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-mkrootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

missing=""
for p in weston-terminal foot xterm Xwayland mksquashfs unsquashfs; do
	command -v "$p" >/dev/null || missing="$missing $p"
done
[ -x /bin/busybox ] || missing="$missing busybox-static"
if [ -n "$missing" ]; then
	tap_skip "mkrootfs" "not installed:$missing (make deps)"
	tap_done
	exit 0
fi

# ---- resolution of the default apps (no image) ----
if "$mk" -n -q -o "$tmp/r" weston-terminal weston-flower foot xterm >"$tmp/out" 2>"$tmp/err"; then
	tap_ok "resolves the default apps"
else
	tap_fail "resolves the default apps: $(cat "$tmp/err")"
fi
m=$tmp/r/manifest.txt
tap_check "the apps, wlnest's Xwayland, and xkbcomp (which Xwayland runs)" sh -c "
	grep -q '^file /usr/bin/foot ' '$m' && grep -q '^file /usr/bin/xterm ' '$m' &&
	grep -q '^file /usr/bin/Xwayland ' '$m' && grep -q '^file /usr/bin/xkbcomp ' '$m'"
tap_check "their shared libraries (ldd)" sh -c "
	grep -qE '^file /usr/lib/[^ ]*/libc\.so\.6 ' '$m' &&
	grep -qE '^file /usr/lib/[^ ]*/libfcft\.so' '$m' &&
	grep -qE '^file /usr/lib/[^ ]*/libXaw\.so' '$m'"
tap_check "GL dispatch libraries for libepoxy (it aborts Xwayland without them)" \
	grep -qE '^file /usr/lib/[^ ]*/libEGL\.so\.1 ' "$m"
tap_check "packages found through dependencies: fonts, fontconfig, xkb, terminfo" sh -c "
	grep -q '^package dep fonts-dejavu-core$' '$m' && grep -q '^package [a-z]* fontconfig-config$' '$m' &&
	grep -q '^package dep xkb-data$' '$m' && grep -q '^package dep foot-terminfo$' '$m'"
tap_check "their data files: fontconfig's configuration, a font, xkb rules, foot's terminfo" sh -c "
	grep -q '^data /etc/fonts/fonts.conf ' '$m' &&
	grep -qE '^data /usr/share/fonts/truetype/dejavu/DejaVuSansMono\.ttf ' '$m' &&
	grep -q '^data /usr/share/X11/xkb/rules/evdev ' '$m' &&
	grep -qE '^data /usr/share/terminfo/f/foot ' '$m'"
tap_check "data of the owning packages (xterm's app-defaults, weston's images)" sh -c "
	grep -q '^data /etc/X11/app-defaults/XTerm ' '$m' && grep -q '^data /usr/share/weston/' '$m'"
tap_check "what is loaded at run time comes with its package: weston's backends, shells and helpers" sh -c "
	grep -qE '^data /usr/lib/[^ ]*/libweston-10/wayland-backend\.so ' '$m' &&
	grep -qE '^data /usr/lib/[^ ]*/weston/desktop-shell\.so ' '$m' &&
	grep -qE '^data /usr/lib/[^ ]*/weston-desktop-shell ' '$m' && grep -q '^data /usr/bin/weston ' '$m'"
tap_check "rules per kind: ncurses-base terminfo, the C.UTF-8 locale, X core fonts, font caches" sh -c "
	grep -q '^data /usr/lib/terminfo/x/xterm ' '$m' && grep -q '^dir /usr/lib/locale/C.utf8 ' '$m' &&
	grep -q '^xfonts ' '$m' && grep -q '^fc-cache\$' '$m'"
tap_check "no documentation, manuals, translations, headers or static libraries" sh -c "
	! grep -qE '^data /usr/share/(doc|man|info|locale)/|^data /usr/include/|\.a\$' '$m'"
tap_check "maintainer-script tools and GPU drivers are left out, with what only they pull in" sh -c "
	grep -q '^package skipped debconf$' '$m' && grep -q '^package skipped libgl1-mesa-dri$' '$m' &&
	! grep -qE '^package [a-z]+ (perl-base|libllvm[0-9]+)$' '$m' &&
	! grep -qE '^data /usr/lib/[^ ]*/dri/' '$m'"
# The closure, checked against dpkg: every Depends of every package taken
# is met by a package taken, one skipped, or none installed.
closure_holds() {
	awk '$1 == "package" { print $3 }' "$m" | sort >"$tmp/taken"
	awk '$1 == "package" && $2 != "skipped" { print $3 }' "$m" |
		xargs dpkg-query -W -f='${Package}\t${Pre-Depends}, ${Depends}\n' >"$tmp/deps"
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' | awk '$2 == "installed" { print $1 }' |
		sort >"$tmp/installed"
	_bad=0
	while IFS="$(printf '\t')" read -r _p _d; do
		echo "$_d" | tr ',' '\n' | while read -r _grp; do
			[ -n "$_grp" ] || continue
			_met=1
			for _c in $(echo "$_grp" | sed 's/([^)]*)//g; s/:any//g' | tr '|' ' '); do
				if grep -qx "$_c" "$tmp/taken"; then _met=0; break; fi
				grep -qx "$_c" "$tmp/installed" && _met=2
			done
			if [ $_met = 2 ]; then echo "# $_p: $_grp is installed but not taken"; exit 1; fi
		done || _bad=1
	done <"$tmp/deps"
	[ $_bad = 0 ] && [ "$(wc -l <"$tmp/taken")" -gt 50 ]
}
tap_check "the image holds the Depends closure of the apps' packages (checked against dpkg)" closure_holds

# ---- bad input fails clearly ----
if "$mk" -n -q -o "$tmp/bad" foot no-such-app-xyz >"$tmp/out" 2>"$tmp/err"; then
	tap_fail "a bad app name fails the build (it succeeded)"
elif grep -q "app 'no-such-app-xyz': no such program" "$tmp/err"; then
	tap_ok "a bad app name fails the build with a clear message"
else
	tap_fail "a bad app name fails the build with a clear message: $(cat "$tmp/err")"
fi
printf '#!/usr/bin/no-such-interpreter\n' >"$tmp/script"
chmod +x "$tmp/script"
if ! "$mk" -n -q -o "$tmp/bad2" "$tmp/script" 2>"$tmp/err" >/dev/null &&
	grep -q 'interpreter /usr/bin/no-such-interpreter is not installed' "$tmp/err"; then
	tap_ok "a script whose interpreter is missing fails the build"
else
	tap_fail "a script whose interpreter is missing fails the build: $(cat "$tmp/err")"
fi
if ! "$mk" -n -q -o "$tmp/bad3" -p "$tmp/not-built" foot 2>"$tmp/err" >/dev/null &&
	grep -q 'not-built does not exist' "$tmp/err"; then
	tap_ok "a program of ours that is not built fails the build"
else
	tap_fail "a program of ours that is not built fails the build: $(cat "$tmp/err")"
fi
# --debs (tests/integration/rootfs-debs.sh builds one): what fails before
# anything is downloaded
if ! "$mk" --debs -q -o "$tmp/bad4" -- foot /usr/bin/xterm 2>"$tmp/err" >/dev/null &&
	grep -q "'/usr/bin/xterm' is not a Debian package name" "$tmp/err"; then
	tap_ok "--debs: what is not a package name fails the build"
else
	tap_fail "--debs: what is not a package name fails the build: $(cat "$tmp/err")"
fi
if ! "$mk" --debs -n -q -o "$tmp/bad5" -- foot 2>"$tmp/err" >/dev/null &&
	grep -q -- '-n resolves installed programs' "$tmp/err"; then
	tap_ok "--debs: -n is refused"
else
	tap_fail "--debs: -n is refused: $(cat "$tmp/err")"
fi
# not root: as nobody when this runs as root, from a copy of the scripts
# that user can read (the checkout may be in a directory only root enters)
as_nobody=
nb=$tmp
if [ "$(id -u)" = 0 ]; then
	as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	nb=$(mktemp -d /tmp/mkrootfs-nobody.XXXXXX)
	chmod 755 "$nb"
	cp "$VIRTWL_TOP"/rootfs/*.sh "$nb/"
	chmod 755 "$nb"/*.sh
fi
if command -v mmdebstrap >/dev/null &&
	! (cd / && $as_nobody "$nb/mkrootfs.sh" --debs -q -o "$nb/bad6" -- foot) 2>"$tmp/err" >/dev/null &&
	grep -q -- '--debs needs root' "$tmp/err"; then
	tap_ok "--debs: a user other than root is told that it needs root"
elif ! command -v mmdebstrap >/dev/null; then
	tap_skip "--debs: a user other than root is told that it needs root" "mmdebstrap is not installed"
else
	tap_fail "--debs: a user other than root is told that it needs root: $(cat "$tmp/err")"
fi
[ "$nb" = "$tmp" ] || rm -rf "$nb"
printf '#!/bin/sh\necho hi\n' >"$tmp/hello"
chmod +x "$tmp/hello"
if "$mk" -n -q -o "$tmp/sh" "$tmp/hello" 2>"$tmp/err" >/dev/null &&
	grep -q '^file /usr/bin/hello ' "$tmp/sh/manifest.txt"; then
	tap_ok "a shell script is an app (busybox runs it)"
else
	tap_fail "a shell script is an app (busybox runs it): $(cat "$tmp/err")"
fi

# ---- the end-to-end test image (make check-programs builds it) ----
img=$build/vm/apps
if [ ! -f "$img/rootfs.squashfs" ] || [ ! -f "$img/build-command" ]; then
	tap_skip "the test image's contents" "$img is not built (make check-programs)"
	tap_done
	exit 0
fi
unsquashfs -l -d '' "$img/rootfs.squashfs" 2>/dev/null | sed 's,^/*,/,' >"$tmp/list"
tap_check "the image is /usr-merged, with busybox, its applets and the guest init" sh -c "
	grep -qx /bin '$tmp/list' && grep -qx /usr/bin/busybox '$tmp/list' &&
	grep -qx /usr/bin/sh '$tmp/list' && grep -qx /usr/lib/virtwl/init '$tmp/list' &&
	grep -qx /etc/passwd '$tmp/list'"
tap_check "wlnest, the test clients and the apps" sh -c "
	grep -qx /usr/bin/wlnest '$tmp/list' && grep -qx /usr/bin/solid '$tmp/list' &&
	grep -qx /usr/bin/wl-probe '$tmp/list' && grep -qx /usr/bin/foot '$tmp/list' &&
	grep -qx /usr/bin/weston-flower '$tmp/list'"
tap_check "X core fonts indexed, font caches made at build time" sh -c "
	grep -qx /usr/share/fonts/X11/misc/fonts.dir '$tmp/list' &&
	grep -qx /usr/share/fonts/X11/misc/cursor.pcf.gz '$tmp/list' &&
	grep -q '^/var/cache/fontconfig/.*cache' '$tmp/list'"
tap_check "no CJK bitmap fonts (not needed for fixed and cursor)" sh -c "
	! grep -q '18x18ja' '$tmp/list'"
mkdir "$tmp/i"
(cd "$tmp/i" && gzip -dc "$img/initramfs.cpio.gz" | cpio -id --quiet 2>/dev/null)
kv=$(ls "$tmp/i/lib/modules" | head -n 1)
tap_check "the initramfs: virtio_pci, virtio_blk, squashfs, overlay and virtio_wl for one kernel" sh -c "
	o='$tmp/i/etc/modules.order'
	grep -q '/virtio_pci.ko\$' \$o && grep -q '/virtio_blk.ko\$' \$o &&
	grep -q '/squashfs.ko\$' \$o && grep -q '/overlay.ko\$' \$o &&
	grep -q '^extra/virtio_wl.ko\$' \$o &&
	[ \"\$(modinfo -F vermagic '$tmp/i/lib/modules/$kv/extra/virtio_wl.ko' | cut -d' ' -f1)\" = '$kv' ]"
tap_check "the initramfs init mounts the image and switches to it" grep -q 'switch_root /newroot /usr/lib/virtwl/init' "$tmp/i/init"

before=$(stat -c %Y "$img/rootfs.squashfs")
t0=$(date +%s%N)
out=$(cd "$top" && sh -c "$(sed 's/ -q / /' "$img/build-command")" 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if echo "$out" | grep -q 'up to date' && [ "$(stat -c %Y "$img/rootfs.squashfs")" = "$before" ]; then
	tap_ok "an unchanged image is not rebuilt ($ms ms)"
else
	tap_fail "an unchanged image is not rebuilt: $out"
fi
tap_done
