"""bench/ingest.py still runs end to end (figures are not asserted: CI is noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ingest_bench_quick_run_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest.py"), "--quick", "--sessions", "1,8"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| sessions | sink msg/s | relais msg/s | ratio |" in done.stdout
    assert "250 → lead visible, sporadic mail" in done.stdout
    assert "(0 left)" in done.stdout
