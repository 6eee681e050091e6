"""ktap.py — a parser for the KTAP version 1 output of RayOS's ktest
(kernel/ktest.c; format: Linux Documentation/dev-tools/ktap.rst).

    r = parse(text)
    r.passed, r.failed, r.skipped   # leaf tests
    r.failures                      # ["suite.test", ...] with diagnostics
    r.errors                        # structural problems (bad plan, crash)
    r.summary                       # (pass, fail, skip) from the kernel's
                                    # "# ktest: pass X fail Y skip Z" line

Lines that are not KTAP (the kernel log, firmware noise) are ignored, so
the raw serial output of a whole boot can be parsed. Indentation (4 spaces
per level) gives the nesting; a result line that closes a nested block is
a suite result, every other result line is a test.
"""
import re

VERSION = re.compile(r"^(\s*)K?TAP version (\d+)\s*$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\s*$")
RESULT = re.compile(r"^(\s*)(ok|not ok) (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(.*))?$")
SUBTEST = re.compile(r"^(\s*)# Subtest: (.*)$")
DIAG = re.compile(r"^(\s*)#(.*)$")
SUMMARY = re.compile(r"^# ktest: pass (\d+) fail (\d+) skip (\d+)\s*$")


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []      # (name, [diagnostic lines])
        self.errors = []
        self.summary = None
        self.seen_version = False
        self.tests = []         # (name, "pass"|"fail"|"skip")

    @property
    def total(self):
        return self.passed + self.failed + self.skipped

    def ok(self):
        return (self.seen_version and not self.errors and self.failed == 0
                and self.summary is not None and self.summary[1] == 0)

    def summary_line(self):
        return "# ktest: pass %d fail %d skip %d" % (self.passed, self.failed, self.skipped)


class _Level:
    def __init__(self, indent, name):
        self.indent = indent
        self.name = name
        self.plan = None
        self.results = 0
        self.child_closed = False   # a nested block just ended at this level
        self.diag = []


def _indent(s):
    return len(s.expandtabs(8))


def parse(text):
    r = Result()
    stack = []          # open levels, outermost first
    pending_name = None
    for raw in text.replace("\r", "").split("\n"):
        line = raw.rstrip()
        m = SUMMARY.match(line)
        if m:
            r.summary = tuple(int(x) for x in m.groups())
            continue
        m = VERSION.match(line)
        if m:
            ind = _indent(m.group(1))
            if m.group(2) != "1":
                r.errors.append("unsupported KTAP version %s" % m.group(2))
            # close deeper levels left open (a crash inside a suite)
            while stack and stack[-1].indent >= ind:
                lv = stack.pop()
                r.errors.append("block %r ended without its result line" % lv.name)
            if not stack and ind != 0:
                r.errors.append("nested KTAP block without a top level")
            stack.append(_Level(ind, pending_name or "(top)"))
            pending_name = None
            r.seen_version = True
            continue
        if not stack:
            continue
        m = SUBTEST.match(line)
        if m:
            ind = _indent(m.group(1))
            if ind == stack[-1].indent:
                stack[-1].name = m.group(2).strip()
            else:
                pending_name = m.group(2).strip()
            continue
        m = PLAN.match(line)
        if m and _indent(m.group(1)) == stack[-1].indent:
            stack[-1].plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if m:
            ind = _indent(m.group(1))
            # a result one level out closes the innermost block
            while len(stack) > 1 and ind < stack[-1].indent:
                lv = stack.pop()
                _check_plan(r, lv)
                stack[-1].child_closed = True
            lv = stack[-1]
            if ind != lv.indent:
                continue
            okword, num, name, directive = m.group(2), int(m.group(3)), (m.group(4) or "").strip(), (m.group(5) or "")
            lv.results += 1
            if num != lv.results:
                r.errors.append("%s: result %d numbered %d" % (lv.name, lv.results, num))
            full = name if lv.name == "(top)" else "%s.%s" % (lv.name, name)
            if lv.child_closed:
                # a suite's own result: its tests were counted already,
                # but a "not ok" suite with no failing test is still a failure
                lv.child_closed = False
                if okword == "not ok" and not any(f[0].startswith(name + ".") for f in r.failures):
                    r.failed += 1
                    r.failures.append((name, lv.diag))
                    r.tests.append((name, "fail"))
            elif okword == "not ok":
                r.failed += 1
                r.failures.append((full, lv.diag))
                r.tests.append((full, "fail"))
            elif directive.upper().startswith("SKIP"):
                r.skipped += 1
                r.tests.append((full, "skip"))
            else:
                r.passed += 1
                r.tests.append((full, "pass"))
            lv.diag = []
            continue
        m = DIAG.match(line)
        if m:
            stack[-1].diag.append(line.strip())
            # diagnostics are attached to the next result at the level
            # they are indented for; keep them on the innermost level
    while len(stack) > 1:
        lv = stack.pop()
        r.errors.append("block %r ended without its result line (crash?)" % lv.name)
    if stack:
        _check_plan(r, stack[0])
    if not r.seen_version:
        r.errors.append("no 'KTAP version 1' line in the output")
    elif r.summary is None:
        r.errors.append("no '# ktest: pass X fail Y skip Z' summary line (crash or hang?)")
    elif r.summary != (r.passed, r.failed, r.skipped):
        r.errors.append("the kernel's summary says pass %d fail %d skip %d, the KTAP lines say %s"
                        % (r.summary + (r.summary_line()[2:],)))
    return r


def _check_plan(r, lv):
    if lv.plan is None:
        r.errors.append("%s: no plan line" % lv.name)
    elif lv.plan != lv.results:
        r.errors.append("%s: plan 1..%d but %d results" % (lv.name, lv.plan, lv.results))
