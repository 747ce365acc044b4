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
def close(vid):
    return struct.pack('<III', 0x101, 0, vid)
post = bytes([2, 8]) + struct.pack('<H', 4096)
def host(data, kind):
    return bytes([3, len(data) // 17, kind]) + data
drain = bytes([5])
def wait(t): return bytes([6, t])
reset = bytes([7, 1])
reset_idle = bytes([7, 0])
def pipe(which, n): return bytes([8, which, n])
def split(count, size, pieces): return bytes([9, count]) + struct.pack('<H', size) + bytes([pieces])
failmap = bytes([10, 0])
def emfile(room, cmdrec): return bytes([11, room, 0]) + cmdrec[1:]
def fill(vid, n_fds=0): return bytes([12, vid, n_fds])
def sip(which, n): return bytes([13, which]) + struct.pack('<H', n)
def config(spec): return bytes([14, len(spec)]) + spec
def nomem(n, rec): return bytes([15, n]) + rec
def batch(n): return bytes([16, n])
def window(size, ops): return bytes([17, len(ops), size]) + bytes(ops)
def vring(data): return bytes([18, len(data)]) + data
def foreign(vid, entries, data):
    return struct.pack('<IIII', 0x109, 0, vid, len(entries)) + b''.join(entries) + data
def entry(kind, vid, v2=True):
    return struct.pack('<IIII', kind, 0, vid, 0) if v2 else struct.pack('<II', kind, vid)
HOST0 = 0x40000000
ctx = cmd(new(0x104, 1))
# header: features, configuration, max contexts
seeds = {
  'ctx': bytes([14, 0, 7]) + ctx + post + cmd(send(0x102, 1, [], b'hello'), 8)
         + host(b'x' * 34, 0x40) + host(b'y' * 17, 0x81) + drain + bytes([4]) + drain,
  'alloc': bytes([14, 0, 7]) + cmd(new(0x100, 2, 0, 8192)) + ctx + post
           + cmd(send(0x102, 1, [2], b'pool'), 8) + cmd(close(2), 8) + drain,
  'pipe': bytes([14, 0, 7]) + ctx + cmd(new(0x105, 3, 2)) + cmd(new(0x105, 4, 1))
          + post + cmd(send(0x102, 1, [3, 4], b'data'), 8) + cmd(send(0x102, 4, [], b'paste'), 8)
          + host(b'z' * 17, 0xc1) + drain,
  'memfd': bytes([14, 1, 7]) + cmd(new(0x10a, 1, 0, 0, b'virtwl-memfd')) + post
           + cmd(send(0x102, 1, [], struct.pack('<Q', 5000) + b'buf'), 8) + drain
           + cmd(send(0x102, 1, [], b'bad'), 8) + drain,
  'legacy': bytes([0, 2, 7]) + cmd(new(0x100, 2, 3, 4096)) + cmd(new(0x10a, 5, 0, 0, b'second'))
            + cmd(send(0x109, 5, [0, 2], b'f'), 8) + post + drain,
  # a compositor that does not read: queued, held, timed out
  'full': bytes([14, 32, 7]) + ctx + fill(1) + wait(2) + wait(255) + sip(0, 20000) + drain,
  'fullpipe': bytes([14, 32, 7]) + ctx + cmd(new(0x105, 3, 2)) + cmd(send(0x102, 1, [3], b'p'), 8)
              + fill(3) + cmd(close(3), 8) + wait(255) + drain,
  'hangup_queued': bytes([14, 32, 7]) + ctx + fill(1) + bytes([4]) + fill(1) + drain,
  # host pipes the compositor writes into and closes
  'hostpipe': bytes([14, 0, 7]) + ctx + post + host(b'k' * 17, 0x41) + drain + post
              + pipe(0, 200) + post + pipe(0, 0) + post + drain,
  'manyfds': bytes([14, 0, 7]) + ctx + post + host(b'm' * 17, 0xc0) + drain,
  'split': bytes([14, 0, 7]) + ctx + split(4, 300, 3) + host(b's' * 170, 0x40) + drain,
  'limits': bytes([14, 0x4c, 7]) + ctx + cmd(new(0x10a, 2, 0, 0, b'second'))
            + cmd(new(0x10a, 3, 0, 0, b'gone')) + failmap + cmd(new(0x100, 4, 0, 8192))
            + cmd(new(0x100, 5, 0, 900000)) + cmd(new(0x100, 6, 0, 300000)) + drain,
  'emfile': bytes([14, 0, 7]) + emfile(1, ctx) + emfile(0, cmd(new(0x105, 3, 2)))
            + emfile(2, cmd(new(0x100, 4, 0, 4096))) + drain,
  'reset': bytes([14, 0x80, 7]) + ctx + cmd(new(0x100, 2, 0, 8192)) + fill(1) + reset
           + ctx + drain,
  'foreign': bytes([14, 0, 7]) + ctx + cmd(new(0x100, 2, 0, 4096))
             + cmd(foreign(1, [entry(0, 2), entry(3, 9)], b'f'), 8)
             + cmd(foreign(1, [entry(1, 9)], b'g'), 8) + cmd(foreign(1, [entry(2, 9)], b'h'), 8)
             + cmd(foreign(1, [entry(7, 2)], b'i'), 8) + cmd(foreign(1, [entry(0, 1)], b'j'), 8)
             + drain,
  'foreign_v1': bytes([0, 0, 7]) + ctx + cmd(new(0x100, 2, 3, 4096))
                + cmd(foreign(1, [entry(0, 2, False)], b'f'), 8) + drain,
  # the guest writes into a (blocking) pipe end the compositor gave it
  'hostwrite': bytes([14, 0, 7]) + ctx + post + host(b'w' * 17, 0x42) + drain
               + cmd(send(0x102, HOST0, [], b'paste' * 100), 8) + fill(1) + drain,
  # the guest closes a host vfd before the RECV that names it went out
  'closeannounced': bytes([14, 0, 7]) + ctx + host(b'c' * 17, 0x80)
                    + cmd(close(HOST0), 8) + cmd(close(HOST0 + 1), 8) + post + drain,
  'drainpipe_unsent': bytes([14, 32, 7]) + ctx + cmd(new(0x105, 3, 1)) + fill(3)
                      + cmd(close(3), 8) + drain,
  'config': bytes([14, 0, 7]) + config(b'cam=/tmp/x') + config(b'/abs') + config(b'b d=/x')
            + config(b'=/x') + config(b'n=') + config(bytes(range(1, 40)))
            + config(bytes([1] * 14)) + ctx + drain,
  'nomem': bytes([14, 0, 7]) + nomem(0, ctx) + ctx + nomem(0, cmd(new(0x100, 2, 0, 4096)))
           + nomem(1, host(b'n' * 17, 0x40)) + nomem(0, fill(1)) + drain,
  'batch': bytes([14, 0, 0x0f]) + batch(200) + drain + batch(130) + drain,
  'idle': bytes([14, 0, 7]) + ctx + reset_idle + ctx + post + drain + reset + ctx + drain,
  # in-buffers run out mid-message: the rest waits; the guest closes
  # vfds it was not yet told about, and the context they came on
  'pending': bytes([14, 0, 7]) + ctx + bytes([2, 1]) + struct.pack('<H', 4096)
             + host(b'p' * 17, 0x88) + cmd(close(HOST0 + 1), 8) + cmd(close(1), 8)
             + post + drain,
  'tinysplit': bytes([14, 0, 7]) + ctx + split(3, 40, 4) + host(b't' * 51, 0x40) + drain,
  'fragment': bytes([14, 0x40, 7]) + cmd(new(0x100, 2, 0, 262144)) + cmd(new(0x100, 3, 0, 262144))
              + cmd(new(0x100, 4, 0, 262144)) + cmd(close(3), 8) + cmd(new(0x100, 5, 0, 524288))
              + drain,
  'kinds': bytes([14, 0, 7]) + ctx + post + host(b'k' * 17, 0x84) + host(b'k' * 17, 0x85)
           + host(b'k' * 17, 0x8d) + host(b'k' * 17, 0x86) + host(b'k' * 17, 0x8e)
           + host(b'k' * 17, 0x87) + host(b'k' * 17, 0x4b) + pipe(0, 3) + drain,
  'window': bytes([14, 0, 7]) + window(16, [8, 8, 6, 1, 16, 3, 40, 5, 2]),
  'vring': bytes([14, 0, 7]) + vring(bytes([6, 0, 0, 0]) + bytes(60)),
  # held sends that need more fd room than the queue has
  'fdroom': bytes([14, 32, 7]) + ctx + cmd(new(0x100, 2, 0, 4096)) + fill(1, 0)
            + fill(1, 20) + sip(0, 4000) + wait(3) + sip(0, 60000) + wait(200) + drain,
  'hostfull': bytes([14, 0, 7]) + ctx + post + host(b'w' * 17, 0x42) + drain
              + fill(0x80) + pipe(0, 0) + fill(0x80) + drain,
  'memfderr': bytes([14, 0x85, 7]) + cmd(new(0x10a, 1, 0, 0, b'virtwl-memfd')) + post
              + failmap + cmd(send(0x102, 1, [], struct.pack('<Q', 8192) + b'a'), 8)
              + nomem(0, cmd(send(0x102, 1, [], struct.pack('<Q', 8192) + b'b'), 8))
              + nomem(1, cmd(send(0x102, 1, [], struct.pack('<Q', 8192) + b'c'), 8))
              + emfile(0, cmd(send(0x102, 1, [], struct.pack('<Q', 8192) + b'd'), 8))
              + cmd(send(0x102, 1, [], struct.pack('<Q', 900000) + b'e'), 8) + drain,
  'pipelimit': bytes([14, 8, 7]) + ctx + cmd(new(0x105, 2, 1)) + cmd(new(0x105, 3, 1))
               + cmd(new(0x105, 4, 1)) + cmd(new(0x105, 5, 1)) + emfile(1, cmd(new(0x105, 6, 1)))
               + cmd(send(0x102, 2, [], b'x')) + drain,
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
	echo 'gone="gone"'
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
# How much of the model this corpus reaches (make fuzz requires 95 %).
if command -v llvm-cov >/dev/null && command -v llvm-profdata >/dev/null; then
	c=$(sh "$VIRTWL_TOP/tests/fuzz/coverage.sh" "$corpus" 2>&1 | tail -n 1)
	tap_diag "fuzz-wl-dev: host/wl $c"
fi
artifact=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -n1)
if [ "$status" -eq 0 ] && [ -z "$artifact" ] && [ "${runs:-0}" -gt 0 ]; then
	tap_ok "fuzz-wl-dev: ${runs} executions, no crash"
else
	tail -n 40 "$log" | sed 's/^/# /'
	tap_fail "fuzz-wl-dev: status $status ${artifact:+input $artifact} (log $log)"
fi
tap_done
