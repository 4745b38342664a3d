"""bench/slack.py still runs end to end (figures are not asserted: CI is noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_slack_bench_quick_run_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "slack.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    latency, _, cpu = done.stdout.partition("Server CPU per request")
    rows = [line for line in latency.splitlines() if line.startswith("| deal card")]
    assert len(rows) == 2
    assert any(line.startswith("| move with modal | 16 |") for line in latency.splitlines())
    # the CPU table: one row per scenario and level, each with three figures
    cpu_rows = [line for line in cpu.splitlines() if line.startswith(("| deal", "| move"))]
    assert len(cpu_rows) == 4
    assert all(line.count("|") == 6 for line in cpu_rows)
