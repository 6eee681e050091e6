"""Fixtures for the RayOS integration tests: boot the kernel in QEMU (TCG)
and talk to its shell over the serial line.

    def test_x(boot):
        vm = boot(machine="pc", smp=1, mem=256, append="loglevel=debug")
        assert vm.cmd("echo hi") == "hi"

    def test_y(shell):          # a shared q35 VM, already at the prompt
        shown, out = shell.type("ecXo hi" + LEFT * 4 + BS + "h")

(key names — LEFT, HOME, BS, CTRL["a"], ... — come from tools/rayosvm.py)

boot(...) takes machine, smp, mem, append, iso, bios ("ovmf"), kernel,
extra (more QEMU arguments), no_reboot, debug_exit, wait (default True:
wait for the first prompt). Every VM is killed when its test ends; the
shared VM is replaced after a test that fails with it. Each VM's raw
serial output is kept in build/test-logs/TEST.log (RAYOS_LOG_DIR).

Kernel and ISO come from RAYOS_KERNEL / RAYOS_ISO (make test-qemu sets
them), else build/rayos.elf and build/rayos.iso.
"""
import os
import re
import signal
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import rayosvm  # noqa: E402
from rayosvm import VM, VMError  # noqa: E402,F401

LOG_DIR = os.environ.get("RAYOS_LOG_DIR") or os.path.join(ROOT, "build", "test-logs")


def _on_sigterm(signum, frame):
    # make test's backstop timeout sends SIGTERM: unwind through the
    # fixtures so every QEMU is killed
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    signal.signal(signal.SIGTERM, _on_sigterm)


def pytest_report_header(config):
    return ["rayos kernel: %s" % rayosvm.KERNEL, "rayos iso: %s" % rayosvm.ISO,
            "qemu: %s (TCG); serial logs in %s" % (rayosvm.QEMU, LOG_DIR)]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return getattr(request.node, "rep_call", None) is None


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120]


@pytest.fixture(scope="session")
def kernel():
    if not os.path.exists(rayosvm.KERNEL):
        pytest.fail("no kernel at %s: run make" % rayosvm.KERNEL, pytrace=False)
    return rayosvm.KERNEL


@pytest.fixture(scope="session")
def iso():
    if not os.path.exists(rayosvm.ISO):
        pytest.fail("no ISO at %s: run make iso" % rayosvm.ISO, pytrace=False)
    return rayosvm.ISO


@pytest.fixture
def boot(request, kernel):
    """boot(**kw) -> a started VM, at its first prompt unless wait=False."""
    vms = []

    def _boot(wait=True, **kw):
        name = _safe(request.node.name) + ("-%d" % len(vms) if vms else "")
        kw.setdefault("kernel", kernel)
        vm = VM(log=os.path.join(LOG_DIR, name + ".log"), name=name, **kw)
        vms.append(vm)
        vm.start()
        if wait:
            vm.wait_prompt()
        return vm

    yield _boot
    failed = _failed(request)
    for vm in vms:
        if failed and vm.child is not None:
            print("\n[%s] %s" % (vm.name, " ".join(vm.cmdline or [])))
            print(vm.tail())
        vm.kill()


class _Shared:
    vm = None
    generation = 0


@pytest.fixture(scope="session")
def _shared(kernel):
    st = _Shared()
    yield st
    if st.vm is not None:
        st.vm.kill()


@pytest.fixture
def shell(request, _shared, kernel):
    """A q35 VM shared by the tests that leave the machine as they found
    it; comes back to an empty prompt before each test, and is rebooted
    after a failure."""
    vm = _shared.vm
    if vm is not None:
        try:
            vm.sync()
        except VMError:
            vm.kill()
            vm = _shared.vm = None
    if vm is None:
        _shared.generation += 1
        name = "shared-q35-%d" % _shared.generation
        vm = VM(machine="q35", kernel=kernel, log=os.path.join(LOG_DIR, name + ".log"), name=name)
        _shared.vm = vm
        vm.start()
        vm.wait_prompt()
    start = len(vm.transcript)
    yield vm
    if _failed(request):
        print("\n[%s, from this test on]" % vm.name)
        print(vm.text(start)[-3000:])
        vm.kill()
        _shared.vm = None


@pytest.fixture(scope="session")
def commands(kernel):
    """{name: summary} from the `help` of a booted kernel."""
    vm = VM(machine="q35", kernel=kernel, log=os.path.join(LOG_DIR, "help-probe.log"))
    try:
        vm.start()
        vm.wait_prompt()
        out = vm.cmd("help")
    finally:
        vm.kill()
    cmds = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+(.*)$", line)
        if m:
            cmds[m.group(1)] = m.group(2).strip()
    return cmds
