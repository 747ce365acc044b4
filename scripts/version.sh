#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Prints virtwl's version, from git describe: a release tag vX.Y gives
# X.Y, commits after it X.Y+N.gHASH; without a tag, 0.1~gitN.gHASH (N
# commits in all), which sorts before the first release.  Outside a git
# checkout (a tarball), the VERSION file beside the tree, else 0.1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if d=$(git -C "$top" describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v0.2-5-gabc123 -> 0.2+5.gabc123; v0.2-0-gabc123 -> 0.2
	tag=${d%-*-g*}
	rest=${d#"$tag"-}
	n=${rest%%-*}
	hash=${rest#*-}
	if [ "$n" = 0 ]; then
		echo "${tag#v}"
	else
		echo "${tag#v}+$n.$hash"
	fi
elif n=$(git -C "$top" rev-list --count HEAD 2>/dev/null) &&
	h=$(git -C "$top" rev-parse --short=7 HEAD 2>/dev/null); then
	echo "0.1~git$n.g$h"
elif [ -f "$top/VERSION" ]; then
	cat "$top/VERSION"
else
	echo 0.1
fi
