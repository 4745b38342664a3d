"""bench/engine.py still runs end to end (figures are not asserted: CI is noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_engine_bench_quick_run_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    headers = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in done.stdout.splitlines()
        if line.startswith("| measure")
    ]
    assert headers == [["measure", "engine", "baseline", "ratio", "target", "verdict"]]
    for measure in ("deals created/s", "stage moves/s", "my pipeline p99", "board p99"):
        assert measure in done.stdout


@pytest.mark.slow
def test_cli_bench_quick_run_prints_its_table() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "cli.py"),
            "--quick",
            "--rounds",
            "1",
            "--rules",
            "300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "| measure | median | p90 | ratio (median) | ratio (p90) | target | verdict |"
        in done.stdout
    )
    for measure in ("baseline: python -c pass", "run.py --help", "run.py deal list"):
        assert f"| {measure} |" in done.stdout
    assert "| quote price, warm cache |" in done.stdout
    assert "| quote price, cold cache |" in done.stdout
