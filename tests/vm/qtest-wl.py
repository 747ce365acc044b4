#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""virtio-wl-pci in QEMU without a guest: QEMU's qtest protocol lets this
script be the driver (PCI config, BARs, virtqueues in guest RAM) while it
also plays the compositor.  It checks what the device model's own tests
cannot reach, the QEMU adapter's descriptor handling: indirect descriptor
tables, chains split over many descriptors, memory mapped into BAR 2 and
unmapped again, a reset with requests held, hostile descriptors (random
chains, nested and out-of-range tables, rings over their size) and hot
unplug with memory mapped and a request held.  QEMU must survive all of it
and answer correctly.  TAP on stdout.

  qtest-wl.py QEMU [--iterations N] [--seed S]
"""
import os
import random
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
import mmap
import array

PAGE = 4096
SLOT = 3
BAR4 = 0xE0000000          # virtio capabilities (64-bit)
BAR2 = 0xC0000000          # the shared-memory window (64-bit)
SHM_SIZE = 16 << 20
RAM = 64 << 20

# virtio-wl wire codes
NEW, CLOSE, SEND, RECV, NEW_CTX, NEW_PIPE, HUP = 0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106
RESP_OK, RESP_VFD_NEW, RESP_ERR, RESP_INVALID_ID = 0x1000, 0x1001, 0x1100, 0x1102
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
VIRTIO_F_VERSION_1 = 32
VIRTIO_F_INDIRECT = 28
# TRANS_FLAGS, SEND_FENCES, USE_SHMEM: pfns are offsets in the window
WL_FEATURES = (1 << 1) | (1 << 2) | (1 << 3)

n_test = 0
n_failed = 0


def ok(cond, name, diag=""):
    global n_test, n_failed
    n_test += 1
    if cond:
        print(f"ok {n_test} - {name}")
    else:
        n_failed += 1
        print(f"not ok {n_test} - {name}" + (f" # {diag}" if diag else ""))
    sys.stdout.flush()
    return cond


class QTest:
    def __init__(self, qemu, sock_path, tmp):
        self.qmp_path = os.path.join(tmp, "qmp")
        self.stderr = open(os.path.join(tmp, "qemu.stderr"), "w+")
        self.p = subprocess.Popen(
            [qemu, "-M", "pc", "-accel", "qtest", "-qtest", "stdio",
             "-qtest-log", "/dev/null", "-display", "none", "-nodefaults",
             "-m", f"{RAM >> 20}M", "-L", "/usr/share/seabios", "-L", "/usr/share/qemu",
             "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
             "-device", f"virtio-wl-pci,id=wl0,bus=pci.0,addr={SLOT},"
                        f"sock={sock_path},shm-size={SHM_SIZE >> 20}M,max-mem=8M"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            bufsize=0)
        self.buf = b""

    def _line(self, timeout=20):
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            r, _, _ = select.select([self.p.stdout], [], [], max(left, 0))
            if not r:
                raise TimeoutError("qtest: no answer")
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError("qtest: QEMU went away")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def cmd(self, text):
        self.p.stdin.write((text + "\n").encode())
        while True:
            line = self._line()
            if line.startswith("IRQ"):
                continue
            if not line.startswith("OK"):
                raise RuntimeError(f"qtest: {text!r}: {line}")
            return line[3:]

    def alive(self):
        try:
            self.cmd("clock_step 1000")
            return self.p.poll() is None
        except (EOFError, TimeoutError, RuntimeError, BrokenPipeError):
            return False

    def outl(self, port, v): self.cmd(f"outl {port:#x} {v:#x}")
    def inl(self, port): return int(self.cmd(f"inl {port:#x}"), 16)
    def writeb(self, a, v): self.cmd(f"writeb {a:#x} {v:#x}")
    def writew(self, a, v): self.cmd(f"writew {a:#x} {v:#x}")
    def writel(self, a, v): self.cmd(f"writel {a:#x} {v:#x}")
    def writeq(self, a, v): self.cmd(f"writeq {a:#x} {v:#x}")
    def readb(self, a): return int(self.cmd(f"readb {a:#x}"), 16)
    def readw(self, a): return int(self.cmd(f"readw {a:#x}"), 16)
    def readl(self, a): return int(self.cmd(f"readl {a:#x}"), 16)

    def write(self, a, data):
        if data:
            self.cmd(f"write {a:#x} {len(data)} 0x{data.hex()}")

    def read(self, a, n):
        return bytes.fromhex(self.cmd(f"read {a:#x} {n}")[2:])

    def close(self):
        # qtest keeps QEMU up when its channel closes: ask it to end.
        if self.p.poll() is None:
            self.p.terminate()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.stderr.seek(0)
        return self.stderr.read()


def cfg_addr(reg):
    return 0x80000000 | (SLOT << 11) | (reg & 0xFC)


def cfg_read(q, reg, size=4):
    q.outl(0xCF8, cfg_addr(reg))
    v = q.inl(0xCFC)
    return (v >> ((reg & 3) * 8)) & ((1 << (size * 8)) - 1)


def cfg_write32(q, reg, v):
    q.outl(0xCF8, cfg_addr(reg))
    q.outl(0xCFC, v)


class Ring:
    """A split virtqueue in guest RAM, driven from here."""

    def __init__(self, q, index, base, num):
        self.q, self.index, self.num = q, index, num
        self.desc = base
        self.avail = base + 16 * num
        self.used = (self.avail + 6 + 2 * num + PAGE - 1) & ~(PAGE - 1)
        self.avail_idx = 0
        self.used_seen = 0
        self.next_desc = 0
        self.inflight = {}

    def clear(self):
        self.q.write(self.desc, bytes(16 * self.num))
        self.q.write(self.avail, bytes(6 + 2 * self.num))
        self.q.write(self.used, bytes(6 + 8 * self.num))
        self.avail_idx = self.used_seen = self.next_desc = 0
        self.inflight = {}

    def _desc(self, i, addr, length, flags, nxt):
        self.q.write(self.desc + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))

    def publish(self, head):
        self.q.write(self.avail + 4 + 2 * (self.avail_idx % self.num), struct.pack("<H", head))
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.q.write(self.avail + 2, struct.pack("<H", self.avail_idx))

    def add(self, segs, indirect_at=None):
        """segs: (addr, len, writable) in order.  With indirect_at, one
        descriptor points at a table written there."""
        if indirect_at is not None:
            table = b""
            for k, (a, n, w) in enumerate(segs):
                fl = (F_WRITE if w else 0) | (F_NEXT if k + 1 < len(segs) else 0)
                table += struct.pack("<QIHH", a, n, fl, k + 1)
            self.q.write(indirect_at, table)
            head = self.next_desc
            self._desc(head, indirect_at, len(table), F_INDIRECT, 0)
            self.next_desc = (self.next_desc + 1) % self.num
        else:
            head = self.next_desc
            for k, (a, n, w) in enumerate(segs):
                d = (head + k) % self.num
                fl = (F_WRITE if w else 0) | (F_NEXT if k + 1 < len(segs) else 0)
                self._desc(d, a, n, fl, (d + 1) % self.num)
            self.next_desc = (self.next_desc + len(segs)) % self.num
        self.publish(head)
        return head

    def used_entries(self):
        out = []
        idx = struct.unpack("<H", self.q.read(self.used + 2, 2))[0]
        while self.used_seen != idx:
            e = self.used + 4 + 8 * (self.used_seen % self.num)
            out.append(struct.unpack("<II", self.q.read(e, 8)))
            self.used_seen = (self.used_seen + 1) & 0xFFFF
        return out


class Driver:
    """Just enough of a virtio-pci modern driver for virtio-wl."""

    def __init__(self, q):
        self.q = q
        self.heap = 0x400000
        self.caps = {}
        self.answers = {}

    def alloc(self, n):
        a = self.heap
        self.heap += (n + 63) & ~63
        if self.heap > RAM - (1 << 20):
            self.heap = 0x400000
            a = self.heap
            self.heap += (n + 63) & ~63
        return a

    def probe(self):
        q = self.q
        ids = cfg_read(q, 0)
        if ids != 0x107F1AF4:
            return False
        cfg_write32(q, 0x20, BAR4)          # BAR 4, low
        cfg_write32(q, 0x24, 0)
        cfg_write32(q, 0x10 + 8, BAR2)      # BAR 2, low
        cfg_write32(q, 0x10 + 12, 0)
        cfg_write32(q, 0x04, 0x6)           # memory space, bus master
        ptr = cfg_read(q, 0x34, 1)
        while ptr:
            if cfg_read(q, ptr, 1) == 0x09:
                t = cfg_read(q, ptr + 3, 1)
                bar = cfg_read(q, ptr + 4, 1)
                off = cfg_read(q, ptr + 8)
                self.caps[t] = (bar, off)
                if t == 2:
                    self.notify_mult = cfg_read(q, ptr + 16)
            ptr = cfg_read(q, ptr + 1, 1)
        return all(t in self.caps for t in (1, 2, 8))

    def common(self, off):
        return BAR4 + self.caps[1][1] + off

    def status(self):
        return self.q.readb(self.common(0x14))

    def setup(self, num=64):
        q = self.q
        c = self.common
        q.writeb(c(0x14), 0)
        q.writeb(c(0x14), 1)
        q.writeb(c(0x14), 3)
        feats = 0
        for sel in (0, 1):
            q.writel(c(0x00), sel)
            feats |= q.readl(c(0x04)) << (32 * sel)
        want = feats & ((1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_F_INDIRECT) | WL_FEATURES)
        for sel in (0, 1):
            q.writel(c(0x08), sel)
            q.writel(c(0x0C), (want >> (32 * sel)) & 0xFFFFFFFF)
        q.writeb(c(0x14), 11)
        if not q.readb(c(0x14)) & 8:
            return 0
        self.rings = []
        for i in (0, 1):
            q.writew(c(0x16), i)
            q.writew(c(0x18), num)
            r = Ring(q, i, 0x100000 + i * 0x40000, num)
            r.clear()
            q.writeq(c(0x20), r.desc)
            q.writeq(c(0x28), r.avail)
            q.writeq(c(0x30), r.used)
            r.notify_off = q.readw(c(0x1E))
            q.writew(c(0x1C), 1)
            self.rings.append(r)
        q.writeb(c(0x14), 15)
        self.answers = {}
        return want

    def notify(self, i):
        r = self.rings[i]
        self.q.writew(BAR4 + self.caps[2][1] + r.notify_off * self.notify_mult, i)

    def request(self, body, indirect=False, pieces=1, resp_len=64):
        """Posts a request on the out queue; returns (head, response address)."""
        r = self.rings[1]
        req = self.alloc(len(body))
        resp = self.alloc(resp_len)
        self.q.write(req, body)
        self.q.write(resp, b"\xee" * resp_len)
        segs = []
        cut = max(1, len(body) // pieces)
        for k in range(pieces):
            start = k * cut
            end = len(body) if k + 1 == pieces else (k + 1) * cut
            if end > start:
                segs.append((req + start, end - start, False))
        segs.append((resp, resp_len, True))
        head = r.add(segs, indirect_at=self.alloc(16 * len(segs)) if indirect else None)
        self.notify(1)
        return head, resp

    def collect(self):
        for head, _ in self.rings[1].used_entries():
            self.answers[head] = True

    def answer(self, head, resp, wait=2.0):
        end = time.time() + wait
        while True:
            self.collect()
            if head in self.answers:
                del self.answers[head]
                return self.q.read(resp, 64)
            if time.time() > end:
                return None
            time.sleep(0.01)
            self.q.cmd("clock_step 1000000")

    def call(self, body, **kw):
        head, resp = self.request(body, **kw)
        a = self.answer(head, resp)
        return (struct.unpack("<I", a[:4])[0], a) if a else (None, None)

    def post_in(self, count=16, size=4096):
        r = self.rings[0]
        for _ in range(count):
            a = self.alloc(size)
            r.add([(a, size, True)])
            r.inflight[a] = size
        self.notify(0)


def new_body(typ, vid, flags=0, size=0, name=b""):
    return struct.pack("<IIIIQI", typ, 0, vid, flags, 0, size) + name.ljust(36, b"\0")


def send_body(vid, ids, data):
    return struct.pack("<IIII", SEND, 0, vid, len(ids)) + b"".join(struct.pack("<I", i) for i in ids) + data


def recv_fds(conn, n=4096):
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(n, socket.CMSG_SPACE(28 * fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds)


def accept(lsock, timeout=2):
    lsock.settimeout(timeout)
    try:
        c, _ = lsock.accept()
        return c
    except socket.timeout:
        return None


def main():
    qemu = sys.argv[1]
    iterations = 300
    seed = int(time.time())
    args = sys.argv[2:]
    while args:
        if args[0] == "--iterations":
            iterations = int(args[1])
        elif args[0] == "--seed":
            seed = int(args[1])
        args = args[2:]
    rnd = random.Random(seed)
    print(f"# seed {seed}, {iterations} random chains")
    tmp = tempfile.mkdtemp(prefix="qtest-wl.")
    sock_path = os.path.join(tmp, "wayland-0")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(sock_path)
    lsock.listen(64)
    q = QTest(qemu, sock_path, tmp)
    d = Driver(q)
    try:
        run(q, d, lsock, rnd, iterations)
    except (EOFError, TimeoutError, RuntimeError, BrokenPipeError) as e:
        ok(False, f"the qtest session went on ({e})")
    err = q.close()
    crashed = q.p.returncode is None or (q.p.returncode < 0 and q.p.returncode != -15)
    ok(not crashed, f"QEMU ended without a crash (status {q.p.returncode})")
    for line in err.splitlines()[-15:]:
        print(f"# qemu: {line}")
    # A fresh QEMU for the flood: 40 SENDs to a full socket, one kick.
    q = QTest(qemu, sock_path, tmp)
    d = Driver(q)
    try:
        flood(q, d, lsock)
    except (EOFError, TimeoutError, RuntimeError, BrokenPipeError) as e:
        ok(False, f"the flood session went on ({e})")
        q.close()
    print(f"1..{n_test}")
    return 1 if n_failed else 0


def flood(q, d, lsock):
    """What once blocked QEMU for minutes: many SENDs to a compositor that
    reads nothing, queued before one kick; then SIGTERM."""
    d.probe()
    d.setup(num=256)
    t, _ = d.call(new_body(NEW_CTX, 1))
    conn = accept(lsock)
    r = d.rings[1]
    heads = []
    for i in range(100):
        req = d.alloc(16 + 65536)
        resp = d.alloc(64)
        q.write(req, send_body(1, [], bytes(65536)))
        heads.append(r.add([(req, 16 + 65536, False), (resp, 64, True)]))
    t0 = time.time()
    d.notify(1)
    kick = time.time() - t0
    t0 = time.time()
    alive = q.alive()
    step = time.time() - t0
    ok(alive and kick < 1 and step < 1,
       f"100 SENDs of 64 KiB to a compositor that does not read, one kick: "
       f"the kick took {kick * 1000:.0f} ms, QEMU answers in {step * 1000:.0f} ms")
    t0 = time.time()
    q.p.terminate()
    try:
        q.p.wait(5)
    except subprocess.TimeoutExpired:
        pass
    took = time.time() - t0
    ok(q.p.returncode is not None and took < 1,
       f"SIGTERM with those SENDs held: QEMU ends in {took * 1000:.0f} ms (status {q.p.returncode})")
    q.close()
    if conn:
        conn.close()


def run(q, d, lsock, rnd, iterations):
    if not ok(d.probe(), "virtio-wl-pci found at 1af4:107f with common, notify and shm capabilities"):
        return
    feats = d.setup()
    ok(feats & (1 << VIRTIO_F_INDIRECT) and feats & (1 << VIRTIO_F_VERSION_1),
       f"features negotiated with INDIRECT_DESC ({feats:#x})")

    # Contexts and sends through indirect tables and split chains.
    t, _ = d.call(new_body(NEW_CTX, 1), indirect=True)
    conn = accept(lsock)
    ok(t == RESP_VFD_NEW and conn is not None, "NEW_CTX through an indirect table reaches the compositor")
    data = bytes(rnd.randrange(256) for _ in range(3000))
    t, _ = d.call(send_body(1, [], data), indirect=True, pieces=5)
    got = b""
    conn.settimeout(2)
    while len(got) < len(data):
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
    ok(t == RESP_OK and got == data, "a SEND split over 5 readable descriptors of an indirect table arrives intact")

    # Memory: ALLOC maps into BAR 2; both sides see the same bytes.
    t, a = d.call(new_body(NEW, 2, 0, 3 * PAGE))
    pfn = struct.unpack("<Q", a[16:24])[0] if a else 0
    off = pfn << 12
    pattern = bytes((i * 7) & 0xFF for i in range(3 * PAGE))
    if ok(t == RESP_VFD_NEW and off + 3 * PAGE <= SHM_SIZE, f"ALLOC answered with a window offset ({off:#x})"):
        q.write(BAR2 + off, pattern)
        t, _ = d.call(send_body(1, [2], b"pool"))
        msg, fds = recv_fds(conn)
        seen = b""
        if fds:
            m = mmap.mmap(fds[0], 3 * PAGE)
            seen = m[:]
            m[0:4] = b"HOST"
            m.close()
        ok(t == RESP_OK and len(fds) == 1 and seen == pattern,
           "what the driver wrote through BAR 2 is what the compositor maps")
        ok(q.read(BAR2 + off, 4) == b"HOST", "what the compositor wrote shows in BAR 2")
        for fd in fds:
            os.close(fd)
        t, _ = d.call(struct.pack("<III", CLOSE, 0, 2))
        after = q.read(BAR2 + off, 16)
        ok(t == RESP_OK and after != pattern[:16], "CLOSE unmaps: BAR 2 no longer shows the memory")
        t, a = d.call(new_body(NEW, 3, 0, PAGE))
        off2 = struct.unpack("<Q", a[16:24])[0] << 12 if a else -1
        ok(t == RESP_VFD_NEW and q.read(BAR2 + off2, 16) == bytes(16),
           "a new ALLOC maps fresh zeroed memory")

    # Host -> guest through in-buffers.
    d.post_in(8)
    conn.send(b"event")
    got = None
    end = time.time() + 3
    while time.time() < end and got is None:
        q.cmd("clock_step 1000000")
        for head, n in d.rings[0].used_entries():
            got = n
        time.sleep(0.01)
    ok(got == 16 + 5, f"host data comes back as a VFD_RECV in an in-buffer ({got} bytes)")

    # Reset with requests held: the compositor stops reading, sends pile up.
    held = None
    for i in range(200):
        head, resp = d.request(send_body(1, [], bytes(8000)))
        if d.answer(head, resp, wait=0.05) is None:
            held = head
            break
    ok(held is not None, f"a SEND to a compositor that does not read is held, not answered ({i + 1} sends)")
    q.writeb(d.common(0x14), 0)
    ok(q.alive() and d.status() == 0, "reset with a held SEND: QEMU lives on, the device is reset")
    conn.close()
    d.setup()
    t, _ = d.call(new_body(NEW_CTX, 1))
    conn = accept(lsock)
    ok(t == RESP_VFD_NEW and conn is not None, "after the reset the device works again")

    # Hostile descriptors.
    broken = 0
    for it in range(iterations):
        r = d.rings[1]
        kind = rnd.randrange(8)
        body = rnd.choice([new_body(NEW_CTX, rnd.randrange(1, 9)), send_body(1, [], b"x" * rnd.randrange(64)),
                           new_body(NEW, rnd.randrange(1, 9), 0, rnd.randrange(1, 1 << 16)),
                           struct.pack("<III", CLOSE, 0, rnd.randrange(1, 9)),
                           bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 80)))])
        if kind == 0:
            # an indirect table pointing at another indirect table
            inner = d.alloc(32)
            q.write(inner, struct.pack("<QIHH", d.alloc(64), 64, F_WRITE, 0) * 2)
            outer = d.alloc(32)
            q.write(outer, struct.pack("<QIHH", inner, 32, F_INDIRECT, 0))
            h = r.next_desc
            r._desc(h, outer, 16, F_INDIRECT, 0)
            r.next_desc = (h + 1) % r.num
            r.publish(h)
        elif kind == 1:
            # indirect table of odd length, or beyond RAM, or of 0 bytes
            h = r.next_desc
            r._desc(h, rnd.choice([d.alloc(64), RAM + 4096, 0xFFFFFFFFF000, BAR4]),
                    rnd.choice([0, 17, 16 * 300, 0xFFFFFFF0]), F_INDIRECT, 0)
            r.next_desc = (h + 1) % r.num
            r.publish(h)
        elif kind == 2:
            # a chain whose next pointers loop or leave the table
            h = r.next_desc
            for k in range(4):
                r._desc((h + k) % r.num, d.alloc(16), 16, F_NEXT | (F_WRITE if k == 3 else 0),
                        rnd.choice([h, (h + k + 1) % r.num, r.num + 5, 0xFFFF]))
            r.next_desc = (h + 4) % r.num
            r.publish(h)
        elif kind == 3:
            # buffers beyond RAM, in MMIO, or huge
            h = r.next_desc
            r._desc(h, rnd.choice([RAM - 8, RAM + 12345, BAR2, BAR4, 0xFFFFFFFFFFFFF000]),
                    rnd.choice([8, 64, 1 << 20, 0x7FFFFFFF]), F_NEXT, (h + 1) % r.num)
            r._desc((h + 1) % r.num, d.alloc(64), 64, F_WRITE, 0)
            r.next_desc = (h + 2) % r.num
            r.publish(h)
        elif kind == 4:
            # the avail index runs ahead of what the ring holds
            q.write(r.avail + 2, struct.pack("<H", (r.avail_idx + rnd.choice([r.num + 1, 1000, 0x8000])) & 0xFFFF))
        else:
            d.request(body, indirect=kind == 5, pieces=rnd.randrange(1, 4),
                      resp_len=rnd.choice([0, 4, 8, 64]))
        d.notify(1)
        if not q.alive():
            ok(False, f"QEMU survives hostile descriptors (died at iteration {it})")
            return
        if d.status() & 0x40:          # DEVICE_NEEDS_RESET: the ring is refused
            broken += 1
            conn.close()
            d.setup()
            d.call(new_body(NEW_CTX, 1))
            conn = accept(lsock, 1) or conn
    ok(True, f"QEMU survives {iterations} hostile chains ({broken} times the device asked for a reset)")
    t, _ = d.call(new_body(NEW_CTX, 9))
    ok(t in (RESP_VFD_NEW, RESP_ERR, RESP_INVALID_ID), f"the device still answers after them ({t:#x})")

    # Hot unplug with memory mapped and a SEND held.
    d.call(new_body(NEW, 4, 0, PAGE))
    for i in range(200):
        head, resp = d.request(send_body(1, [], bytes(8000)))
        if d.answer(head, resp, wait=0.05) is None:
            break
    qmp = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    qmp.connect(q.qmp_path)
    qf = qmp.makefile("rwb", buffering=0)
    qf.readline()
    qf.write(b'{"execute": "qmp_capabilities"}\n')
    qf.readline()
    qf.write(b'{"execute": "device_del", "arguments": {"id": "wl0"}}\n')
    q.outl(0xAE08, 1 << SLOT)          # the guest's ACPI eject
    deleted = False
    qmp.settimeout(5)
    end = time.time() + 5
    while time.time() < end and not deleted:
        try:
            line = qf.readline()
        except socket.timeout:
            break
        deleted = b"DEVICE_DELETED" in line
    ok(deleted and q.alive(), "hot unplug with memory mapped and a SEND held: deleted, QEMU lives on")
    conn.settimeout(2)
    try:
        rest = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        closed = True
    except socket.timeout:
        closed = False
    ok(closed, "the compositor's connection is closed with the device")
    qmp.close()


if __name__ == "__main__":
    sys.exit(main())
