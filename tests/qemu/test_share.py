"""The share class from the shell: `share` lists each CPU's policy, quantum
and global tickets and the share threads; `share policy` selects stride or
lottery per CPU; `share set` gives a thread tickets, and `ps` shows the
policy and the thread's effective tickets."""
import re


def test_share_policy_and_tickets(shell):
    out = shell.cmd("share")
    assert re.search(r"^\s+0 (stride|lottery)\s+1000\s+\d+\s+\d+$", out, re.M), out
    assert "usage: share" in shell.cmd("share policy 0")
    assert "no policy 'edf'" in shell.cmd("share policy 0 edf")
    assert "not online" in shell.cmd("share policy 63 stride")
    assert "usage: share" in shell.cmd("share set 1 0")
    assert "no thread 99999" in shell.cmd("share set 99999 5")
    shell.cmd("share policy 0 lottery")
    assert re.search(r"^\s+0 lottery\s+1000", shell.cmd("share"), re.M)
    # the shell's own thread becomes a share thread with 7 tickets
    ps = shell.cmd("ps")
    kmain = re.search(r"^\s*\S+\s+(\d+) kmain\s", ps, re.M)
    assert kmain, ps
    tid = kmain.group(1)
    shell.cmd("share set %s 7" % tid)
    ps = shell.cmd("ps")
    line = re.search(r"^\s*\S+\s+%s kmain .*$" % tid, ps, re.M).group(0)
    assert " share " in line and re.search(r"(stride|lottery) 7\b", line), line
    out = shell.cmd("share")
    assert re.search(r"^\s*%s kmain\s+\d+\s+7\s+0\s+7\s+-$" % tid, out, re.M), out
    # back to the fair class and the default policy (the VM is shared)
    shell.cmd("nice %s 0" % tid)
    shell.cmd("share policy 0 stride")
    assert " fair " in re.search(r"^\s*\S+\s+%s kmain .*$" % tid, shell.cmd("ps"), re.M).group(0)


def test_share_and_sporadic_metrics_move(shell):
    def total(name):
        out = shell.cmd("metrics " + name, timeout=30)
        vals = [float(v) for v in re.findall(r'^%s\{cpu="\d+"\} (\S+)$' % name, out, re.M)]
        assert vals, out
        return sum(vals)
    ex0 = total("rayos_sched_sporadic_exhaustions_total")
    re0 = total("rayos_sched_sporadic_replenishments_total")
    pk0 = total("rayos_sched_share_picks_total")
    out = shell.cmd("ktest share", timeout=120)
    assert "not ok" not in out and re.search(r"^ok \d+ share", out, re.M), out
    # the suite's servers exhausted ~10 + ~3 times and its stride pair
    # was picked at every quantum of one second
    assert total("rayos_sched_sporadic_exhaustions_total") - ex0 >= 10
    assert total("rayos_sched_sporadic_replenishments_total") - re0 >= 10
    assert total("rayos_sched_share_picks_total") - pk0 >= 500
