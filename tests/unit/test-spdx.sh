#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Every file of the tree carries an SPDX licence line near its top, with
# the licence its place calls for: the driver GPL-2.0-only (its uapi
# headers dual GPL-2.0-only WITH Linux-syscall-note OR MIT, as Linux's
# are), host/qemu/ GPL-2.0-or-later (compiled into QEMU), the rest MIT.
# Documents (*.md) and LICENSE itself are prose and exempt, and so are
# debian/copyright (the licences themselves, machine-readable) and
# debian/source/format (one word, no room for comments).  Protocol XML
# files of other projects (protocols/*.xml) are kept verbatim: each has a
# FILE.license beside it whose SPDX line is the project's licence.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
cd "$VIRTWL_TOP" || exit 1

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files)
else
	files=$(find . -path ./build -prune -o -path ./.git -prune -o -type f -print |
		sed 's|^\./||')
fi

expected() {
	case $1 in
	driver/include/uapi/*) echo "((GPL-2.0-only WITH Linux-syscall-note) OR MIT)" ;;
	driver/* | Kbuild) echo "GPL-2.0-only" ;;
	host/qemu/*) echo "GPL-2.0-or-later" ;;
	*) echo "MIT" ;;
	esac
}

n=0
bad=""
for f in $files; do
	case $f in *.md | LICENSE | debian/copyright | debian/source/format) continue ;; esac
	[ -f "$f" ] || continue
	case $f in
	protocols/*.xml.license) continue ;;
	protocols/*.xml)
		n=$((n + 1))
		head -n 1 "$f.license" 2>/dev/null | grep -q '^SPDX-License-Identifier: [A-Za-z]' ||
			bad="$bad $f(no $f.license with an SPDX line)"
		continue
		;;
	esac
	n=$((n + 1))
	want=$(expected "$f")
	got=$(head -n 5 "$f" | sed -n 's/.*SPDX-License-Identifier: \(.*\)$/\1/p' |
		sed 's| \*/$||; s|[[:space:]]*$||' | head -n 1)
	if [ "$got" != "$want" ]; then
		bad="$bad $f(${got:-none}, want $want)"
	fi
done
if [ $n -gt 50 ] && [ -z "$bad" ]; then
	tap_ok "$n files carry the SPDX licence line their place calls for"
else
	tap_fail "SPDX licence lines over $n files; wrong or missing:$bad"
fi
tap_done
