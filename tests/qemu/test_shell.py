"""Shell commands and bad input: help, unknown commands, wrong arguments,
over-long lines, random bytes; uptime, metrics, dmesg, cmdline, ktest."""
import random
import re
import time

import pytest

import ktap
import rayosvm
from rayosvm import CTRL

# Commands the Foundation issue specifies; help may list more.
SPECIFIED = {"help", "echo", "clear", "uptime", "dmesg", "cmdline", "metrics", "ktest",
             "poweroff", "reboot", "fault", "mem", "cpuinfo"}


# ---- help ----

def test_help_lists_one_line_per_command(shell):
    out = shell.cmd("help").splitlines()
    names = []
    for line in out:
        m = re.match(r"^([a-z][a-z0-9_-]*)\s{2,}(\S.*)$", line)
        assert m, "help line is not 'NAME  SUMMARY': %r" % line
        names.append(m.group(1))
    assert len(names) == len(set(names)), names
    assert names == sorted(names), names
    missing = SPECIFIED - set(names)
    assert not missing, "help does not list %s" % sorted(missing)


def test_help_command_shows_usage(shell, commands):
    for name, summary in sorted(commands.items()):
        out = shell.cmd("help " + name).splitlines()
        assert out[0].startswith("usage: " + name), out
        assert out[1:] == [summary], out


def first_line(text):
    return text.splitlines()[0] if text else ""


def test_help_unknown_command(shell):
    assert first_line(shell.cmd("help frobnicate")) == "help: no command named frobnicate (try help)"


# ---- bad input ----

@pytest.mark.parametrize("line,name", [("frobnicate", "frobnicate"),
                                       ("frob --with args", "frob"),
                                       ("HELP", "HELP")])
def test_unknown_command(shell, line, name):
    assert shell.cmd(line) == "unknown command: %s (try help)" % name


def test_empty_and_blank_lines_do_nothing(shell):
    for line in ["", "   "]:
        shown, out = shell.type(line)
        assert out == []
    assert shell.cmd("echo still-here") == "still-here"


@pytest.mark.parametrize("line,usage", [
    ("uptime now", "usage: uptime"),
    ("mem -v", "usage: mem"),
    ("cpuinfo x", "usage: cpuinfo"),
    ("cmdline x", "usage: cmdline"),
    ("clear screen", "usage: clear"),
    ("dmesg -x", "usage: dmesg [-l LEVEL]"),
    ("help a b", "usage: help [COMMAND]"),
    ("ktest a b", "usage: ktest [SUITE|all]"),
    ("fault", "usage: fault pf|ud|de|gp"),
    ("fault nosuch", "usage: fault pf|ud|de|gp"),
])
def test_wrong_arguments_print_usage(shell, line, usage):
    out = shell.cmd(line).splitlines()
    assert out and out[-1].startswith(usage), out


def test_dmesg_unknown_level(shell):
    out = shell.cmd("dmesg -l loud").splitlines()
    assert out[0].startswith("dmesg: unknown level loud"), out
    assert out[-1].startswith("usage: dmesg"), out


def test_too_many_arguments(shell):
    out = shell.cmd("echo " + " ".join("a%d" % i for i in range(40)))
    assert out.startswith("error: too many arguments"), out
    assert shell.cmd("echo args-ok") == "args-ok"


def test_quoting(shell):
    assert shell.cmd("echo \"two  spaces\" 'single q' mi\"x\"ed") == "two  spaces single q mixed"


def test_overlong_line_is_refused(shell):
    line = "echo " + "x" * 295          # 300 characters, the limit is 255
    shell.send(line + "\r")
    raw = shell.wait_prompt()
    shown, out = rayosvm.split_exchange(raw)
    assert out == ["error: line too long (at most 255 characters); discarded"], out
    assert rayosvm.bells(raw) >= 1
    assert shell.cmd("echo after-long-line") == "after-long-line"
    # and a line exactly at the limit is accepted
    assert shell.cmd("echo " + "y" * 250) == "y" * 250


