# SPDX-License-Identifier: MIT
# Shell helpers for tests: TAP output.  Source it; call tap_done at the end.
TAP_N=0
TAP_FAILED=0
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
# tap_skip NAME REASON
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
# tap_check NAME COMMAND...: passes when COMMAND succeeds
tap_check() {
	_name=$1; shift
	if "$@"; then tap_ok "$_name"; else tap_fail "$_name"; fi
}
tap_diag() { echo "# $*"; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
