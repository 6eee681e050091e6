#!/usr/bin/python3
"""bench-rt.py — the real-time benchmark (`make bench-rt`, issue 6 item 13):
wake-up latency under load on RayOS against Debian's Linux, and the
scheduler's cost per decision (hosted).

    tools/bench-rt.py [--boots 3] [--seconds 5]
                      [--rayos build/bench/rayos.elf] [--rtlat build/user/rtlat]
                      [--linux /boot/vmlinuz-...] [--linux-append "tsc=reliable"]
                      [--pick build/bench-sched/bench_pick]
                      [--rounds 9] [--no-insns] [--no-latency] [--json FILE]

1. Latency. Same QEMU configuration for both sides: q35, TCG, -smp 2,
   256 MiB, each boot bounded by --timeout.
     RayOS: the bench kernel (LOCKDEP=0), its shell runs `rt latency S`
            then `rt latency S --load` (kernel/sched/periodic.c: a
            SCHED_FIFO 99 thread per CPU sleeping to absolute 1 ms instants;
            --load adds a busy SCHED_NORMAL thread per CPU).
     Linux: Debian's /boot/vmlinuz-* with a busybox initramfs whose /init
            runs `rtlat S` then `rtlat S --load` (user/rtlat.c: the same
            measurement with clock_nanosleep(TIMER_ABSTIME), one SCHED_OTHER
            busy process per CPU for --load). The boot code is
            tools/bench-user.py's (imported). The kernel command line gets
            --linux-append, by default "tsc=reliable": under TCG Linux
            otherwise distrusts the TSC and falls back to the HPET
            clocksource, every read of which is an emulated MMIO access,
            while RayOS reads the TSC; the table's footer names the
            clocksource Linux used.
   Both print "latency: min X us, avg Y us, max Z us"; the sides boot
   alternately (Linux, RayOS, Linux, ...) so both see the same host load.
   The table gives the median over the boots of each figure and the ratio
   RayOS / Linux (below 1: RayOS has the lower latency).
2. Scheduler cost per decision: bench/sched/bench_pick (the kernel's
   portable scheduler compiled unchanged into a host program) prints ns per
   decision per scenario (median of --rounds rounds) with the ratio to the
   fair class at the same N; then, when valgrind is installed, instructions
   per decision counted by callgrind inside the measured loop only.
Timings depend on the host (TCG, shared cores): compare ratios taken in the
same run, not absolute numbers across runs.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import rayosvm  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_user", os.path.join(TOOLS, "bench-user.py"))
bu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bu)

ROOT = bu.ROOT
SMP, MEM = 2, 256
LAT_RE = re.compile(r"^latency: min (\d+) us, avg (\d+) us, max (\d+) us\s*$", re.M)
SECTION_RE = re.compile(r"^bench-rt: (idle|load)\s*$", re.M)
CLOCKSOURCE_RE = re.compile(r"^bench-rt: linux .*clocksource (\S+),", re.M)
MODES = ("idle", "load")
STATS = ("min", "avg", "max")

INIT_SCRIPT = """#!/bin/sh
# /init of the Linux side of make bench-rt (tools/bench-rt.py)
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /sys && mount -t sysfs sysfs /sys 2>/dev/null
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
echo "bench-rt: linux $(uname -r), $(nproc) CPUs, clocksource ${{cs:-unknown}}, up $(cut -d' ' -f1 /proc/uptime) s"
echo "bench-rt: idle"
/bin/rtlat {secs}
echo "bench-rt: load"
/bin/rtlat {secs} --load
echo "bench: done"
poweroff -f
"""


def parse_lat(text):
    """{"idle": (min, avg, max), "load": (...)} from the sections of text."""
    res = {}
    marks = list(SECTION_RE.finditer(text))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        lm = LAT_RE.search(text, m.end(), end)
        if lm:
            res[m.group(1)] = tuple(int(x) for x in lm.groups())
    return res


class LinuxSide(bu.LinuxSide):
    """bench-user.py's Linux side with rtlat and our /init, on -smp 2."""

    def __init__(self, args):
        if not os.path.exists(args.rtlat):
            raise bu.Unavailable("no %s (make %s)" % (args.rtlat, os.path.relpath(args.rtlat, ROOT)))
        super().__init__(args, init=INIT_SCRIPT.format(secs=args.seconds), progs=[args.rtlat])

    def argv(self):
        a = super().argv()
        a[a.index("-smp") + 1] = str(SMP)
        a[a.index("-m") + 1] = "%dM" % MEM
        if self.args.linux_append:
            a[a.index("-append") + 1] += " " + self.args.linux_append
        return a

    def boot(self, i):
        argv = self.argv()
        text, why = bu.run_qemu(argv, self.args.timeout)
        with open(os.path.join(self.args.log_dir, "linux-%d.log" % i), "w") as f:
            f.write("# " + " ".join(argv) + "\n" + text)
        vals = parse_lat(text)
        if why != "done" or len(vals) != len(MODES):
            raise bu.Unavailable("%s; last line: %s" % (why, bu.last_line(text)))
        m = CLOCKSOURCE_RE.search(text)
        if m:
            self.note = "%s, clocksource %s" % (os.path.basename(self.kernel), m.group(1))
        return vals


