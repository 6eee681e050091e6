#!/usr/bin/python3
"""bench-boot.py — boot-time benchmark: boots the kernel N times on QEMU
(TCG) and reports median, min and max of

  - rayos_boot_seconds: the kernel's own measure, first instruction to the
    first shell prompt (read with `metrics rayos_boot_seconds`);
  - wall: host time from starting QEMU to seeing the prompt on the serial
    line (includes QEMU start-up and the firmware).

    tools/bench-boot.py [--kernel build/rayos.elf] [--runs 11] [--machine q35]
                        [--smp 2] [--mem 512] [--append ...] [--json FILE]

Needs python3-pexpect (run with /usr/bin/python3). Not part of make test:
timings depend on the host, and TCG is slow and noisy.
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rayosvm  # noqa: E402

BOOT_RE = re.compile(r"^rayos_boot_seconds(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$", re.M)


def one(args):
    vm = rayosvm.VM(machine=args.machine, smp=args.smp, mem=args.mem, kernel=args.kernel,
                    append=args.append or None)
    try:
        vm.start()
        vm.wait_prompt(args.timeout)
        wall = vm.boot_wall_seconds()
        out = vm.cmd("metrics rayos_boot_seconds", args.timeout)
        m = BOOT_RE.search(out)
        if not m:
            raise RuntimeError("no rayos_boot_seconds in:\n" + out)
        return float(m.group(1)), wall
    finally:
        vm.kill()


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=rayosvm.KERNEL)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", type=int, default=512)
    ap.add_argument("--append", default="")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per wait (default 60)")
    ap.add_argument("--json", help="also write the raw samples to this file")
    args = ap.parse_args()
    if not os.path.exists(args.kernel):
        print("bench: no kernel at %s (run make)" % args.kernel, file=sys.stderr)
        return 2

    print("bench: %d boots of %s on %s (TCG, %d CPUs, %d MiB)"
          % (args.runs, args.kernel, args.machine, args.smp, args.mem))
    boot, wall = [], []
    for i in range(args.runs):
        b, w = one(args)
        boot.append(b)
        wall.append(w)
        print("  run %2d: rayos_boot_seconds %.6f   wall to prompt %.3f s" % (i + 1, b, w))
        sys.stdout.flush()
    bm, bmin, bmax = stats(boot)
    wm, wmin, wmax = stats(wall)
    print("%-32s %10s %10s %10s" % ("", "median", "min", "max"))
    print("%-32s %10.6f %10.6f %10.6f" % ("rayos_boot_seconds (s)", bm, bmin, bmax))
    print("%-32s %10.3f %10.3f %10.3f" % ("wall, QEMU start to prompt (s)", wm, wmin, wmax))
    try:
        print("host load average: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    except OSError:
        pass
    if bmax == 0:
        print("note: rayos_boot_seconds is 0: the kernel has no calibrated cycle counter yet")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": args.machine, "runs": args.runs,
                       "rayos_boot_seconds": boot, "wall_seconds": wall}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
