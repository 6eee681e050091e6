#!/usr/bin/python3
"""bench-trace.py — tracepoint overhead: boots the kernel on QEMU (TCG)
--boots times, runs the in-kernel `trace bench RUNS` (shell/cmd_trace.c)
in each boot and prints, for a disabled and an enabled tracepoint, the
median of the per-boot medians and the min / max over all runs, in ns per
tracepoint call (loop overhead subtracted in the kernel).

    tools/bench-trace.py [--kernel build/bench/rayos.elf] [--boots 3]
                         [--runs 9] [--smp 2]

Every figure is parsed from the kernel's BENCH lines:
  BENCH name=NAME unit=ns median=X min=X max=X runs=N iters=N
Needs python3-pexpect (run with /usr/bin/python3). Not part of make test.
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rayosvm  # noqa: E402

BENCH_RE = re.compile(r"^BENCH (.*)$", re.M)
KV_RE = re.compile(r'(\w+)=("[^"]*"|\S+)')
NAMES = [("trace_disabled", "tracepoint disabled (mask test, branch not taken)"),
         ("trace_enabled", "tracepoint enabled (64-byte event into the per-CPU ring)")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=os.path.join("build", "bench", "rayos.elf"))
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--smp", type=int, default=2)
    a = ap.parse_args()
    got = {n: [] for n, _ in NAMES}
    lo = {n: [] for n, _ in NAMES}
    hi = {n: [] for n, _ in NAMES}
    for b in range(a.boots):
        vm = rayosvm.VM(machine="q35", smp=a.smp, kernel=a.kernel, name="bench-trace-%d" % b)
        try:
            vm.start()
            vm.wait_prompt()
            out = vm.cmd("trace bench %d" % a.runs, timeout=300)
        finally:
            vm.kill()
        for m in BENCH_RE.finditer(out):
            kv = {k: v.strip('"') for k, v in KV_RE.findall(m.group(1))}
            if kv.get("name") in got:
                got[kv["name"]].append(float(kv["median"]))
                lo[kv["name"]].append(float(kv["min"]))
                hi[kv["name"]].append(float(kv["max"]))
    print("tracepoint cost, q35 TCG -smp %d, %d boot(s) x %d run(s) (ns per call)" % (a.smp, a.boots, a.runs))
    print("%-16s %10s %10s %10s  %s" % ("figure", "median", "min", "max", "what"))
    ok = True
    for n, what in NAMES:
        if not got[n]:
            print("%-16s %10s  (no BENCH line)" % (n, "n/a"))
            ok = False
            continue
        print("%-16s %10.3f %10.3f %10.3f  %s" % (n, statistics.median(got[n]), min(lo[n]), max(hi[n]), what))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
