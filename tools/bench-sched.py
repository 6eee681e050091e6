#!/usr/bin/python3
"""bench-sched.py — scheduler and lock benchmark: boots the kernel on QEMU
(TCG) several times for each CPU count, runs the in-kernel `bench sched`
(shell/cmd_bench.c) in each boot, and prints a table.

  - every figure comes from the kernel's BENCH lines: per boot, the median,
    min and max over RUNS runs (each run a mean over many iterations);
  - the table gives, per CPU count, the median of the per-boot medians and
    the min and max over all runs of all boots;
  - figures marked [cross-CPU] pass between two CPUs (IPIs); they need two
    CPUs online and are n/a with -smp 1.

    tools/bench-sched.py [--kernel build/bench/rayos.elf] [--boots 3]
                         [--runs 7] [--smp 2 --smp 1] [--machine q35]
                         [--accel tcg] [--json FILE]

--accel is passed to QEMU's -accel: "tcg" is multi-threaded TCG (one host
thread per vCPU: cross-CPU wake-ups then include the host waking a halted
vCPU thread), "tcg,thread=single" runs all vCPUs on one host thread.
Needs python3-pexpect (run with /usr/bin/python3). Not part of make test:
timings depend on the host, and TCG is slow and noisy. The benchmark kernel
should be built without the lock checker (make bench-kernel: LOCKDEP=0);
the kernel's header line says whether it was.
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rayosvm  # noqa: E402

BENCH_RE = re.compile(r"^BENCH (.*)$", re.M)
KV_RE = re.compile(r'(\w+)=("[^"]*"|\S+)')
HEAD_RE = re.compile(r"^bench sched: .*?(\d+) CPU\(s\) online.*?lock checker (\w+)", re.M)

# name, description; order of the table
FIGURES = [
    ("ctxsw_same_cpu", "context switch, one way (ping-pong via completions), same CPU", False),
    ("ctxsw_cross_cpu", "ping-pong hand-off, one way, between two CPUs", True),
    ("wake_timer", "timer callback (thread_wake) -> sleeper running", False),
    ("timer_late", "timer deadline -> timer callback", False),
    ("wake_explicit_same_cpu", "thread_wake -> woken thread running, same CPU", False),
    ("wake_explicit_cross_cpu", "thread_wake -> woken thread running, other CPU", True),
    ("spin_pair", "spin_lock + spin_unlock, uncontended", False),
    ("spin_irqsave_pair", "spin_lock_irqsave + spin_unlock_irqrestore", False),
    ("mutex_pair", "mutex_lock + mutex_unlock, uncontended", False),
    ("counter_inc", "metric_inc on a counter (one relaxed atomic add)", False),
    ("hist_record", "hist_record into a log-linear histogram (per-CPU, lock-free)", False),
]


class VM(rayosvm.VM):
    """rayosvm.VM with a configurable -accel value."""

    def __init__(self, accel="tcg", **kw):
        super().__init__(**kw)
        self.accel = accel

    def argv(self):
        a = super().argv()
        a[a.index("-accel") + 1] = self.accel
        return a


def parse(out):
    head = HEAD_RE.search(out)
    if not head:
        raise RuntimeError("no `bench sched:` header in:\n" + out)
    figs = {}
    for m in BENCH_RE.finditer(out):
        kv = {k: v.strip('"') for k, v in KV_RE.findall(m.group(1))}
        figs[kv["name"]] = kv
    if not figs:
        raise RuntimeError("no BENCH lines in:\n" + out)
    return int(head.group(1)), head.group(2), figs


def one(args, smp):
    vm = VM(accel=args.accel, machine=args.machine, smp=smp, mem=args.mem, kernel=args.kernel)
    try:
        vm.start()
        vm.wait_prompt(args.timeout)
        out = vm.cmd("bench sched %d" % args.runs, args.timeout)
        return parse(out)
    finally:
        vm.kill()


def fmt(x):
    if x is None:
        return "n/a"
    return "%.1f" % x if x < 1000 else "%.0f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(rayosvm.ROOT, "build", "bench", "rayos.elf"))
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--runs", type=int, default=7, help="runs per figure in each boot (1..31)")
    ap.add_argument("--smp", type=int, action="append", help="CPU counts (default 2 then 1)")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--accel", default="tcg", help='QEMU -accel value (default "tcg")')
    ap.add_argument("--mem", type=int, default=512)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per wait (default 900)")
    ap.add_argument("--json", help="also write every boot's figures to this file")
    args = ap.parse_args()
    smps = args.smp or [2, 1]
    if not os.path.exists(args.kernel):
        print("bench: no kernel at %s (run make bench-kernel)" % args.kernel, file=sys.stderr)
        return 2

    print("bench-sched: %d boot(s) x %d run(s) of %s on %s (-accel %s, %d MiB), -smp %s"
          % (args.boots, args.runs, args.kernel, args.machine, args.accel, args.mem,
             " and ".join(str(s) for s in smps)))
    results = {}  # smp -> {"online": n, "checker": s, "boots": [figs, ...]}
    for smp in smps:
        r = results[smp] = {"online": None, "checker": None, "boots": []}
        for b in range(args.boots):
            online, checker, figs = one(args, smp)
            r["online"], r["checker"] = online, checker
            r["boots"].append(figs)
            got = figs.get("ctxsw_same_cpu", {})
            print("  -smp %d boot %d: %d CPU(s) online, lock checker %s, ctxsw_same_cpu median %s ns"
                  % (smp, b + 1, online, checker, got.get("median", "?")))
            sys.stdout.flush()

    checkers = {r["checker"] for r in results.values()}
    print()
    print("Figures in ns. Per column: median of the per-boot medians, then min and max over")
    print("all runs of all boots. [cross-CPU]: between two CPUs (n/a with one CPU online).")
    cols = []
    for smp in smps:
        cols.append("-smp %d (%s online)" % (smp, results[smp]["online"]))
    w = 29
    print("%-36s" % "" + "".join("%*s" % (w, c) for c in cols))
    print("%-36s" % "figure" + "".join("%*s" % (w, "%8s %8s %8s" % ("median", "min", "max"))
                                       for _ in cols))
    summary = {}
    for name, desc, cross in FIGURES:
        label = name + (" [cross-CPU]" if cross else "")
        cells = []
        for smp in smps:
            boots = [f[name] for f in results[smp]["boots"] if name in f and "median" in f[name]]
            if not boots:
                why = next((f[name].get("skipped") for f in results[smp]["boots"]
                            if name in f and "skipped" in f[name]), "no data")
                cells.append("%*s" % (w, "n/a (%s)" % why))
                summary.setdefault(name, {})[smp] = None
                continue
            med = statistics.median(float(x["median"]) for x in boots)
            lo = min(float(x["min"]) for x in boots)
            hi = max(float(x["max"]) for x in boots)
            summary.setdefault(name, {})[smp] = {"median": med, "min": lo, "max": hi}
            cells.append("%*s" % (w, "%8s %8s %8s" % (fmt(med), fmt(lo), fmt(hi))))
        print("%-36s" % label + "".join(cells))
    print()
    for name, desc, cross in FIGURES:
        print("  %-26s %s" % (name, desc))
    if checkers != {"off"}:
        print("note: the lock checker was compiled in (%s): figures include its cost"
              % ", ".join(sorted(str(c) for c in checkers)))
    try:
        print("host load average: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    except OSError:
        pass
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kernel": args.kernel, "machine": args.machine, "accel": args.accel,
                       "runs": args.runs, "results": {str(k): v for k, v in results.items()},
                       "summary": summary}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
