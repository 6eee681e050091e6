"""rayosvm.py — drive a RayOS kernel in QEMU over its serial console.

Used by the pytest suite (tests/qemu) and tools/bench-boot.py. Needs
Debian's python3-pexpect (run with /usr/bin/python3).

    vm = VM(machine="q35", append="loglevel=debug").start()
    vm.wait_prompt()
    print(vm.cmd("uptime"))          # the command's output, as text
    vm.kill()

The serial line carries the line editor's redraw sequences ("\\r", the
prompt, ESC[K, ESC[nD, ...). Screen renders a transcript the way a
terminal would show it, so tests compare what a user would see.

QEMU always runs under TCG (never KVM), serial on a pty (stdio chardev
with signal=off, so Ctrl-C and Ctrl-A reach the guest), and every wait has
a timeout. kill() ends QEMU for certain (SIGTERM, then SIGKILL).
"""
import atexit
import os
import re
import select
import shutil
import signal
import tempfile
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
KERNEL = os.environ.get("RAYOS_KERNEL", os.path.join(ROOT, "build", "rayos.elf"))
ISO = os.environ.get("RAYOS_ISO", os.path.join(ROOT, "build", "rayos.iso"))
PROMPT = b"rayos> "
# A fresh prompt (le_begin) follows whatever the last command printed,
# usually "\n"; the line editor's redraws put it right after "\r", so a
# prompt not preceded by "\r" is a fresh one.
PROMPT_RE = re.compile(rb"(?<!\r)rayos> ")

# Timeouts (seconds) — generous because CI machines are slow and shared;
# they only matter when something is wrong.
BOOT_TIMEOUT = float(os.environ.get("RAYOS_BOOT_TIMEOUT", "60"))
FIRMWARE_BOOT_TIMEOUT = float(os.environ.get("RAYOS_FW_BOOT_TIMEOUT", "180"))
CMD_TIMEOUT = float(os.environ.get("RAYOS_CMD_TIMEOUT", "20"))

# Keys, as a VT100/xterm terminal sends them.
LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
HOME, END, DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
BS = "\x7f"
CTRL = {c: chr(ord(c) - ord("a") + 1) for c in "abcdefghijklmnopqrstuvwxyz"}

OVMF_CANDIDATES = [
    ("bios", "/usr/share/ovmf/OVMF.fd"),
    ("pflash", "/usr/share/OVMF/OVMF_CODE.fd"),
    ("pflash", "/usr/share/OVMF/OVMF_CODE_4M.fd"),
]


def find_ovmf():
    """(kind, path) of a usable OVMF image, or None."""
    for kind, path in OVMF_CANDIDATES:
        if os.path.exists(path):
            return kind, path
    return None


