"""`rt analyze` on the real kernel: the issue's examples (20/50 40/70 is
not schedulable under RM and is under EDF), DM against RM on a constrained
set, EDF's processor-demand criterion, partitioned EDF with -m, and clear
errors for bad input. The exact output of every case is covered by the
hosted test tests/host/test_cmd_rt.c; this checks the kernel build (no
floating point, the printf it has) says the same over the serial line."""
import pytest


def verdict(out):
    lines = out.splitlines()
    assert lines, out
    return lines[-1]


def test_rm_not_schedulable(shell):
    out = shell.cmd("rt analyze rm 20/50 40/70")
    assert "Liu-Layland bound: U = 0.9714 > 0.8284 (n = 2): inconclusive" in out, out
    assert "response time: task 2 (C=40 T=70 D=70 prio 2) R = 80 > D = 70: miss" in out, out
    assert verdict(out) == "verdict: not schedulable"


def test_edf_schedulable(shell):
    out = shell.cmd("rt analyze edf 20/50 40/70")
    assert "EDF utilization: U = 0.9714 <= 1: schedulable" in out, out
    assert verdict(out) == "verdict: schedulable"


def test_llf_uses_edf_tests(shell):
    out = shell.cmd("rt analyze llf 20/50 40/70")
    assert "LLF: on one CPU least-laxity-first is optimal like EDF (Mok 1983)" in out, out
    assert verdict(out) == "verdict: schedulable"


def test_dm_beats_rm_on_constrained_deadlines(shell):
    rm = shell.cmd("rt analyze rm 2/10/3 2/5")
    assert "R = 4 > D = 3: miss" in rm, rm
    assert verdict(rm) == "verdict: not schedulable"
    dm = shell.cmd("rt analyze dm 2/10/3 2/5")
    assert "response time: task 1 (C=2 T=10 D=3 prio 1) R = 2 <= D = 3: ok" in dm, dm
    assert verdict(dm) == "verdict: schedulable"


def test_edf_demand_and_decimals(shell):
    out = shell.cmd("rt analyze edf 2/4/3 2/8/3")
    assert "processor demand: dbf(3) = 4 > t = 3 (first failing deadline): not schedulable" in out, out
    assert verdict(out) == "verdict: not schedulable"
    out = shell.cmd("rt analyze edf 0.5/2.25 0.001/1 2.5/10/7.5")
    assert "task 1: C=0.5 T=2.25 D=2.25 U=0.2222" in out, out
    assert verdict(out) == "verdict: schedulable"


def test_partitioned(shell):
    out = shell.cmd("rt analyze -m 2 edf 3/10 5/10 3/10 5/10 3/10")
    assert "first-fit: cpu 0 U = 1.0000 (2 tasks), cpu 1 U = 0.9000 (3 tasks): schedulable" in out, out
    assert "task 5 fits on no CPU" in out, out
    assert verdict(out) == "verdict: schedulable"
    out = shell.cmd("rt analyze -m 2 edf 9/10 9/10 9/10")
    assert verdict(out) == "verdict: not schedulable"


@pytest.mark.parametrize("line,msg", [
    ("rt analyze rm 3/5/7", "rt analyze: task 1 (3/5/7): D > T"),
    ("rt analyze rm 1/5 4/5/3", "rt analyze: task 2 (4/5/3): C > D"),
    ("rt analyze edf 0/5", "rt analyze: task 1 (0/5): C, T and D must be above 0"),
    ("rt analyze xyz 1/2", "rt analyze: unknown policy 'xyz'"),
    ("rt analyze edf 1/x", "rt analyze: task 1: '1/x' is not C/T or C/T/D in ms"),
    ("rt analyze -m 2 rm 1/2", "rt analyze: -m (partitioned analysis) is for edf and llf"),
    ("rt analyze edf " + " ".join(["1/100"] * 25), "rt analyze: too many tasks (at most 24)"),
])
def test_errors(shell, line, msg):
    out = shell.cmd(line)
    assert out.splitlines()[0].startswith(msg), out
    assert "verdict:" not in out
