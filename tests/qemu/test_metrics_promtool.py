"""The `metrics` output, histograms included, checked by Prometheus's own
linter: boot RayOS, run `metrics`, pipe the text to `promtool check metrics`
(Debian package prometheus; tools/bootstrap.sh pytest installs it), which
must accept it without a single problem. Also checks each kernel histogram's
structure: cumulative buckets, +Inf equal to _count, counts growing after
load."""
import re
import shutil
import subprocess

import pytest

HISTOGRAMS = ["rayos_sched_wakeup_latency_seconds", "rayos_irq_duration_seconds",
              "rayos_kmalloc_duration_seconds"]


def promtool():
    path = shutil.which("promtool")
    if not path:
        pytest.fail("promtool not installed (apt-get install prometheus; "
                    "tools/bootstrap.sh pytest)", pytrace=False)
    return path


def test_promtool_accepts_metrics(shell):
    text = shell.cmd("metrics", timeout=60)
    assert "# TYPE rayos_irq_duration_seconds histogram" in text
    r = subprocess.run([promtool(), "check", "metrics"], input=text + "\n",
                       capture_output=True, text=True, timeout=60)
    problems = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and not problems, "promtool: %s\n---\n%s" % (problems, text)


def parse_hist(text, name):
    buckets = [(m.group(1), int(m.group(2))) for m in
               re.finditer(r'^%s_bucket\{le="([^"]+)"\} (\d+)$' % name, text, re.M)]
    count = int(re.search(r"^%s_count (\d+)$" % name, text, re.M).group(1))
    total = float(re.search(r"^%s_sum (\S+)$" % name, text, re.M).group(1))
    return buckets, count, total


def test_histograms_cumulative_and_growing(shell):
    before = {}
    for name in HISTOGRAMS:
        buckets, count, total = parse_hist(shell.cmd("metrics " + name), name)
        assert buckets[-1] == ("+Inf", count)
        les = [float(le) for le, _ in buckets[:-1]]
        assert les == sorted(les) and len(les) == len(set(les)) and len(buckets) <= 40
        counts = [n for _, n in buckets]
        assert counts == sorted(counts), counts
        assert total >= 0
        before[name] = count
    shell.cmd("ktest obs", timeout=120)  # threads, sleeps, kmalloc
    for name in HISTOGRAMS:
        _, count, _ = parse_hist(shell.cmd("metrics " + name), name)
        assert count > before[name], name
    out = shell.cmd("hist rayos_kmalloc_duration_seconds")
    assert re.search(r"count \d+ +min .* max .* mean ", out), out
    assert re.search(r"p50 .* p90 .* p99 .* p99\.9 ", out), out
