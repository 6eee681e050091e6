#!/usr/bin/python3
"""sleep-trace.py — where RayOS's late 1 ms wake-ups come from: boots RayOS
(q35, TCG, 1 CPU, 256 MiB: bench-user's configuration) with the initramfs,
runs user/sleeplat under `trace` and splits every sleep's wake-up, from the
kernel's own events, into
  irq_late   timer interrupt entry minus (the sleeper's switch-out + 1 ms):
             the sleep's deadline is at most that, so this bounds from above
             how late the interrupt reached the CPU;
  wake_run   timer interrupt entry to the sleeper being switched in
             (interrupt handler, wake-up, scheduler: the kernel's part).
For each wake-up sleeplat reports among its worst, it lists what the CPU
did between the deadline and the wake-up (thread slices, interrupts), and it
prints `hist rayos_timer_irq_lateness_seconds` (idle: the interrupt found
the CPU halted, so the delay was outside the kernel).

    tools/sleep-trace.py [--kernel build/bench/rayos.elf]
                         [--initramfs build/initramfs.cpio] [--sleeps 1000]
                         [--json FILE (keep the trace)]

Needs python3-pexpect (run with /usr/bin/python3). The trace ring holds
8192 events; a sleep costs about 5, so keep --sleeps at or below 1500.
Timings depend on the host: its load average is printed first.
"""
import argparse
import bisect
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rayosvm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORST_RE = re.compile(r"^sleeplat worst \d+: sleep \d+ started (\d+) ns, late ([0-9.]+) us", re.M)
LATE_US = 500


def summary(name, v):
    if not v:
        return "%-12s n=0" % name
    v = sorted(v)
    n = len(v)
    return "%-12s n=%d median %.1f us, p99 %.1f us, max %.1f us, over %d us: %d" % (
        name, n, v[n // 2], v[min(n - 1, int(n * 0.99))], v[-1], LATE_US,
        sum(x > LATE_US for x in v))


def analyze(doc, text):
    evs = [e for e in doc["traceEvents"] if e["ph"] != "M" and e["pid"] == 0]
    evs.sort(key=lambda e: e["ts"])
    runs = [e for e in evs if e["ph"] == "X" and e["name"].startswith("sleeplat")]
    irqs = [e["ts"] for e in evs if e["ph"] == "X" and e["name"] == "irq 239"]
    irq_late, wake_run = [], []
    for a, b in zip(runs, runs[1:]):
        out, back = a["ts"] + a["dur"], b["ts"]
        if not 900 <= back - out <= 100000:
            continue  # not a 1 ms sleep (a system call that did not block)
        k = bisect.bisect_left(irqs, out + 990)
        if k == len(irqs) or irqs[k] > back:
            continue
        irq_late.append(irqs[k] - (out + 1000))
        wake_run.append(back - irqs[k])
    print(summary("irq_late", irq_late))
    print(summary("wake_run", wake_run))
    for m in WORST_RE.finditer(text):
        due = int(m.group(1)) / 1000 + 1000
        woke = due + float(m.group(2))
        what = ["%.1f %s %.1f us" % (e["ts"] - due, e["name"], e.get("dur", 0))
                for e in evs if e["ph"] == "X" and e["ts"] + e.get("dur", 0) > due and e["ts"] < woke]
        print("late %.1f us: after the deadline (us from it, name, duration): %s" % (
            woke - due, "; ".join(what) or "nothing traced"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "bench", "rayos.elf"))
    ap.add_argument("--initramfs", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--sleeps", type=int, default=1000)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    with open("/proc/loadavg") as f:
        print("host load average: %s" % " ".join(f.read().split()[:3]))
    vm = rayosvm.VM(machine="q35", smp=1, mem=256, kernel=a.kernel, extra=["-initrd", a.initramfs],
                    name="sleep-trace")
    try:
        vm.start()
        vm.wait_prompt()
        vm.cmd("trace clear")
        vm.cmd("trace start sched_switch sched_wakeup irq_entry irq_exit")
        text = vm.cmd("run /bin/sleeplat %d 0" % a.sleeps, timeout=300)
        vm.cmd("trace stop")
        lost = re.search(r"lost (\d+)", vm.cmd("trace status"))
        hist = vm.cmd("hist rayos_timer_irq_lateness_seconds")
        dump = vm.cmd("trace dump", timeout=300)
    finally:
        vm.kill()
    if "sleeplat: done" not in text:
        sys.exit("sleep-trace: sleeplat did not finish: %s" % text[-300:])
    print("\n".join(ln for ln in text.splitlines() if ln.startswith("sleeplat sleeps")))
    if lost and int(lost.group(1)):
        print("note: the ring overwrote %s events (use fewer --sleeps)" % lost.group(1))
    doc = json.loads(dump[dump.index("{"):dump.rindex("}") + 1])
    if a.json:
        with open(a.json, "w") as f:
            json.dump(doc, f)
    analyze(doc, text)
    print(hist.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
