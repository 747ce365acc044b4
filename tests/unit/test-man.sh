#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The manual pages: each renders with man -l without a warning, every
# option the programs' --help lists is in their page, and make install
# puts them (and the programs) under PREFIX, make uninstall takes them
# away again.
. "$VIRTWL_TOP/tests/lib.sh"
cd "$VIRTWL_TOP" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v man >/dev/null; then
	tap_skip "manual pages" "man is not installed"
	tap_done
	exit 0
fi
for m in man/*.[1-9]; do
	out=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >"$tmp/page")
	if [ -z "$out" ] && [ -s "$tmp/page" ]; then
		tap_ok "$m renders without warnings"
	else
		tap_fail "$m renders without warnings: $out"
	fi
done
for p in wlvm wlnest mktuntap; do
	missing=""
	for o in $("$VIRTWL_BUILD/$p" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		# roff writes the dashes of options as \-
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "man/$p.1" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		tap_ok "$p(1) has every option of $p --help"
	else
		tap_fail "$p(1) lacks:$missing"
	fi
done
# QEMU is left out: it may not be built yet (tests/integration/packages.sh
# installs everything).
if make -s install PREFIX=/usr DESTDIR="$tmp/root" INSTALL_QEMU=no >"$tmp/log" 2>&1 &&
	[ -x "$tmp/root/usr/bin/wlvm" ] && [ -x "$tmp/root/usr/bin/wlnest" ] &&
	[ -f "$tmp/root/usr/share/man/man1/wlvm.1" ] &&
	[ -f "$tmp/root/usr/share/man/man1/wlnest.1" ] &&
	[ -f "$tmp/root/usr/share/man/man4/virtio_wl.4" ]; then
	tap_ok "make install puts the programs and pages under DESTDIR/PREFIX"
else
	tap_fail "make install puts the programs and pages under DESTDIR/PREFIX"
	sed 's/^/# /' "$tmp/log"
fi
make -s uninstall PREFIX=/usr DESTDIR="$tmp/root" >"$tmp/log" 2>&1
left=$(find "$tmp/root" -type f)
if [ -z "$left" ]; then
	tap_ok "make uninstall removes what make install put there"
else
	tap_fail "make uninstall leaves: $left"
fi
tap_done
