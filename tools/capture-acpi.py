#!/usr/bin/env python3
"""capture-acpi.py — capture the ACPI tables QEMU gives RayOS, for the hosted
unit tests (tests/host/test_acpi.c reads tests/host/data/*.bin).

For each machine configuration it boots the kernel in QEMU with the serial
console on a pipe, waits for the shell prompt, runs `acpi` to list the
tables, then `acpi dump SIG N` for every table (and `acpi dump RSDP`), turns
the hex dump back into bytes, checks the length against the dump's header
and the table's own length field and its checksum, and writes
DATA/<config>-<SIG>[.<N>].bin. Nothing is written for a configuration whose
capture fails, so a broken kernel cannot overwrite good captures.

Usage: tools/capture-acpi.py [--kernel build/rayos.elf] [--out tests/host/data]
                             [--qemu qemu-system-x86_64] [CONFIG...]
CONFIG is one of the names in CONFIGS (default: all).
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

CONFIGS = {
    "q35": ["-machine", "q35"],
    "pc": ["-machine", "pc"],
    "microvm": ["-machine", "microvm"],
    # two CPUs on two NUMA nodes: a MADT with two processors and an SRAT
    "q35-numa": ["-machine", "q35", "-smp", "2", "-m", "512",
                 "-object", "memory-backend-ram,id=m0,size=256M",
                 "-object", "memory-backend-ram,id=m1,size=256M",
                 "-numa", "node,nodeid=0,memdev=m0,cpus=0",
                 "-numa", "node,nodeid=1,memdev=m1,cpus=1"],
}

PROMPT = b"rayos> "
HEX_LINE = re.compile(r"^([0-9a-f]{8}): ((?:[0-9a-f]{2} |   ){16}) \|")
DUMP_HEAD = re.compile(r"^(\S+) at (0x[0-9a-f]+|0), (\d+) bytes$")
LIST_LINE = re.compile(r"^([A-Za-z0-9_?]{4}) +0x[0-9a-f]+ +(\d+) ")


class Console:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = b""

    def read_until(self, token, timeout=20.0):
        end = time.monotonic() + timeout
        while token not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or self.p.poll() is not None:
                raise RuntimeError("no %r from QEMU; got:\n%s" % (token, self.buf[-2000:].decode(errors="replace")))
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    continue
                self.buf += chunk
        i = self.buf.index(token) + len(token)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def run(self, cmd, timeout=60.0):
        self.p.stdin.write(cmd.encode() + b"\r")
        self.p.stdin.flush()
        out = self.read_until(PROMPT, timeout)
        lines = out.decode(errors="replace").replace("\r", "").split("\n")
        return lines[1:-1]  # drop the echoed command and the prompt

    def close(self):
        try:
            self.p.stdin.write(b"poweroff\r")
            self.p.stdin.flush()
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()
            self.p.wait()


def parse_dump(lines):
    head = None
    data = bytearray()
    for line in lines:
        m = DUMP_HEAD.match(line)
        if m and head is None:
            head = (m.group(1), int(m.group(3)))
            continue
        m = HEX_LINE.match(line)
        if m:
            if int(m.group(1), 16) != len(data):
                raise RuntimeError("hex dump offsets out of order at %s" % m.group(1))
            data += bytes(int(x, 16) for x in m.group(2).split())
    if head is None:
        raise RuntimeError("no dump header in: %r" % lines[:3])
    if len(data) != head[1]:
        raise RuntimeError("%s: dump has %d bytes, header says %d" % (head[0], len(data), head[1]))
    return head[0], bytes(data)


def check_table(sig, data):
    if sig == "RSDP":
        if data[:8] != b"RSD PTR " or sum(data[:20]) & 0xFF:
            raise RuntimeError("RSDP signature/checksum bad")
        return
    length = int.from_bytes(data[4:8], "little")
    if length != len(data):
        raise RuntimeError("%s: length field %d, dumped %d" % (sig, length, len(data)))
    if sig != "FACS" and sum(data) & 0xFF:
        raise RuntimeError("%s: checksum does not sum to zero" % sig)


def capture(name, args, qemu, kernel):
    argv = [qemu, "-kernel", kernel, "-serial", "stdio", "-display", "none",
            "-monitor", "none", "-no-reboot"] + CONFIGS[name]
    con = Console(argv)
    try:
        con.read_until(PROMPT, timeout=60)
        tables = []
        for line in con.run("acpi"):
            m = LIST_LINE.match(line)
            if m:
                tables.append(m.group(1))
        if not tables:
            raise RuntimeError("`acpi` listed no tables")
        out = {}
        seen = {}
        for sig in ["RSDP"] + tables:
            n = seen.get(sig, 0)
            seen[sig] = n + 1
            got_sig, data = parse_dump(con.run("acpi dump %s %d" % (sig, n)))
            if got_sig != sig:
                raise RuntimeError("asked for %s, got %s" % (sig, got_sig))
            check_table(sig, data)
            fname = "%s-%s%s.bin" % (name, sig, "" if n == 0 else ".%d" % n)
            out[fname] = data
        return out
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default="build/rayos.elf")
    ap.add_argument("--out", default="tests/host/data")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("configs", nargs="*", default=list(CONFIGS))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    status = 0
    for name in a.configs:
        if name not in CONFIGS:
            print("unknown config %s (have: %s)" % (name, " ".join(CONFIGS)), file=sys.stderr)
            return 2
        try:
            files = capture(name, CONFIGS[name], a.qemu, a.kernel)
        except Exception as e:  # keep going with the other machines
            print("%s: capture failed: %s" % (name, e), file=sys.stderr)
            status = 1
            continue
        for fname, data in sorted(files.items()):
            with open(os.path.join(a.out, fname), "wb") as f:
                f.write(data)
        print("%s: %s" % (name, ", ".join("%s (%d)" % (f, len(d)) for f, d in sorted(files.items()))))
    return status


if __name__ == "__main__":
    sys.exit(main())