def _garbage(seed, n, with_enter):
    rnd = random.Random(seed)
    pool = [b for b in range(0x00, 0x20) if b not in (0x0a, 0x0d, 0x03)] + [0x7f] + list(range(0x80, 0x100))
    out = bytearray()
    while len(out) < n:
        r = rnd.random()
        if r < 0.15:
            # escape sequences, complete, truncated or absurd
            out += rnd.choice([b"\x1b[", b"\x1bO", b"\x1b[1;", b"\x1b[99999999999~", b"\x1b[3",
                               b"\x1b\x1b", b"\x1b[A", b"\x1b[D", b"\x1b[?25h", b"\x1b[" + b"9" * 20])
        elif r < 0.2 and with_enter:
            out += b"\r"
        else:
            out.append(rnd.choice(pool))
    return bytes(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_control_bytes_do_not_break_the_shell(boot, seed):
    vm = boot()
    vm.send(_garbage(seed, 600, with_enter=False), chunk=32, pause=0.02)
    vm.drain(0.5, timeout=20)
    # a pending escape sequence may swallow a byte or two: Ctrl-C until a prompt
    vm.sync()
    assert vm.cmd("echo alive-%d" % seed) == "alive-%d" % seed
    assert vm.cmd("help echo").startswith("usage: echo")


def test_random_bytes_with_enter(boot):
    # a fresh VM: the history is empty, so Ctrl-P + Enter cannot re-run anything
    vm = boot()
    vm.send(_garbage(7, 800, with_enter=True), chunk=32, pause=0.02)
    vm.drain(0.5, timeout=30)
    vm.sync()
    assert vm.cmd("echo survived") == "survived"


# ---- commands ----

UPTIME_RE = re.compile(r"^up (\d+)\.(\d{3}) s \((\d+) days, (\d\d):(\d\d):(\d\d)\.(\d{3})\)$", re.M)


def uptime_seconds(vm):
    out = vm.cmd("uptime")
    m = UPTIME_RE.search(out)
    assert m, "uptime output not understood:\n" + out
    secs = int(m.group(1)) + int(m.group(2)) / 1000
    d, h, mi, s = (int(m.group(i)) for i in (3, 4, 5, 6))
    assert d * 86400 + h * 3600 + mi * 60 + s == int(m.group(1)), out
    return secs


def test_uptime_advances(shell):
    """Needs the calibrated clock (the hardware work)."""
    t1 = uptime_seconds(shell)
    w1 = time.monotonic()
    time.sleep(1.5)
    t2 = uptime_seconds(shell)
    w2 = time.monotonic()
    assert t2 > t1, "uptime did not advance: %.3f then %.3f" % (t1, t2)
    # guest time runs at host speed under TCG: allow generous slack
    assert 1.0 <= t2 - t1 <= (w2 - w1) + 2.0, (t1, t2, w2 - w1)


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"'
                         r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.]+(?:[eE][-+]?\d+)?|NaN|[+-]Inf)$')


def parse_metrics(text):
    """Prometheus text format -> ({family: (help, type)}, [(name, labels, value)])."""
    fams, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, helptext = line[7:].partition(" ")
            fams.setdefault(name, [None, None])[0] = helptext
        elif line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            fams.setdefault(name, [None, None])[1] = typ
        elif line.startswith("#") or not line:
            continue
        else:
            m = METRIC_LINE.match(line)
            assert m, "not a Prometheus sample line: %r" % line
            samples.append((m.group(1), m.group(2) or "", float(m.group(3))))
    return fams, samples


def test_metrics_format(shell):
    fams, samples = parse_metrics(shell.cmd("metrics"))
    for name, (helptext, typ) in fams.items():
        assert helptext, "%s has no HELP" % name
        assert typ in ("counter", "gauge", "histogram", "summary", "untyped"), (name, typ)
    for name, labels, value in samples:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in fams or base in fams, "sample %s has no HELP/TYPE" % name
    names = {s[0] for s in samples}
    for want in ("rayos_uptime_seconds", "rayos_boot_seconds", "rayos_log_messages_total"):
        assert want in names and want in fams, want
    assert fams["rayos_uptime_seconds"][1] == "gauge"
    assert fams["rayos_log_messages_total"][1] == "counter"
    levels = {lab for n, lab, v in samples if n == "rayos_log_messages_total"}
    for lvl in ("info", "warn", "error"):
        assert '{level="%s"}' % lvl in levels, levels
    info = [v for n, lab, v in samples if n == "rayos_log_messages_total" and lab == '{level="info"}']
    assert info[0] >= 1


def test_metrics_interrupts(shell):
    """Needs interrupt-driven devices (the hardware work)."""
    fams, samples = parse_metrics(shell.cmd("metrics"))
    irqs = [(lab, v) for n, lab, v in samples if n == "rayos_interrupts_total"]
    assert "rayos_interrupts_total" in fams, "no rayos_interrupts_total family"
    assert irqs and all(re.match(r'^\{irq="[^"]+"', lab) for lab, v in irqs), irqs
    assert fams["rayos_interrupts_total"][1] == "counter"
    # typing at the shell raises serial interrupts: some counter must move
    before = sum(v for lab, v in irqs)
    shell.cmd("echo make-some-interrupts")
    after = sum(v for n, lab, v in parse_metrics(shell.cmd("metrics"))[1] if n == "rayos_interrupts_total")
    assert after > before, (before, after)


