"""Tracing (obs/trace.c, shell/cmd_trace.c) end to end: boot with -smp 2,
trace a `spin 2 1`, dump, parse the dump with Python's json module and
check it as Perfetto / chrome://tracing would see it: sched_switch slices
from every CPU, metadata naming the processes and tracks, the span of the
traced command. Also: unknown event names are refused and the shell keeps
working; status reports live counts."""
import json
import re

import pytest


@pytest.fixture(scope="module")
def vm2(request, kernel):
    import os
    from conftest import LOG_DIR
    from rayosvm import VM
    vm = VM(machine="q35", smp=2, kernel=kernel, log=os.path.join(LOG_DIR, "trace-smp2.log"), name="trace-smp2")
    vm.start()
    vm.wait_prompt()
    yield vm
    vm.kill()


def test_trace_dump_is_chrome_json_with_every_cpu(vm2):
    vm2.sync()
    assert "tracing" in vm2.cmd("trace start")
    vm2.cmd("spin 2 1", timeout=60)
    assert "stopped" in vm2.cmd("trace stop")
    status = vm2.cmd("trace status")
    counts = re.findall(r"^cpu(\d+): recorded (\d+) stored (\d+) lost (\d+)$", status, re.M)
    assert len(counts) == 2, status
    assert all(int(rec) > 0 for _, rec, _, _ in counts), status
    out = vm2.cmd("trace dump", timeout=300)
    start = out.index("{")
    doc = json.loads(out[start:])
    evs = doc["traceEvents"]
    assert isinstance(evs, list) and evs
    for e in evs:
        assert "ph" in e and "pid" in e, e
        if e["ph"] != "M":
            assert isinstance(e["ts"], (int, float)) and "tid" in e, e
    slices = [e for e in evs if e["ph"] == "X" and e.get("cat") == "sched"]
    cpus = {e["tid"] for e in slices if e["pid"] == 0}
    assert cpus == {0, 1}, "sched_switch slices on CPUs %s" % sorted(cpus)
    assert all(e["dur"] >= 0 for e in slices)
    meta = [e for e in evs if e["ph"] == "M"]
    procs = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
    assert procs.get(0) == "CPUs" and procs.get(1) == "threads", procs
    cpu_names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name" and e["pid"] == 0}
    assert cpu_names.get(0) == "CPU 0" and cpu_names.get(1) == "CPU 1", cpu_names
    thread_names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name" and e["pid"] == 1}
    # every thread track with a slice is named; the spinners are among them
    assert {e["tid"] for e in slices if e["pid"] == 1} <= set(thread_names), thread_names
    assert any(n.startswith("spin") for n in thread_names.values()), thread_names
    # the spin command ran inside a root span
    spans = [e for e in evs if e.get("cat") == "span" and e["name"] == "spin"]
    assert {e["ph"] for e in spans} == {"B", "E"}, spans
    vm2.cmd("trace clear")


def test_trace_start_unknown_event_is_refused(vm2):
    vm2.sync()
    out = vm2.cmd("trace start bogus")
    assert "unknown event 'bogus'" in out, out
    assert "tracing: off" in vm2.cmd("trace status")
    assert vm2.cmd("echo still-alive") == "still-alive"
    out = vm2.cmd("trace start sched_switch")
    assert "tracing 1 event(s)" in out, out
    assert "sched_switch*" in vm2.cmd("trace status")
    vm2.cmd("trace stop")
    vm2.cmd("trace clear")
