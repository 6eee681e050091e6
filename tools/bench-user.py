#!/usr/bin/python3
"""bench-user.py — the side-by-side benchmark of issue 7 (item 9): the same
static musl program, build/user/bench (user/bench.c), runs on Debian's Linux
and on RayOS in the same QEMU configuration, and a table compares them.

    tools/bench-user.py [--boots 3] [--reps 5] [--scale 1]
                        [--rayos build/bench/rayos.elf]
                        [--initramfs build/initramfs.cpio]
                        [--linux /boot/vmlinuz-...] [--timeout 300]
                        [--no-linux] [--no-rayos] [--json FILE]

Configuration for both: qemu-system-x86_64 -M q35 -accel tcg -smp 1 -m 256M
-serial stdio -display none -no-reboot, each boot bounded by --timeout.
  Linux:  -kernel /boot/vmlinuz-* (Debian's linux-image-amd64) -append
          'console=ttyS0 quiet', -initrd: busybox-static + bench + an /init
          script that mounts /proc, runs `bench REPS SCALE`, then
          `poweroff -f` (built here with tools/mkinitramfs.sh).
  RayOS:  -kernel build/bench/rayos.elf -initrd build/initramfs.cpio
          -append 'init=/bin/bench' (bench then runs with its defaults,
          5 repetitions, scale 1). A RayOS without user mode reaches its own
          shell instead: the table then says 'RayOS: not available (why)'.
The two sides boot alternately (Linux, RayOS, Linux, ...) so that both see
the same host load. Each boot prints the medians over REPS repetitions ("bench NAME VALUE
UNIT"); the table gives, per figure, the median over the boots and the
ratio RayOS / Linux (all figures are times: below 1 means RayOS is faster).
Timings depend on the host (TCG, shared cores): compare ratios taken in the
same run, not absolute numbers across runs. Each boot line gives the host's
load average when it started. The 1 ms sleep maximum is the least stable
figure: on both kernels it is set by the host, which must run QEMU's
threads to deliver the timer interrupt to the halted guest CPU (RayOS
shows this with `hist rayos_timer_irq_lateness_seconds`: idle lateness of
up to a host scheduler tick, 4 ms at CONFIG_HZ=250, on a loaded host).
"""
import argparse
import glob
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
QEMU_BASE = ["-M", "q35", "-accel", "tcg", "-smp", "1", "-m", "256M",
             "-serial", "stdio", "-display", "none", "-monitor", "none", "-no-reboot"]
BENCH_RE = re.compile(r"^bench (\w+) ([0-9.]+) (\w+)\s*$", re.M)
DONE_RE = re.compile(r"^bench: (done|FAILED.*)$", re.M)
RAYOS_PROMPT_RE = re.compile(r"rayos> ")
FIGURES = [
    ("syscall_getppid", "getppid() system call"),
    ("pipe_roundtrip", "1-byte pipe round trip, 2 processes"),
    ("fork_exit_wait", "fork + exit + wait"),
    ("sleep_1ms_avg", "1 ms clock_nanosleep wake-up latency, avg"),
    ("sleep_1ms_max", "1 ms clock_nanosleep wake-up latency, max"),
]

INIT_SCRIPT = """#!/bin/sh
# /init of the Linux side of make bench-user (tools/bench-user.py)
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "bench-user: linux $(uname -r) up $(cut -d' ' -f1 /proc/uptime) s"
/bin/bench {reps} {scale}
echo "bench-user: exit $?"
poweroff -f
"""


def linux_kernel():
    """Newest /boot/vmlinuz-* (Debian's linux-image-amd64), or None."""
    cands = glob.glob("/boot/vmlinuz-*")

    def key(p):
        return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p)]
    return sorted(cands, key=key)[-1] if cands else None


