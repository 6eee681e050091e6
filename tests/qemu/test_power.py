"""Commands that end the machine: poweroff (ACPI S5), reboot (with
-no-reboot QEMU exits on reset), and fault (CPU exception report)."""
import re

import pytest

MACHINES = ["q35", "pc", "microvm"]
EXIT_WAIT = 10  # seconds QEMU gets to exit by itself


@pytest.mark.parametrize("machine", MACHINES)
def test_poweroff_ends_qemu(boot, machine):
    """Needs ACPI power-off (the hardware work)."""
    vm = boot(machine=machine)
    vm.send("poweroff\r")
    vm.wait_for(rb"Powering off\.")
    status = vm.wait_exit(EXIT_WAIT)
    assert status is not None, "QEMU still running %d s after poweroff\n%s" % (EXIT_WAIT, vm.tail())
    assert status == 0, "QEMU exit status %s after poweroff" % status


@pytest.mark.parametrize("machine", MACHINES)
def test_reboot_ends_qemu_with_no_reboot(boot, machine):
    vm = boot(machine=machine, no_reboot=True)
    vm.send("reboot\r")
    vm.wait_for(rb"Rebooting\.")
    status = vm.wait_exit(EXIT_WAIT)
    assert status is not None, "QEMU still running %d s after reboot\n%s" % (EXIT_WAIT, vm.tail())
    assert status == 0, "QEMU exit status %s after reboot" % status


VECTORS = {"pf": 14, "ud": 6, "de": 0, "gp": 13}


@pytest.mark.parametrize("kind", ["pf", "ud", "de", "gp"])
def test_fault_report_is_symbolized(boot, kind):
    vm = boot()
    vm.send("fault %s\r" % kind)
    m = vm.wait_for(rb"system halted \*\*\*|(?<!\r)rayos> ")
    assert m.group(0) != b"rayos> ", (
        "`fault %s` returned to the prompt without raising an exception "
        "(did the compiler optimize the faulting instruction away?)\n%s" % (kind, vm.tail(600)))
    text = vm.text(vm.mark)
    head = re.search(r"\*\*\* KERNEL EXCEPTION: (.*) \(vector (\d+)", text)
    assert head, text
    assert int(head.group(2)) == VECTORS[kind], head.group(0)
    if kind == "pf":
        assert head.group(1) == "page fault", head.group(0)
        assert re.search(r"fault address \(CR2\): 0000000000000010", text), text
    m = re.search(r"^RIP: ([0-9a-f]{16}) (\S+)", text, re.M)
    assert m, "no RIP line:\n" + text
    # fault pf must be reported in cmd_fault itself; the compiler may put
    # the trap of fault ud in a cold part (cmd_fault.cold)
    sym = r"cmd_fault\+0x" if kind == "pf" else r"cmd_fault(\.cold)?\+0x"
    assert re.match(sym + r"[0-9a-f]+(/0x[0-9a-f]+)?$", m.group(2)), m.group(0)
    bt = text[text.index("Backtrace:"):]
    frames = re.findall(r"^\s+#\d+ [0-9a-f]{16} (\S+)", bt, re.M)
    assert frames and frames[0].startswith("cmd_fault"), bt
    assert any(f.startswith("shell_execute+0x") for f in frames), bt
    assert any(f.startswith("kmain+0x") for f in frames), bt
    # halted, not rebooted: QEMU is still there (the fixture kills it)
    assert vm.alive()