class RayosSide:
    name = "rayos"

    def __init__(self, args):
        self.args = args
        if not os.path.exists(args.rayos):
            raise bu.Unavailable("no kernel at %s (make bench-kernel)" % args.rayos)
        self.note = os.path.relpath(args.rayos, ROOT)

    def boot(self, i):
        a = self.args
        vm = rayosvm.VM(machine="q35", smp=SMP, mem=MEM, kernel=a.rayos,
                        log=os.path.join(a.log_dir, "rayos-%d.log" % i))
        text = ""
        try:
            vm.start()
            vm.wait_prompt(a.timeout)
            for mode in MODES:
                out = vm.cmd("rt latency %d%s" % (a.seconds, " --load" if mode == "load" else ""),
                             a.seconds + a.timeout)
                text += "bench-rt: %s\n%s\n" % (mode, out)
        except rayosvm.VMError as e:
            raise bu.Unavailable(str(e).splitlines()[0] if str(e) else "VM error")
        finally:
            vm.kill()
        vals = parse_lat(text)
        if len(vals) != len(MODES):
            raise bu.Unavailable("no latency line; last line: %s" % bu.last_line(text))
        return vals

    def close(self):
        pass


def latency(args):
    """Boots both sides alternately; prints the table; returns its data."""
    os.makedirs(args.log_dir, exist_ok=True)
    print("bench-rt: latency, %d boot(s) each, q35, TCG, -smp %d, %d MiB, %d s per figure, "
          "serial logs in %s" % (args.boots, SMP, MEM, args.seconds, args.log_dir), flush=True)
    sides, notes, runs = [], {}, {"linux": [], "rayos": []}
    for cls in (LinuxSide, RayosSide):
        try:
            sides.append(cls(args))
        except (bu.Unavailable, subprocess.CalledProcessError) as e:
            notes[cls.name] = str(e)
    try:
        for i in range(args.boots):
            for side in list(sides):
                t0 = time.monotonic()
                try:
                    vals = side.boot(i)
                except bu.Unavailable as e:
                    notes[side.name] = "boot %d: %s" % (i, e)
                    runs[side.name] = []
                    sides.remove(side)
                    side.close()
                    continue
                runs[side.name].append(vals)
                print("  %-5s boot %d: %s (%.1f s wall)" % (
                    side.name, i, "  ".join("%s %d/%d/%d us" % ((m,) + vals[m]) for m in MODES),
                    time.monotonic() - t0), flush=True)
    finally:
        for side in sides:
            side.close()
            notes[side.name] = side.note
    med = {}
    for name, rs in runs.items():
        if rs:
            med[name] = {m: [statistics.median(r[m][k] for r in rs) for k in range(3)] for m in MODES}
    print()
    print("%-40s %10s %10s %8s" % ("wake-up latency, us (median of %d boots)" % args.boots,
                                   "RayOS", "Linux", "ratio"))
    for m in MODES:
        for k, s in enumerate(STATS):
            rv = med.get("rayos", {}).get(m, [None] * 3)[k]
            lv = med.get("linux", {}).get(m, [None] * 3)[k]
            ratio = "%.2f" % (rv / lv) if rv is not None and lv else "-"
            print("%-40s %10s %10s %8s" % (
                "%s, %s" % (s, "idle" if m == "idle" else "--load (busy thread per CPU)"),
                "%g" % rv if rv is not None else "n/a", "%g" % lv if lv is not None else "n/a", ratio))
    print("ratio = RayOS / Linux (below 1: RayOS wakes its SCHED_FIFO 99 threads sooner)")
    for name, label in (("rayos", "RayOS"), ("linux", "Linux")):
        print("%s: %s" % (label, ("%d boot(s), %s" % (len(runs[name]), notes.get(name, "")))
                          if runs[name] else "not available (%s)" % notes.get(name, "")))
    return {"runs": runs, "medians": med, "notes": notes}


