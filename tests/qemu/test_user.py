"""User programs on RayOS (issue 7): the static musl programs of user/ and
Debian's busybox-static, from the initramfs that `make initramfs` builds
(build/initramfs.cpio, or RAYOS_INITRAMFS), booted with QEMU -initrd and run
from the kernel shell with `run PATH [ARGS...]`.

  - /bin/systest: every test passes ("systest: N passed, 0 failed");
  - /bin/fuzz SEED N: its summary, and the kernel still answers afterwards;
  - busybox sh -c 'echo $((6*7)); ls /; cat /proc/uptime';
  - /bin/demo: "demo: all ok";
  - /bin/segv: the shell reports "killed by signal SIGSEGV", kernel alive;
  - /bin/exitcode 3: "exit status 3";
  - /bin/forkbomb: bounded by RLIMIT_NPROC (fork fails with EAGAIN);
  - init=/bin/hello: runs as PID 1 before any shell.

Skipped as a whole on a kernel whose shell has no `run` command (no user
mode yet). The shell's report lines ("killed by signal NAME", "exit status N") are
those of `run` (shell/cmd_proc.c). Every wait has its own timeout; the
VM boots with 2 CPUs and 512 MiB (q35, TCG).
"""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INITRAMFS = os.environ.get("RAYOS_INITRAMFS") or os.path.join(ROOT, "build", "initramfs.cpio")

SYSTEST_TIMEOUT = 600   # TCG: about 70 tests, each bounded by its own alarm
RUN_TIMEOUT = 180
FUZZ_SEED = int(os.environ.get("RAYOS_FUZZ_SEED", "1"))
FUZZ_ITERS = int(os.environ.get("RAYOS_FUZZ_ITERS", "3000"))


@pytest.fixture(scope="module")
def initrd(commands):
    # user mode is part of the kernel: a kernel without `run` is a failure
    if "run" not in commands:
        pytest.fail("this kernel has no `run` shell command (user mode)", pytrace=False)
    if not os.path.exists(INITRAMFS):
        pytest.fail("no initramfs at %s: run make initramfs" % INITRAMFS, pytrace=False)
    return INITRAMFS


@pytest.fixture
def vm(boot, initrd):
    return boot(extra=["-initrd", initrd], mem=512)


# kernel log lines ("[    0.125221] warn: proc: unimplemented system call
# 38 ...") interleave with a program's output on the console
LOG_RE = re.compile(r"^\[\s*\d+\.\d+\] ")
REPORT_RE = re.compile(r"^(killed by signal \S+.*|exit status \d+)$", re.M)


def user_output(out):
    """A command's output without kernel log lines."""
    return "\n".join(ln for ln in out.splitlines() if not LOG_RE.match(ln))


def report(out):
    """The shell's report of how the program ended, or None (exit 0)."""
    m = REPORT_RE.search(user_output(out))
    return m.group(1) if m else None


def run(vm, line, timeout=None):
    """Runs `run LINE`; returns (output without log lines, report)."""
    out = vm.cmd("run " + line, timeout=timeout or RUN_TIMEOUT)
    return user_output(out), report(out)


def alive(vm):
    """The kernel still answers a shell command."""
    out = vm.cmd("uptime", timeout=30)
    assert re.search(r"\d", out), "uptime printed %r" % out


def has_busybox(vm):
    return "busybox" in vm.cmd("ls /bin", timeout=30)


def test_systest_all_pass(vm):
    out, rep = run(vm, "/bin/systest", timeout=SYSTEST_TIMEOUT)
    m = re.search(r"^systest: (\d+) passed, (\d+) failed$", out, re.M)
    failing = [ln for ln in out.splitlines() if ln.startswith("not ok")]
    assert m, "no systest summary (%s):\n%s" % (rep, out[-3000:])
    assert int(m.group(2)) == 0 and not failing, "failing tests:\n" + "\n".join(failing)
    assert int(m.group(1)) >= 60, out[-2000:]
    assert rep is None, rep


def test_fuzz_kernel_survives(vm):
    out, rep = run(vm, "/bin/fuzz %d %d" % (FUZZ_SEED, FUZZ_ITERS))
    m = re.search(r"^fuzz: (\d+) calls, (\d+) children killed by signals, (\d+) timeouts", out, re.M)
    assert m, "no fuzz summary (%s):\n%s" % (rep, out[-2000:])
    assert int(m.group(1)) == FUZZ_ITERS, out
    assert rep is None, rep
    alive(vm)
    # and a program still runs
    out, rep = run(vm, "/bin/hello", timeout=60)
    assert "hello from user space" in out and rep is None, out


def test_busybox_sh(vm):
    if not has_busybox(vm):
        pytest.skip("initramfs built without busybox (install busybox-static)")
    out, rep = run(vm, "/bin/busybox sh -c 'echo $((6*7)); ls /; cat /proc/uptime'")
    assert rep is None, rep
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    assert lines and lines[0] == "42", out
    listing = " ".join(lines[1:-1]).split()
    for d in ("bin", "dev", "etc", "proc", "tmp"):
        assert d in listing, "'%s' missing from ls /: %s" % (d, out)
    assert re.fullmatch(r"\d+\.\d+ \d+\.\d+", lines[-1]), "bad /proc/uptime line %r" % lines[-1]


def test_demo(vm):
    out, rep = run(vm, "/bin/demo")
    assert re.search(r"^demo: all ok$", out, re.M), out
    assert "FAILED" not in out and rep is None, out


def test_segv_reported_kernel_alive(vm):
    out, rep = run(vm, "/bin/segv")
    assert "segv: writing through a NULL pointer" in out, out
    # "killed by signal SIGSEGV", possibly followed by " (core dumped)"
    assert rep and re.match(r"killed by signal SIGSEGV\b", rep), out
    assert "still alive" not in out, out
    alive(vm)


def test_exit_status_reported(vm):
    out, rep = run(vm, "/bin/exitcode 3", timeout=60)
    assert rep == "exit status 3", out
    out, rep = run(vm, "/bin/exitcode 0", timeout=60)
    assert rep is None, out


def test_forkbomb_bounded(vm):
    out, rep = run(vm, "/bin/forkbomb 16")
    m = re.search(r"forkbomb: RLIMIT_NPROC 16: (\d+) children forked, then fork failed: "
                  r"Resource temporarily unavailable; (\d+) reaped", out)
    assert m, out
    assert int(m.group(1)) <= 16 and m.group(1) == m.group(2), out
    assert rep is None, rep
    alive(vm)
    # every child is gone: ps lists no forkbomb thread
    assert "forkbomb" not in vm.cmd("ps", timeout=30)


def test_init_hello(boot, initrd):
    vm = boot(extra=["-initrd", initrd], mem=512, append="init=/bin/hello", wait=False)
    vm.wait_for(rb"hello from user space", timeout=120)
    # the kernel shell comes up after init ends (RayOS does not panic)
    vm.wait_prompt(timeout=60)
    alive(vm)
