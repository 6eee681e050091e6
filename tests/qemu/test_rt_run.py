"""Real-time task sets at run time, from the shell (kernel/sched/periodic.c,
shell/cmd_rt_run.c): the issue's example — 20/50 40/70 is schedulable under
EDF and not under RM, and running it shows exactly that; admission refusal;
hard/firm reactions; `rt latency`; `rt status`; CPU isolation at run time and
with isolcpus= (an isolated CPU runs only pinned work and gets no device
interrupts).

The runs use -smp 2: `rt run` isolates CPU 1 for the run, where the tasks
have the CPU to themselves (cap 100%). Timing figures come from the kernel's
own accounting; the bounds checked are properties of the schedule (misses
or none), not host speed."""
import re

import pytest


def table(out):
    """rows of the `rt run` task table: {task: (jobs, misses, dropped, worst_ms)}"""
    rows = {}
    for m in re.finditer(r"^(\d+)\s+[\d./]+\s+(soft|firm|hard)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)",
                         out, re.M):
        rows[int(m.group(1))] = (int(m.group(4)), int(m.group(5)), int(m.group(6)), float(m.group(7)))
    return rows


def stalls(out):
    """The CPU stalls the jobs saw (time the host took from the vCPU)."""
    m = re.search(r"^CPU stalls during jobs \(.*\): (\d+)", out, re.M)
    assert m, out
    return int(m.group(1))


def misses(out):
    m = re.search(r"^misses: (\d+)\s*$", out, re.M)
    assert m, out
    return int(m.group(1))


@pytest.fixture
def vm2(boot):
    return boot(machine="q35", smp=2, mem=256)


def test_edf_meets_every_deadline_where_rm_misses(vm2):
    analysis = vm2.cmd("rt analyze rm 20/50 40/70", timeout=30)
    assert analysis.rstrip().endswith("verdict: not schedulable"), analysis
    analysis = vm2.cmd("rt analyze edf 20/50 40/70", timeout=30)
    assert analysis.rstrip().endswith("verdict: schedulable"), analysis

    # RM: task 2 misses (R2 = 80 > 70) whatever the host does; task 1 has
    # R1 = 20 and never misses unless the host stalls the vCPU (a heavily
    # loaded host took 1.2 s of the 3 s, in stalls up to 96 ms): then the
    # run must report those stalls, and it is tried again (up to 3 runs).
    all_rm = 0
    for attempt in range(3):
        rm = vm2.cmd("rt run rm 3 20/50 40/70", timeout=60)
        assert "policy rm on CPU 1 (isolated for the run)" in rm, rm
        rows = table(rm)
        assert rows[2][1] >= 1, rm             # R2 = 80 > 70: the first job misses
        assert rows[2][3] >= 80.0, rm          # worst response at least R2
        assert misses(rm) == rows[1][1] + rows[2][1] > 0
        all_rm += misses(rm)
        if rows[1][1] == 0:                    # the higher-priority task is fine
            break
        assert stalls(rm) > 0, rm

    # EDF: no miss on a quiet host. Under emulation the host can stop
    # running the vCPU while a job runs (on a loaded 2-core host a third of
    # the run's CPU time went that way); that time is charged to the job,
    # which overruns its reservation, the CBS throttles it until its next
    # period and it completes late. The kernel reports both: per task
    # (throttled N times, max overrun) and the stalls the jobs' busy loops
    # saw. So a run with misses must show the CPU stalling and every task
    # that missed throttled: a wrong EDF order makes tasks late without
    # either. (That EDF meets every deadline at U <= 1 is proven by the
    # hosted test_deadline on a simulated clock.) Up to five runs, until a
    # clean one.
    for attempt in range(5):
        edf = vm2.cmd("rt run edf 3 20/50 40/70", timeout=60)
        rows = table(edf)
        assert rows[1][0] == 60 and rows[2][0] == 42, edf   # deadlines inside 3 s
        for line in edf.splitlines():
            m = re.match(r"^([12])\s+\S+\s+soft\s+-\s+\d+\s+(\d+)", line)
            if m and int(m.group(2)):
                o = re.search(r"throttled (\d+) times, max overrun (\d+) us", line)
                assert o and int(o.group(1)) > 0, edf
        if misses(edf) == 0:
            break
        assert stalls(edf) > 0, edf
    edf_misses_before = int(re.search(r"deadline misses: edf (\d+)", vm2.cmd("rt status", timeout=30)).group(1))

    status = vm2.cmd("rt status", timeout=30)
    m = re.search(r"deadline misses: edf (\d+) llf (\d+) rm (\d+)", status)
    assert m and int(m.group(1)) == edf_misses_before and int(m.group(3)) == all_rm, status
    metrics = vm2.cmd("metrics rayos_sched_deadline_misses_total", timeout=30)
    assert 'rayos_sched_deadline_misses_total{policy="rm"} %d' % all_rm in metrics, metrics
    assert 'rayos_sched_deadline_misses_total{policy="edf"} %d' % edf_misses_before in metrics, metrics
    # the run gave its CPU back
    assert re.search(r"^1\s+no\s", status, re.M), status