_live = set()


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when its parent dies, so no QEMU
    outlives a killed test run (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


@atexit.register
def _kill_all():
    for vm in list(_live):
        vm.kill()


class VMError(AssertionError):
    """A wait on the VM failed; the message carries the recent transcript."""


class VM:
    def __init__(self, machine="q35", smp=2, mem=512, append=None, iso=None,
                 bios=None, kernel=None, extra=(), no_reboot=True,
                 debug_exit=False, log=None, name="rayos"):
        """machine: q35, pc or microvm. iso: boot this ISO (-cdrom) instead
        of -kernel. bios: None (SeaBIOS), "ovmf", or a firmware path.
        append: kernel command line (only with -kernel). log: file to copy
        the raw serial output to."""
        self.machine = machine
        self.smp = smp
        self.mem = mem
        self.append = append
        self.iso = iso
        self.bios = bios
        self.kernel = kernel or KERNEL
        self.extra = list(extra)
        self.no_reboot = no_reboot
        self.debug_exit = debug_exit
        self.log_path = log
        self.name = name
        self.child = None
        self.cmdline = None             # QEMU's argv, once started
        self.transcript = bytearray()   # everything read so far
        self.mark = 0                   # transcript offset of the last prompt's end
        self.start_time = None
        self.prompt_time = None
        self._tmpdir = None
        self._logf = None

    # ---- life cycle ----
    def argv(self):
        a = [QEMU, "-machine", self.machine, "-accel", "tcg",
             "-smp", str(self.smp), "-m", str(self.mem),
             "-display", "none", "-monitor", "none",
             "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0"]
        if self.no_reboot:
            a.append("-no-reboot")
        if self.debug_exit:
            a += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if self.bios == "ovmf":
            fw = find_ovmf()
            if fw is None:
                raise VMError("no OVMF firmware found (install the ovmf package)")
            kind, path = fw
            if kind == "bios":
                a += ["-bios", path]
            else:
                self._tmpdir = tempfile.mkdtemp(prefix="rayos-ovmf-")
                vars_src = path.replace("CODE", "VARS")
                vars_dst = os.path.join(self._tmpdir, "vars.fd")
                shutil.copy(vars_src, vars_dst)
                a += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + path,
                      "-drive", "if=pflash,format=raw,unit=1,file=" + vars_dst]
        elif self.bios:
            a += ["-bios", self.bios]
        if self.iso:
            a += ["-cdrom", self.iso, "-boot", "d"]
        else:
            a += ["-kernel", self.kernel]
            if self.append is not None:
                a += ["-append", self.append]
        return a + self.extra

    def start(self):
        argv = self.cmdline = self.argv()
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
            self._logf = open(self.log_path, "wb")
            self._logf.write(("# " + " ".join(argv) + "\n").encode())
        self.start_time = time.monotonic()
        self.child = pexpect.spawn(argv[0], argv[1:], timeout=CMD_TIMEOUT,
                                   maxread=65536, echo=False,
                                   dimensions=(50, 200), env=os.environ.copy(),
                                   preexec_fn=die_with_parent)
        _live.add(self)
        return self

    def alive(self):
        return self.child is not None and self.child.isalive()

    def kill(self):
        """Ends QEMU for certain and closes the pty. Safe to call twice."""
        if self.child is not None:
            try:
                if self.child.isalive():
                    try:
                        self.child.kill(signal.SIGTERM)
                    except OSError:
                        pass
                    deadline = time.monotonic() + 3
                    while self.child.isalive() and time.monotonic() < deadline:
                        time.sleep(0.05)
                    if self.child.isalive():
                        self.child.kill(signal.SIGKILL)
                self._pull()
                self.child.close(force=True)
            except Exception:
                try:
                    os.kill(self.child.pid, signal.SIGKILL)
                except OSError:
                    pass
        _live.discard(self)
        if self._logf:
            self._logf.close()
            self._logf = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def wait_exit(self, timeout):
        """Waits for QEMU to exit by itself; returns its exit status, or
        None if it is still running after timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._pull(0.1)
            if not self.child.isalive():
                self._pull()
                self.child.close()
                _live.discard(self)
                st = self.child.exitstatus
                return st if st is not None else -(self.child.signalstatus or 0)
        return None

    # ---- reading ----
    def _append(self, data):
        if data:
            self.transcript += data
            if self._logf:
                self._logf.write(data)
                self._logf.flush()

    def _pull(self, timeout=0):
        """Reads whatever is available (waiting up to timeout for the first
        byte) into the transcript."""
        if self.child is None:
            return
        end = time.monotonic() + timeout
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0, end - time.monotonic()))
                self._append(data)
                timeout = 0
                end = time.monotonic()
            except pexpect.TIMEOUT:
                return
            except (pexpect.EOF, OSError, ValueError):
                return

    def wait_for(self, pattern, timeout=None, start=None):
        """Waits until pattern (bytes regex or compiled regex) appears in the
        transcript after offset start (default: the last prompt). Returns the
        match. Raises VMError with the transcript's tail on timeout or if
        QEMU exits."""
        rx = re.compile(pattern) if isinstance(pattern, (bytes, str)) else pattern
        if isinstance(rx.pattern, str):
            rx = re.compile(rx.pattern.encode(), rx.flags & ~re.UNICODE)
        timeout = CMD_TIMEOUT if timeout is None else timeout
        start = self.mark if start is None else start
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.transcript, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise VMError("timed out after %.0f s waiting for %r\n%s"
                              % (timeout, rx.pattern, self.tail()))
            if not self.child.isalive():
                self._pull()
                m = rx.search(self.transcript, start)
                if m:
                    return m
                raise VMError("QEMU exited (status %s) while waiting for %r\n%s"
                              % (self.child.exitstatus, rx.pattern, self.tail()))
            self._pull(min(left, 0.2))

    def wait_prompt(self, timeout=None):
        """Waits for the next fresh shell prompt; returns the raw bytes from
        the previous mark up to and including it."""
        if timeout is None:
            timeout = BOOT_TIMEOUT if self.prompt_time is None else CMD_TIMEOUT
            if self.prompt_time is None and (self.iso or self.bios):
                timeout = FIRMWARE_BOOT_TIMEOUT
        if self.prompt_time is None:
            # the first prompt: the banner ends with "\n", then the prompt
            m = self.wait_for(PROMPT_RE, timeout)
            self.prompt_time = time.monotonic()
        else:
            m = self.wait_for(PROMPT_RE, timeout)
        raw = bytes(self.transcript[self.mark:m.end()])
        self.mark = m.end()
        return raw

    def boot_wall_seconds(self):
        return self.prompt_time - self.start_time

    def drain(self, quiet=0.3, timeout=5):
        """Reads until the line has been quiet for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = len(self.transcript)
            self._pull(quiet)
            if len(self.transcript) == n:
                return

    # ---- writing ----
    def send(self, data, chunk=16, pause=0.01, timeout=None):
        """Sends raw bytes to the serial line, in small chunks so a slow
        guest is never flooded (QEMU's UART applies back-pressure, but the
        pty buffer is finite). Raises VMError if the guest stops taking
        input for `timeout` seconds, instead of blocking forever."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        timeout = CMD_TIMEOUT if timeout is None else timeout
        fd = self.child.child_fd
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            deadline = time.monotonic() + timeout
            while piece:
                left = deadline - time.monotonic()
                _, w, _ = select.select([], [fd], [], max(0, left))
                if not w:
                    raise VMError("the guest has not read its serial input for %.0f s\n%s"
                                  % (timeout, self.tail()))
                n = os.write(fd, piece)
                piece = piece[n:]
            if len(data) > chunk:
                time.sleep(pause)
                self._pull()

    def type(self, keys, timeout=None):
        """Sends keys then Enter; waits for the next prompt. Returns
        (input_line, output): the input line as it looks on screen after
        all edits (without the prompt) and the command's output lines."""
        self.send(keys + "\r" if isinstance(keys, str) else keys + b"\r")
        raw = self.wait_prompt(timeout)
        return split_exchange(raw)

    def cmd(self, line, timeout=None):
        """Runs a command; returns its output as text (lines joined by \\n,
        trailing spaces removed)."""
        shown, out = self.type(line, timeout)
        return "\n".join(out)

    def sync(self, timeout=None):
        """Brings the shell back to a known state: an empty line at a fresh
        prompt, with everything before it consumed. Sends Ctrl-C twice (a
        pending escape sequence can swallow one), then `echo TOKEN`, and
        waits for TOKEN's output line and the prompt after it, so output
        still in flight (prompts from earlier input) cannot be mistaken for
        the answer. Retries with a new token."""
        timeout = CMD_TIMEOUT if timeout is None else timeout
        for attempt in range(3):
            self._sync_n = getattr(self, "_sync_n", 0) + 1
            token = "sync-%d-%d" % (os.getpid(), self._sync_n)
            self.send(b"\x03\x03echo " + token.encode() + b"\r")
            rx = re.compile(rb"\n" + token.encode() + rb"\r*\nrayos> ")
            try:
                m = self.wait_for(rx, timeout, start=self.mark)
            except VMError:
                if not self.alive():
                    raise
                continue
            self.mark = m.end()
            return
        raise VMError("shell does not come back to a prompt\n" + self.tail())

    # ---- reporting ----
    def text(self, start=0):
        return "\n".join(render(bytes(self.transcript[start:])))

    def tail(self, n=2500):
        t = self.text()
        return ("--- serial (rendered, last %d chars) ---\n" % n) + t[-n:]