# ---- scheduler cost per decision (bench/sched/bench_pick) ----

PICK_RE = re.compile(r"^RESULT (\S+) (\d+) ([0-9.]+) (\d+)\s*$", re.M)


def pick_insns(args, scenarios):
    """{scenario: instructions per decision} from callgrind, collection on
    only inside the measured loop (bench_pick's run_decisions)."""
    res = {}
    tmp = tempfile.mkdtemp(prefix="rayos-bench-pick-")
    try:
        for i, sc in enumerate(scenarios):
            print("bench-rt: counting instructions: %s (%d of %d)   \r" % (sc, i + 1, len(scenarios)),
                  end="", file=sys.stderr, flush=True)
            cg = os.path.join(tmp, "cg")
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg,
                                "--toggle-collect=run_decisions", args.pick, "--insns", sc],
                               capture_output=True, text=True, timeout=600)
            if p.returncode:
                raise RuntimeError("valgrind %s %s: %s" % (args.pick, sc, p.stderr[-500:]))
            ir = None
            with open(cg) as f:
                for line in f:
                    m = re.match(r"^(summary|totals):\s*(\d+)", line)
                    if m:
                        ir = int(m.group(2))
                        break
            m = PICK_RE.search(p.stdout)
            if ir is None or not m:
                raise RuntimeError("no count for %s" % sc)
            res[sc] = ir / int(m.group(4))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        print(file=sys.stderr)
    return res


def pick(args):
    print("bench-rt: scheduler cost per decision, %s, %d rounds" % (
        os.path.relpath(args.pick, ROOT), args.rounds), flush=True)
    p = subprocess.run([args.pick, "--rounds", str(args.rounds)], capture_output=True, text=True,
                       timeout=3600)
    sys.stdout.write(p.stdout)
    if p.returncode:
        sys.stderr.write(p.stderr)
        raise SystemExit("bench-rt: %s failed (%d)" % (args.pick, p.returncode))
    res = {m.group(1): {"n": int(m.group(2)), "ns": float(m.group(3))} for m in PICK_RE.finditer(p.stdout)}
    if args.no_insns:
        return res
    if not shutil.which("valgrind"):
        print("(valgrind not installed: no instruction counts)")
        return res
    ins = pick_insns(args, list(res))
    print()
    print("Instructions per decision (valgrind callgrind, inside the measured loop only;")
    print("x = scenario / fair class at the same N)")
    print("%-28s %12s %8s" % ("scenario", "insns", "x fair"))
    for sc, r in res.items():
        base = "fair-%d" % r["n"]
        x = "%.2f" % (ins[sc] / ins[base]) if base in ins and ins[base] else "-"
        print("%-28s %12.1f %8s" % (sc, ins[sc], x))
        r["insns"] = ins[sc]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5, help="seconds per latency figure")
    ap.add_argument("--rayos", default=os.path.join(ROOT, "build", "bench", "rayos.elf"))
    ap.add_argument("--rtlat", default=os.path.join(ROOT, "build", "user", "rtlat"))
    ap.add_argument("--linux", default=None, help="Linux kernel image (default: newest /boot/vmlinuz-*)")
    ap.add_argument("--linux-append", default="tsc=reliable",
                    help='more Linux kernel parameters (default "tsc=reliable"; "" for none)')
    ap.add_argument("--pick", default=os.path.join(ROOT, "build", "bench-sched", "bench_pick"))
    ap.add_argument("--rounds", type=int, default=9, help="rounds of the decision benchmark")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot or command")
    ap.add_argument("--no-latency", action="store_true", help="skip the QEMU part")
    ap.add_argument("--no-pick", action="store_true", help="skip the decision-cost part")
    ap.add_argument("--no-insns", action="store_true", help="no callgrind instruction counts")
    ap.add_argument("--log-dir", default=os.path.join(ROOT, "build", "bench-rt"))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out, ok = {}, True
    if not args.no_latency:
        out["latency"] = latency(args)
        ok = bool(out["latency"]["runs"]["rayos"] and out["latency"]["runs"]["linux"])
        print()
    if not args.no_pick:
        out["pick"] = pick(args)
    try:
        print("host load average: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    except OSError:
        pass
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
