"""bench/workflows.py still runs end to end (figures are not asserted: CI is noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_workflow_bench_quick_run_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "workflows.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| measure" in done.stdout
    for measure in ("domain events/s", "event → outbox p50", "event → outbox p99"):
        assert measure in done.stdout