def test_admission_and_input_errors(vm2):
    out = vm2.cmd("rt run edf 2 60/100 50/100", timeout=30)
    assert out.strip().startswith("not admitted:"), out
    out = vm2.cmd("rt run rm 2 60/100 50/100", timeout=30)
    assert out.strip().startswith("not admitted:"), out
    for bad in ("rt run xyz 2 1/10", "rt run rm 0 1/10", "rt run rm 2 20/10", "rt run rm 2 5/10/20",
                "rt run rm 2 1/10:maybe", "rt run rm 2"):
        out = vm2.cmd(bad, timeout=30)
        assert "misses:" not in out and out.strip(), (bad, out)


def test_hard_task_stops_firm_task_drops(vm2):
    out = vm2.cmd("rt run rm 1 20/50 40/70:hard", timeout=60)
    assert "(stopped: hard miss)" in out, out
    assert table(out)[2][1] == 1, out
    out = vm2.cmd("rt run rm 1 20/50 40/70:firm", timeout=60)
    rows = table(out)
    assert rows[2][2] >= 1 and rows[2][1] == rows[2][2], out   # misses are drops


def test_latency_prints_per_cpu_and_histogram(vm2):
    out = vm2.cmd("rt latency 1 --load", timeout=60)
    lines = re.findall(r"^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", out, re.M)
    assert [int(l[0]) for l in lines] == [0, 1], out
    for cpu, samples, lo, avg, hi in lines:
        assert 900 <= int(samples) <= 1000, out      # one per ms for 1 s
        assert int(lo) <= int(avg) <= int(hi), out
    m = re.search(r"latency: min (\d+) us, avg (\d+) us, max (\d+) us", out)
    assert m, out
    hist = sum(int(n) for n in re.findall(r"^\s+\d+\.\.\d+\s+us (\d+)$", out, re.M))
    assert hist == sum(int(l[1]) for l in lines), out


def test_isolation_at_run_time(vm2):
    out = vm2.cmd("rt isolate 1", timeout=30)
    assert "CPU 1 isolated" in out, out
    assert "last housekeeping CPU" in vm2.cmd("rt isolate 0", timeout=30)
    # two unpinned spinners: both must run on CPU 0
    out = vm2.cmd("spin 2 1", timeout=30)
    assert re.findall(r"last on CPU (\d+)", out) == ["0", "0"], out
    status = vm2.cmd("rt status", timeout=30)
    assert re.search(r"^1\s+yes\s+edf\s+0\.00%\s+100\.00%", status, re.M), status
    assert "CPU 1 back in general use" in vm2.cmd("rt unisolate 1", timeout=30)
    out = vm2.cmd("spin 2 1", timeout=30)
    assert sorted(re.findall(r"last on CPU (\d+)", out)) == ["0", "1"], out
    assert "usage" in vm2.cmd("rt isolate x", timeout=30)


def test_isolcpus_boot_option_steers_interrupts(boot):
    vm = boot(machine="q35", smp=2, mem=256, append="isolcpus=0")
    status = vm.cmd("rt status", timeout=30)
    assert re.search(r"^0\s+yes\s", status, re.M), status
    log = vm.cmd("dmesg", timeout=30)
    assert re.search(r"IOAPIC \d+ pin \d+ steered from APIC 0 to CPU 1", log), log
    # the shell (unpinned) moved to CPU 1 and still answers: the serial
    # interrupt reaches it there
    for _ in range(3):
        assert "hello" in vm.cmd("echo hello", timeout=30)
    ps = vm.cmd("ps", timeout=30)
    assert ps.strip(), ps
