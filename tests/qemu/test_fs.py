"""File systems: the initramfs from QEMU -initrd (a cpio newc archive made
here with Debian's cpio) unpacked into the root tmpfs, /dev and /proc
mounted, live /proc files, and clear errors from ls/cat. A malformed
initramfs is reported and the kernel still comes up with /dev, /proc and
/tmp."""
import os
import re
import subprocess
import time

import pytest

HELLO = "hello from the initramfs, line one\nline two\n"


def make_cpio(root, out):
    subprocess.run("find . | cpio -o -H newc --quiet > %s" % out, shell=True,
                   cwd=root, check=True, timeout=30)


@pytest.fixture
def initrd(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "bin" / "deep" / "er").mkdir(parents=True)
    (root / "etc" / "hello.txt").write_text(HELLO)
    (root / "bin" / "deep" / "er" / "leaf").write_text("leaf\n")
    os.symlink("hello.txt", root / "etc" / "link")
    os.chmod(root / "etc" / "hello.txt", 0o640)
    out = tmp_path / "initrd.cpio"
    make_cpio(root, out)
    return str(out)


def uptime(vm):
    out = vm.cmd("cat /proc/uptime")
    m = re.search(r"^(\d+)\.(\d\d) (\d+)\.(\d\d)$", out, re.M)
    assert m, "bad /proc/uptime: %r" % out
    return int(m.group(1)) + int(m.group(2)) / 100.0


def test_initramfs_unpacked(boot, initrd):
    vm = boot(extra=["-initrd", initrd])
    vm.sync()  # late boot messages out of the way
    names = vm.cmd("ls /").split()
    for d in ("dev/", "proc/", "tmp/", "etc/", "bin/"):
        assert d in names, names
    assert vm.cmd("cat /etc/hello.txt") == HELLO.rstrip("\n")
    assert vm.cmd("cat /etc/link") == HELLO.rstrip("\n")
    assert vm.cmd("cat /bin/deep/er/leaf") == "leaf"
    listing = vm.cmd("ls -l /etc")
    assert re.search(r"^-rw-r-----\s+1\s+0\s+0\s+%d .* hello.txt$" % len(HELLO), listing, re.M), listing
    assert re.search(r"^lrwxrwxrwx .* link -> hello.txt$", listing, re.M), listing
    assert "initramfs module 0" in vm.cmd("dmesg")


def test_proc_live(boot, initrd):
    vm = boot(extra=["-initrd", initrd], mem=512)
    vm.sync()
    t1 = uptime(vm)
    time.sleep(1.0)
    t2 = uptime(vm)
    assert t2 > t1, (t1, t2)
    mem = vm.cmd("cat /proc/meminfo")
    m = re.search(r"^MemTotal:\s+(\d+) kB$", mem, re.M)
    assert m, mem
    assert 400 * 1024 <= int(m.group(1)) <= 512 * 1024, mem
    free = int(re.search(r"^MemFree:\s+(\d+) kB$", mem, re.M).group(1))
    assert 0 < free < int(m.group(1)), mem
    cpu = vm.cmd("cat /proc/cpuinfo")
    assert len(re.findall(r"^processor\s*: \d+$", cpu, re.M)) == 2, cpu
    stat = vm.cmd("cat /proc/stat")
    assert re.match(r"cpu  \d+ 0 \d+ \d+ 0 \d+ 0 0 0 0$", stat.splitlines()[0]), stat
    assert re.search(r"^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+$",
                     vm.cmd("cat /proc/loadavg"), re.M)
    # two CPU-bound threads for 11 s: two 5-second samples of the load
    vm.cmd("spin 2 11", timeout=60)
    load1 = float(vm.cmd("cat /proc/loadavg").splitlines()[-1].split()[0])
    assert 0.1 < load1 < 3.0, load1
    mounts = vm.cmd("cat /proc/mounts")
    assert "tmpfs / tmpfs rw 0 0" in mounts and "proc /proc proc rw 0 0" in mounts, mounts


def test_no_initramfs_and_errors(shell):
    names = shell.cmd("ls /").split()
    for d in ("dev/", "proc/", "tmp/"):
        assert d in names, names
    dev = shell.cmd("ls -l /dev")
    assert re.search(r"^crw.* 5,\s+1 .* console$", dev, re.M), dev
    assert re.search(r"^crw-rw-rw- .* 1,\s+3 .* null$", dev, re.M), dev
    assert shell.cmd("cat /nonexistent") == "cat: /nonexistent: no such file or directory"
    assert shell.cmd("cat /dev/") == "cat: /dev/: is a directory"
    assert shell.cmd("ls /proc/uptime/x") == "ls: /proc/uptime/x: not a directory"
    assert shell.cmd("cat /dev/null") == ""


def test_malformed_initramfs(boot, tmp_path):
    bad = tmp_path / "bad.cpio"
    bad.write_bytes(b"070701" + b"zz" * 60)
    vm = boot(extra=["-initrd", str(bad)])
    vm.sync()
    assert re.search(r"initramfs module 0 .*bad header field", vm.cmd("dmesg")), vm.cmd("dmesg")
    names = vm.cmd("ls /").split()
    assert names == ["./", "../", "dev/", "proc/", "tmp/"], names
