#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make deb: builds virtwl's Debian packages with dpkg-buildpackage from a
# copy of the tree (the files git knows, with their changes; build/ never
# goes in), with the version scripts/version.sh prints, then runs lintian
# over them.  Usage: scripts/mkdeb.sh [--build DIR] [--no-lintian]
# The .deb files, the .changes file and lintian's report end up in
# DIR/deb/ (default build/deb/); the last line names the packages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
lintian=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--no-lintian) lintian=0; shift ;;
	-h|--help) sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "mkdeb: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac

say() { echo "mkdeb: $*" >&2; }
for tool in dpkg-buildpackage dh dh_dkms; do
	command -v $tool >/dev/null || { say "$tool is missing (make deps installs it)"; exit 1; }
done

version=$("$top/scripts/version.sh")
out=$build/deb
src=$out/virtwl-$version
rm -rf "$out"
mkdir -p "$src"

say "virtwl $version: copying the tree to $src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked files and new ones not ignored; deleted ones are skipped
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -I{} sh -c '[ -e "$1" ] && printf "%s\0" "$1"' _ {} |
		cpio -0pdm --quiet "$src")
	commit=$(git -C "$top" rev-parse HEAD)
else
	(cd "$top" && find . -path ./build -prune -o -type f -print0 |
		cpio -0pdm --quiet "$src")
	commit=unknown
fi
echo "$version" >"$src/VERSION"

maint=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
cat >"$src/debian/changelog" <<EOF
virtwl ($version) bookworm; urgency=medium

  * Built from commit $commit.

 -- $maint  $(date -R)
EOF

say "dpkg-buildpackage (the programs, QEMU with virtio-wl-pci from its cache or built now)"
t0=$(date +%s)
if ! (cd "$src" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1); then
	say "dpkg-buildpackage failed; the end of $out/build.log:"
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
say "built in $(($(date +%s) - t0)) s"
changes=$(ls "$out"/virtwl_*.changes)

if [ $lintian = 1 ]; then
	command -v lintian >/dev/null || { say "lintian is missing (make deps installs it)"; exit 1; }
	say "lintian"
	lintian --fail-on error \
		"$changes" >"$out/lintian.log" 2>&1 || {
		say "lintian found errors ($out/lintian.log):"
		grep '^E:' "$out/lintian.log" >&2 || tail -n 20 "$out/lintian.log" >&2
		exit 1
	}
	n_w=$(grep -c '^W:' "$out/lintian.log" || true)
	say "lintian: no errors, $n_w warnings ($out/lintian.log)"
fi
rm -rf "$src"
for d in "$out"/*.deb; do
	echo "$d"
done
