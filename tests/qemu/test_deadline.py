"""The deadline class from the shell: its metrics exist per CPU, `ktest rt`
(CBS spinners, admission, parameters set from an interrupt) passes on the
running system, throttles show in rayos_sched_throttled_total, and the
admitted bandwidth goes back to zero once those threads have exited."""
import re


def read(vm, *names):
    text = vm.cmd("metrics " + " ".join(names), timeout=30)
    vals = {}
    for m in re.finditer(r'^(rayos_\w+)(\{[^}]*\})? (\S+)$', text, re.M):
        vals[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return text, vals


def test_deadline_metrics_and_ktest(boot):
    vm = boot(machine="q35", smp=2, mem=256)
    names = ("rayos_sched_throttled_total", "rayos_rt_bandwidth_admitted")
    text, a = read(vm, *names)
    assert "# TYPE rayos_sched_throttled_total counter" in text, text
    assert "# TYPE rayos_rt_bandwidth_admitted gauge" in text, text
    assert a['rayos_rt_bandwidth_admitted{cpu="0"}'] == 0
    assert a['rayos_rt_bandwidth_admitted{cpu="1"}'] == 0
    out = vm.cmd("ktest rt", timeout=120)
    assert re.search(r"^ok \d+ rt$", out, re.M), out
    assert "not ok" not in out, out
    _, b = read(vm, *names)
    # the spinners were throttled (about once per period each)
    assert b["rayos_sched_throttled_total"] >= a["rayos_sched_throttled_total"] + 10, (a, b)
    # they exited: their bandwidth was released
    assert b['rayos_rt_bandwidth_admitted{cpu="0"}'] == 0, b
    assert b['rayos_rt_bandwidth_admitted{cpu="1"}'] == 0, b
    ps = vm.cmd("ps", timeout=30)
    assert re.search(r"TID +NAME +STATE +CLASS +PRIO", ps) and "dl-" not in ps, ps
