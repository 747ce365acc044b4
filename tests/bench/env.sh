# SPDX-License-Identifier: MIT
#
# Sourced by the benchmarks that drive host compositors or guests: where
# the tree and the build are (tests/bench/run.sh sets both; a benchmark
# run by hand finds the tree from its own path) and the test libraries.
VIRTWL_TOP=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VIRTWL_BUILD=${VIRTWL_BUILD:-$VIRTWL_TOP/build}
export VIRTWL_TOP VIRTWL_BUILD
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
