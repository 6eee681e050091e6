#!/usr/bin/python3
"""ktest.py — boot RayOS with ktest=SUITE on each QEMU machine, parse the
KTAP output, and fail on any "not ok", a malformed or truncated report, a
timeout, or a QEMU exit status other than 1.

The kernel ends a ktest boot through isa-debug-exit (port 0xf4): QEMU then
exits with (code << 1) | 1, so 1 = every test passed, 3 = failures.

    tools/ktest.py [--kernel build/rayos.elf] [--machine q35:4 --machine microvm:2]
                   [--suite all] [--timeout 90] [--log-dir build] [-v]

Prints the KTAP output of failing runs (all of it with -v) and, per
machine, the summary line "# ktest: pass X fail Y skip Z". Standard
library only; runs QEMU under TCG.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die_with_parent():
    """QEMU gets SIGKILL if this script dies (Linux PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def run_one(qemu, kernel, machine, suite, timeout, extra_append, cpu="max"):
    """machine is NAME or NAME:CPUS (q35:4 = q35 with -smp 4). cpu is the
    QEMU CPU model: "max" by default, which under TCG has SMEP and SMAP
    (QEMU's default qemu64 has neither), so the user-memory protections
    are tested; "" for QEMU's default."""
    name, _, ncpu = machine.partition(":")
    append = "ktest=%s" % suite + (" " + extra_append if extra_append else "")
    argv = [qemu, "-machine", name, "-accel", "tcg", "-smp", ncpu or "2", "-m", "512",
            *(["-cpu", cpu] if cpu else []),
            "-kernel", kernel, "-append", append,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True,
                         preexec_fn=die_with_parent)
    timed_out = False
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise
    return argv, p.returncode, timed_out, out.decode("latin-1"), time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "rayos.elf"))
    ap.add_argument("--machine", action="append", help="q35, pc, microvm, optionally :CPUS (repeatable; default q35:4 and microvm:2)")
    ap.add_argument("--suite", default="all")
    ap.add_argument("--cpu", default="max", help='QEMU CPU model (default max: SMEP/SMAP under TCG; "" = QEMU default)')
    ap.add_argument("--append", default="slab_debug", help="more kernel command-line options")
    ap.add_argument("--timeout", type=float, default=90, help="seconds per boot (default 90)")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--log-dir", help="write each run's serial output to LOG_DIR/ktest-MACHINE.log")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the whole KTAP output")
    args = ap.parse_args()
    machines = args.machine or ["q35:4", "microvm:2"]
    if not os.path.exists(args.kernel):
        print("ktest: no kernel at %s (run make)" % args.kernel, file=sys.stderr)
        return 2

    bad = []
    for machine in machines:
        argv, status, timed_out, out, secs = run_one(args.qemu, args.kernel, machine, args.suite,
                                                     args.timeout, args.append, args.cpu)
        if args.log_dir:
            os.makedirs(args.log_dir, exist_ok=True)
            with open(os.path.join(args.log_dir, "ktest-%s.log" % machine.replace(":", "-smp")), "w") as f:
                f.write("# " + " ".join(argv) + "\n" + out)
        r = ktap.parse(out)
        problems = list(r.errors)
        if timed_out:
            problems.insert(0, "timed out after %.0f s (QEMU killed)" % args.timeout)
        elif status == 3:
            problems.insert(0, "QEMU exit status 3: the kernel reported failures")
        elif status != 1:
            problems.insert(0, "QEMU exit status %s (expected 1: isa-debug-exit with code 0)" % status)
        if "ktest: no suite named" in out:
            problems.append("the kernel has no ktest suite named '%s'" % args.suite)
        for name, diag in r.failures:
            problems.append("not ok: %s%s" % (name, "".join("\n        " + d for d in diag)))
        verdict = "FAIL" if problems else "ok"
        if args.verbose or problems:
            print("---- ktest on %s: %s" % (machine, " ".join(argv)))
            print(out.replace("\r", "").rstrip())
            print("----")
        print("ktest [%s]: %s in %.1f s (QEMU exit %s)" % (machine, verdict, secs,
                                                          "timeout" if timed_out else status))
        for pr in problems:
            print("  - " + pr)
        print(r.summary_line())
        sys.stdout.flush()
        if problems:
            bad.append(machine)
    if bad:
        print("ktest: FAILED on %s" % ", ".join(bad))
        return 1
    print("ktest: passed on %s" % ", ".join(machines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