def run_qemu(argv, timeout, stop_re=None):
    """Runs QEMU until it exits, DONE_RE or stop_re matches its serial
    output, or timeout seconds pass; returns (output, why)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    out = bytearray()
    why = "timeout after %d s" % timeout
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([p.stdout], [], [], min(left, 1.0))
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    why = "qemu exited (%s)" % p.wait()
                    break
                out += chunk
                text = out.decode("utf-8", "replace").replace("\r", "")
                if DONE_RE.search(text):
                    why = "done"
                    # let Linux power off by itself; RayOS may not
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
                    break
                if stop_re and stop_re.search(text):
                    why = "stop"
                    break
            elif p.poll() is not None:
                why = "qemu exited (%s)" % p.returncode
                break
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        try:
            rest = p.stdout.read()
            if rest:
                out += rest
        except (OSError, ValueError):
            pass
        p.stdout.close()
    return out.decode("utf-8", "replace").replace("\r", ""), why


def parse(text):
    return {m.group(1): (float(m.group(2)), m.group(3)) for m in BENCH_RE.finditer(text)}


def last_line(text):
    lines = [ln.strip() for ln in text.replace("\r", "").splitlines() if ln.strip()]
    return lines[-1][:100] if lines else "(no serial output)"


class Unavailable(Exception):
    """This side cannot run the benchmark; the message says why."""


class LinuxSide:
    """Debian's Linux booting an initramfs of busybox, `progs` and the
    /init script `init` (by default bench's); tools/bench-rt.py reuses it."""
    name = "linux"

    def __init__(self, args, init=None, progs=None):
        self.args = args
        self.kernel = args.linux or linux_kernel()
        self.tmp = None
        if not self.kernel or not os.access(self.kernel, os.R_OK):
            raise Unavailable("no readable /boot/vmlinuz-* (apt-get install linux-image-amd64)")
        if not os.path.exists("/bin/busybox"):
            raise Unavailable("no /bin/busybox (apt-get install busybox-static)")
        self.tmp = tempfile.mkdtemp(prefix="rayos-bench-linux-")
        init_path = os.path.join(self.tmp, "init")
        with open(init_path, "w") as f:
            f.write(init if init is not None else INIT_SCRIPT.format(reps=args.reps, scale=args.scale))
        self.cpio = os.path.join(self.tmp, "linux.cpio")
        subprocess.run(["sh", os.path.join(ROOT, "tools", "mkinitramfs.sh"), self.cpio,
                        "--init", init_path] + (progs if progs is not None else [args.bench]),
                       check=True, stderr=subprocess.DEVNULL)
        self.note = os.path.basename(self.kernel)

    def argv(self):
        return [QEMU] + QEMU_BASE + ["-kernel", self.kernel, "-initrd", self.cpio,
                                     "-append", "console=ttyS0 quiet"]

    def check(self, text, why, vals):
        if why != "done" or not vals:
            raise Unavailable("%s; last line: %s" % (why, last_line(text)))

    def close(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


class RayosSide:
    name = "rayos"

    def __init__(self, args):
        self.args = args
        if not os.path.exists(args.rayos):
            raise Unavailable("no kernel at %s (make bench-kernel)" % args.rayos)
        if not os.path.exists(args.initramfs):
            raise Unavailable("no initramfs at %s (make initramfs)" % args.initramfs)
        self.note = os.path.relpath(args.rayos, ROOT)

    def argv(self):
        return [QEMU] + QEMU_BASE + ["-kernel", self.args.rayos, "-initrd", self.args.initramfs,
                                     "-append", "init=/bin/bench"]

    def check(self, text, why, vals):
        if why == "stop" and not vals:
            raise Unavailable("RayOS reached its shell instead of running init=/bin/bench "
                              "(no user mode in this kernel yet?)")
        if why != "done" or not vals:
            raise Unavailable("%s; last line: %s" % (why, last_line(text)))

    def close(self):
        pass


def host_load():
    """The host's 1-minute load average (the wake-up maxima follow it: a
    halted guest's timer interrupt waits for the host to run QEMU)."""
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def boot_once(side, i, log_dir):
    """One boot of one side: the figures it printed, or Unavailable."""
    argv = side.argv()
    load = host_load()
    t0 = time.monotonic()
    text, why = run_qemu(argv, side.args.timeout,
                         stop_re=RAYOS_PROMPT_RE if side.name == "rayos" else None)
    with open(os.path.join(log_dir, "%s-%d.log" % (side.name, i)), "w") as f:
        f.write("# " + " ".join(argv) + "\n" + text)
    vals = parse(text)
    side.check(text, why, vals)
    print("  %s boot %d: %s (%.1f s wall, host load %s)" % (
        side.name, i, " ".join("%s=%g" % (k, v[0]) for k, v in vals.items()),
        time.monotonic() - t0, load), flush=True)
    return vals


def medians(runs):
    res = {}
    for name, _ in FIGURES:
        vals = [r[name][0] for r in runs if name in r]
        if vals:
            res[name] = (statistics.median(vals), runs[0][name][1])
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5, help="repetitions inside one boot (Linux side)")
    ap.add_argument("--scale", type=float, default=1.0, help="iteration multiplier (Linux side)")
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "user", "bench"))
    ap.add_argument("--rayos", default=os.path.join(ROOT, "build", "bench", "rayos.elf"))
    ap.add_argument("--initramfs", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--linux", default=None, help="Linux kernel image (default: newest /boot/vmlinuz-*)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot")
    ap.add_argument("--no-linux", action="store_true")
    ap.add_argument("--no-rayos", action="store_true")
    ap.add_argument("--log-dir", default=os.path.join(ROOT, "build", "bench-user"))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if not os.path.exists(args.bench):
        sys.exit("bench-user: no %s (make user)" % args.bench)
    os.makedirs(args.log_dir, exist_ok=True)
    print("bench-user: %d boot(s) each, QEMU %s, serial logs in %s" % (
        args.boots, " ".join(QEMU_BASE), args.log_dir), flush=True)

    # the two sides boot alternately, so that both see the same host load
    sides, notes, runs = [], {}, {"linux": [], "rayos": []}
    for cls, skip in ((LinuxSide, args.no_linux), (RayosSide, args.no_rayos)):
        if skip:
            notes[cls.name] = "skipped (--no-%s)" % cls.name
            continue
        try:
            sides.append(cls(args))
        except (Unavailable, subprocess.CalledProcessError) as e:
            notes[cls.name] = str(e)
    try:
        for i in range(args.boots):
            for side in list(sides):
                try:
                    runs[side.name].append(boot_once(side, i, args.log_dir))
                except Unavailable as e:
                    notes[side.name] = "boot %d: %s" % (i, e)
                    runs[side.name] = []
                    sides.remove(side)
                    side.close()
    finally:
        for side in sides:
            side.close()
            notes[side.name] = side.note
    lin, ray = runs["linux"], runs["rayos"]
    lin_note, ray_note = notes.get("linux", ""), notes.get("rayos", "")
    lm = medians(lin) if lin else {}
    rm = medians(ray) if ray else {}

    print()
    print("%-44s %14s %14s %8s" % ("figure (median of %d boots)" % args.boots,
                                    "Linux", "RayOS", "ratio"))
    for name, desc in FIGURES:
        lv = lm.get(name)
        rv = rm.get(name)
        ls = "%.2f %s" % lv if lv else "n/a"
        rs = "%.2f %s" % rv if rv else "n/a"
        ratio = "%.2f" % (rv[0] / lv[0]) if lv and rv and lv[0] > 0 else "-"
        print("%-44s %14s %14s %8s" % (desc, ls, rs, ratio))
    print("ratio = RayOS / Linux (times: below 1 means RayOS is faster)")
    print("Linux: %s" % (lin_note if lin else "not available (%s)" % lin_note))
    print("RayOS: %s" % ("%d boot(s)" % len(ray) if ray else "not available (%s)" % ray_note))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"linux": lm, "rayos": rm, "linux_note": lin_note,
                       "rayos_note": ray_note}, f, indent=1)
    # the Linux side must work; RayOS may legitimately be unavailable
    return 0 if (lin or args.no_linux) else 1


if __name__ == "__main__":
    sys.exit(main())