# ---- terminal rendering ----
_CSI = re.compile(rb"\x1b\[([0-9;?=]*)([ -/]*)([@-~])")


def render(data, lines=None):
    """Renders terminal output into a list of text lines, interpreting CR,
    LF, BS, ESC[K, ESC[nD/C/G, ESC[2J, ESC[H; other escapes and bells are
    dropped. Bytes are decoded as Latin-1."""
    lines = lines if lines is not None else [""]
    row, col = len(lines) - 1, len(lines[-1])
    i, n = 0, len(data)

    def put(ch):
        nonlocal col
        ln = lines[row]
        if col > len(ln):
            ln += " " * (col - len(ln))
        lines[row] = ln[:col] + ch + ln[col + 1:]
        col += 1

    while i < n:
        b = data[i]
        if b == 0x1b:
            m = _CSI.match(data, i)
            if m:
                params, final = m.group(1).decode(), m.group(3)
                num = int(params) if params.isdigit() else None
                if final == b"K":
                    if num in (None, 0):
                        lines[row] = lines[row][:col]
                    elif num == 1:
                        lines[row] = " " * col + lines[row][col:]
                    else:
                        lines[row] = ""
                elif final == b"D":
                    col = max(0, col - (num or 1))
                elif final == b"C":
                    col += num or 1
                elif final == b"G":
                    col = max(0, (num or 1) - 1)
                elif final == b"J" and num == 2:
                    del lines[:]
                    lines.append("")
                    row, col = 0, 0
                elif final in (b"H", b"f") and params in ("", "1;1", "01;01"):
                    # home: the transcript has no screen, so stay on the
                    # current line (after ESC[2J this is the first line)
                    col = 0
                i = m.end()
                continue
            # ESC + one byte (ESC c, ESC =, ...): skip both
            i += 2
            continue
        if b == 0x0d:
            col = 0
        elif b == 0x0a:
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif b == 0x08:
            col = max(0, col - 1)
        elif b == 0x07 or b < 0x20 or b == 0x7f:
            pass
        else:
            put(chr(b))
        i += 1
    return [ln.rstrip() for ln in lines]


def split_exchange(raw):
    """raw: bytes from the end of one prompt to the end of the next. Returns
    (input_line, output_lines) as they appear on screen."""
    lines = render(raw, [PROMPT.decode()])
    # the last line is the new prompt; the input line is the last line
    # before it that starts with the prompt (edits redraw it in place)
    body = lines[:-1]
    idx = 0
    for k in range(len(body) - 1, -1, -1):
        if body[k].startswith(PROMPT.decode().rstrip()):
            idx = k
            break
    shown = body[idx][len(PROMPT):] if body else ""
    return shown, body[idx + 1:]


def bells(raw):
    return raw.count(b"\x07")
