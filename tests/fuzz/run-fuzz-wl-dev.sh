#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A short libFuzzer run of the virtio-wl device model (command decoder,
# descriptor walk, host->guest path).  Fails on any crash, sanitizer report,
# leak or timeout; prints how many inputs it ran.  The corpus persists in
# $VIRTWL_BUILD/fuzz-corpus/wl-dev between runs.
#   VIRTWL_FUZZ_SECONDS  run time (default 25)
. "$VIRTWL_TOP/tests/lib.sh"

fuzzer=$VIRTWL_BUILD/tests/fuzz/fuzz-wl-dev
secs=${VIRTWL_FUZZ_SECONDS:-25}
corpus=$VIRTWL_BUILD/fuzz-corpus/wl-dev
out=$VIRTWL_BUILD/fuzz-out/wl-dev
if [ ! -x "$fuzzer" ]; then
	tap_skip "fuzz-wl-dev" "no $fuzzer (needs clang and libclang-rt-14-dev)"
	tap_done
	exit 0
fi
mkdir -p "$corpus" "$out"

# Seeds: small well-formed sessions (see the record format in
# fuzz-wl-dev.c), so the run starts past the obvious.
/usr/bin/python3 - "$corpus" <<'PY'
import struct, sys
d = sys.argv[1]
def cmd(body, cap=64, split=0):
    return bytes([0]) + struct.pack('<HBB', len(body), cap, split) + body
def new(t, vid, flags=0, size=0, name=b''):
    return struct.pack('<IIIIQI', t, 0, vid, flags, 0, size) + name.ljust(36, b'\0')
def send(t, vid, ids, data):
    return struct.pack('<IIII', t, 0, vid, len(ids)) + b''.join(struct.pack('<I', i) for i in ids) + data
post = bytes([2, 8]) + struct.pack('<H', 4096)
def host(data, kind):
    return bytes([3, len(data) // 17, kind]) + data
drain = bytes([5])
seeds = {
  'ctx': bytes([14, 0]) + cmd(new(0x104, 1)) + post + cmd(send(0x102, 1, [], b'hello'), 8)
         + host(b'x' * 34, 0x40) + host(b'y' * 17, 0x81) + drain + bytes([4]) + drain,
  'alloc': bytes([14, 0]) + cmd(new(0x100, 2, 0, 8192)) + cmd(new(0x104, 1)) + post
           + cmd(send(0x102, 1, [2], b'pool'), 8) + cmd(new(0x101, 2), 8) + drain,
  'pipe': bytes([14, 0]) + cmd(new(0x104, 1)) + cmd(new(0x105, 3, 2)) + cmd(new(0x105, 4, 1))
          + post + cmd(send(0x102, 1, [3, 4], b'data'), 8) + cmd(send(0x102, 4, [], b'paste'), 8)
          + host(b'z' * 17, 0xc1) + drain,
  'memfd': bytes([14, 1]) + cmd(new(0x10a, 1, 0, 0, b'virtwl-memfd')) + post
           + cmd(send(0x102, 1, [], struct.pack('<Q', 5000) + b'buf'), 8) + drain
           + cmd(send(0x102, 1, [], b'bad'), 8) + drain,
  'legacy': bytes([0, 2]) + cmd(new(0x100, 2, 3, 4096)) + cmd(new(0x10a, 5, 0, 0, b'second'))
            + cmd(send(0x109, 5, [0, 2], b'f'), 8) + post + drain,
}
for k, v in seeds.items():
    open(f'{d}/seed-{k}', 'wb').write(v)
PY

# Wire codes and names, so mutations hit real commands quickly.
dict=$out/wl.dict
{
	for c in 00 01 02 03 04 05 06 07 08 09 0a; do
		echo "cmd_$c=\"\\x$c\\x01\\x00\\x00\""
	done
	echo 'host_id="\x00\x00\x00\x40"'
	echo 'memfd="virtwl-memfd"'
	echo 'named="second"'
} >"$dict"

log=$out/last-run.log
rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=4096 -dict="$dict" -print_final_stats=1 -artifact_prefix="$out/" \
	"$corpus" >"$log" 2>&1
status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
tap_diag "fuzz-wl-dev: ${runs:-0} executions in ${secs}s (${rate:-0}/s), ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
artifact=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -n1)
if [ "$status" -eq 0 ] && [ -z "$artifact" ] && [ "${runs:-0}" -gt 0 ]; then
	tap_ok "fuzz-wl-dev: ${runs} executions, no crash"
else
	tail -n 40 "$log" | sed 's/^/# /'
	tap_fail "fuzz-wl-dev: status $status ${artifact:+input $artifact} (log $log)"
fi
tap_done
