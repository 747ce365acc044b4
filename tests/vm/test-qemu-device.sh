#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The QEMU adapter of virtio-wl (host/qemu/) driven through QEMU's qtest
# protocol, with no guest: tests/vm/qtest-wl.py is the driver and the
# compositor (indirect tables, BAR 2 mappings, reset and hot unplug with
# requests held, random hostile chains).  VIRTWL_QTEST_ITERATIONS random
# chains (default 500).  Prints SKIP when our QEMU cannot be had.
set -u
top=${VIRTWL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lib.sh"

bq=$top/host/qemu/build-qemu.sh
qemu=${VIRTWL_QEMU:-}
if [ -z "$qemu" ]; then
	if ! qemu=$("$bq" --path 2>/dev/null) && ! qemu=$("$bq" 2>/dev/null | tail -n 1); then
		tap_skip "virtio-wl-pci under qtest" "QEMU with virtio-wl-pci cannot be built here"
		tap_done
		exit 0
	fi
fi
exec /usr/bin/python3 "$top/tests/vm/qtest-wl.py" "$qemu" \
	--iterations "${VIRTWL_QTEST_ITERATIONS:-500}"