def test_metrics_time_values(shell):
    """Needs the calibrated clock (the hardware work)."""
    fams, samples = parse_metrics(shell.cmd("metrics rayos_uptime_seconds rayos_boot_seconds"))
    vals = {n: v for n, lab, v in samples}
    assert set(vals) == {"rayos_uptime_seconds", "rayos_boot_seconds"}, vals
    assert vals["rayos_boot_seconds"] > 0, "rayos_boot_seconds is 0"
    assert vals["rayos_uptime_seconds"] > vals["rayos_boot_seconds"], vals
    assert vals["rayos_boot_seconds"] < 30, vals


def test_metrics_single_family_and_unknown(shell):
    out = shell.cmd("metrics rayos_boot_seconds").splitlines()
    assert out[0].startswith("# HELP rayos_boot_seconds ")
    assert out[1] == "# TYPE rayos_boot_seconds gauge"
    assert len(out) == 3 and out[2].startswith("rayos_boot_seconds "), out
    assert first_line(shell.cmd("metrics no_such_metric")) == "metrics: no metric named no_such_metric"


DMESG_RE = re.compile(r"^\[\s*\d+\.\d{6}\] (trace|debug|info|warn|error|critical)\s+(\S.*)$")


def test_dmesg_shows_the_boot_log(shell):
    out = shell.cmd("dmesg").splitlines()
    records = [ln for ln in out if not ln.startswith("(")]
    for ln in records:
        assert DMESG_RE.match(ln), "dmesg line not understood: %r" % ln
    text = "\n".join(records)
    assert "boot: RayOS starting" in text
    assert "boot: command line:" in text
    assert "boot: memory map:" in text
    assert "mm: paging:" in text


def test_dmesg_level_filter(shell):
    out = shell.cmd("dmesg -l warn").splitlines()
    for ln in out:
        m = DMESG_RE.match(ln)
        if m:
            assert m.group(1) in ("warn", "error", "critical"), ln


def test_cmdline_shows_options_and_reports_unknown_ones(boot):
    vm = boot(append="loglevel=debug rayos.bogus=1 frob init=nope")
    out = vm.cmd("cmdline").splitlines()
    assert out[0] == "loglevel=debug rayos.bogus=1 frob init=nope", out
    assert "loglevel=debug" in out
    assert "ktest=(none)" in out
    assert "unknown option ignored: rayos.bogus=1" in out
    assert "unknown option ignored: frob" in out
    assert "invalid option ignored: init=nope" in out
    log = vm.cmd("dmesg")
    assert "unknown command-line option ignored: rayos.bogus=1" in log
    assert "unknown command-line option ignored: frob" in log


def test_cmdline_defaults(shell):
    out = shell.cmd("cmdline").splitlines()
    assert "loglevel=info (default)" in out
    assert not any("ignored" in ln for ln in out), out


def test_ktest_from_the_shell_prints_ktap(boot):
    vm = boot()
    out = vm.cmd("ktest", timeout=180)
    r = ktap.parse(out)
    assert r.seen_version, "no KTAP output:\n" + out
    assert not r.errors, "\n".join(r.errors) + "\n" + out
    assert r.summary is not None and r.total > 0
    # the shell survives a full run
    assert vm.cmd("echo after-ktest") == "after-ktest"


def test_ktest_unknown_suite(shell):
    assert first_line(shell.cmd("ktest no_such_suite")) == "ktest: no suite named no_such_suite"


def test_cpuinfo_and_mem(shell):
    out = shell.cmd("cpuinfo")
    assert re.search(r"^cpu 0: online", out, re.M), out
    assert "vendor:" in out
    out = shell.cmd("mem")
    assert "boot memory map (PVH):" in out, out
    assert re.search(r"^usable:?\s+\d+ KiB", out, re.M), out


def test_echo_n_and_clear(shell):
    shell.send("echo -n no-newline\r")
    raw = shell.wait_prompt()
    assert raw.endswith(b"\r\nno-newlinerayos> "), raw
    assert shell.cmd("clear") == ""
    assert shell.cmd("echo after-clear") == "after-clear"


def test_ctrl_c_at_the_prompt_is_harmless(shell):
    for _ in range(3):
        shell.send(CTRL["c"])
        shell.wait_prompt()
    assert shell.cmd("echo ok") == "ok"
