"""Booting: -kernel (PVH) on q35, pc and microvm; the GRUB ISO (multiboot2)
under SeaBIOS and under OVMF UEFI; the command line through GRUB."""
import os
import re
import subprocess

import pytest

import rayosvm

ROOT = rayosvm.ROOT


def starting_line(vm):
    out = vm.cmd("dmesg")
    lines = [ln for ln in out.splitlines() if "RayOS starting" in ln]
    assert lines, "no 'RayOS starting' record in dmesg:\n" + out
    return lines[0]


def usable_mib(vm):
    out = vm.cmd("mem")
    m = re.search(r"^usable:?\s+(\d+) KiB", out, re.M)
    assert m, "no usable total in mem:\n" + out
    return int(m.group(1)) // 1024, out


@pytest.mark.parametrize("machine", ["q35", "pc", "microvm"])
def test_boot_to_prompt(boot, machine):
    vm = boot(machine=machine)
    assert "RayOS shell" in vm.text()
    assert vm.cmd("echo booted-on-" + machine) == "booted-on-" + machine
    assert "booted by PVH" in starting_line(vm)
    mib, out = usable_mib(vm)
    assert 400 <= mib <= 512, out


def test_boot_small_machine(boot):
    vm = boot(machine="q35", smp=1, mem=128)
    assert vm.cmd("echo small") == "small"
    mib, out = usable_mib(vm)
    assert 100 <= mib <= 128, out


@pytest.mark.parametrize("machine", ["q35", "pc"])
def test_iso_boots_under_seabios(boot, iso, machine):
    vm = boot(machine=machine, iso=iso)
    line = starting_line(vm)
    assert "GRUB" in line and "UEFI" not in line, line
    mib, out = usable_mib(vm)
    assert "boot memory map (GRUB" in out
    assert 400 <= mib <= 512, out


def test_iso_boots_under_ovmf(boot, iso):
    if rayosvm.find_ovmf() is None:
        pytest.skip("no OVMF firmware (/usr/share/ovmf/OVMF.fd or /usr/share/OVMF/OVMF_CODE.fd): "
                    "install the ovmf package")
    vm = boot(machine="q35", iso=iso, bios="ovmf")
    line = starting_line(vm)
    assert "GRUB" in line and "UEFI" in line, line
    mib, out = usable_mib(vm)
    assert 400 <= mib <= 512, out
    assert vm.cmd("echo uefi-ok") == "uefi-ok"


def test_iso_passes_the_command_line(boot, kernel, tmp_path):
    iso = str(tmp_path / "cmdline.iso")
    cmdline = "loglevel=debug rayos.isotest=42"
    r = subprocess.run(["sh", os.path.join(ROOT, "tools", "mkiso.sh"), kernel, iso, cmdline],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert r.returncode == 0, r.stdout.decode(errors="replace")
    vm = boot(machine="q35", iso=iso)
    out = vm.cmd("cmdline").splitlines()
    assert out[0] == cmdline, out
    assert "loglevel=debug" in out
    assert "unknown option ignored: rayos.isotest=42" in out
