"""bench/slack.py still runs end to end (figures are not asserted: CI is noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def rows(text: str, scenario: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"| {scenario} |")]


@pytest.mark.slow
def test_slack_bench_quick_run_prints_its_tables() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "slack.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    acks, _, rest = done.stdout.partition("End to end")
    end_to_end, _, cpu = rest.partition("Server CPU per request")
    # acks against the minimal Bolt app: levels 1 and 16, ratios and a verdict at 16
    assert len(rows(acks, "deal card")) == 2
    (modal_16,) = [
        r for r in rows(acks, "move with modal") if r.startswith("| move with modal | 16 |")
    ]
    assert "target" in modal_16
    # end to end: every acknowledged request's card or modal reached the fake Slack
    for line in rows(end_to_end, "deal card") + rows(end_to_end, "move with modal"):
        done_, acked = line.split("|")[6].strip().split("/")
        assert done_ == acked and int(acked) > 0, line
    assert "command → card posted" in end_to_end and "click → modal open" in end_to_end
    # CPU: one row per scenario and level, each with four figures
    cpu_rows = rows(cpu, "deal card") + rows(cpu, "move with modal")
    assert len(cpu_rows) == 4
    assert all(line.count("|") == 7 for line in cpu_rows)
