"""The benches still run end to end (figures are not asserted: CI is noisy)."""

import os
import random
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


def test_the_sqlite_baseline_writes_what_the_engine_writes(tmp_path: Path) -> None:
    """Each baseline write is the deal's row and its timeline entry, committed together, as
    the engine's and the psycopg baseline's: a bare statement would flatter the baseline."""
    from bench.engine import plain_connection, seed, sqlite_create, sqlite_move

    path = tmp_path / "writes.db"
    world = seed(path, 40, random.Random(2))
    conn = plain_connection(path)
    try:
        (last_deal,) = conn.execute("SELECT max(id) FROM deals").fetchone()
        (last_entry,) = conn.execute("SELECT coalesce(max(id), 0) FROM timeline").fetchone()
        create = sqlite_create(world)(conn, 0)
        move = sqlite_move(world, 1)(conn, 0)
        for op in (create, create, move):
            op()
            assert not conn.in_transaction  # committed, each write on its own
        entries = conn.execute(
            "SELECT action, entity, entity_id FROM timeline WHERE id > ? ORDER BY id",
            (last_entry,),
        ).fetchall()
        rows = conn.execute("SELECT id FROM deals WHERE id > ? ORDER BY id", (last_deal,))
        new_deals = [row[0] for row in rows]
    finally:
        conn.close()
    moved = world.open_deals[0][0]
    assert len(new_deals) == 2
    assert entries == [
        ("created", "deal", new_deals[0]),
        ("created", "deal", new_deals[1]),
        ("moved", "deal", moved),
    ]


# -- PostgreSQL (issue #13): skipped unless RELAIS_TEST_POSTGRES names a server -------------


def _bench_databases(server: str, pid: int) -> set[str]:
    """The scratch databases of the bench whose process is ``pid`` (``relais_bench_<pid>``
    and its copies): another run's, on the same server at the same time, are not its."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'relais_bench_%'")
        names = {str(row[0]) for row in rows}
    own = f"relais_bench_{pid}"
    return {name for name in names if name == own or name.startswith(own + "_")}


def _run_on_postgres(script: str, timeout: float) -> subprocess.CompletedProcess[str]:
    server = os.environ["RELAIS_TEST_POSTGRES"]
    command = [sys.executable, str(ROOT / "bench" / script), "--quick", "--database", server]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as bench:
        out, err = bench.communicate(timeout=timeout)
    done = subprocess.CompletedProcess(command, bench.returncode, out, err)
    assert done.returncode == 0, done.stdout + done.stderr
    left = _bench_databases(server, bench.pid)
    assert not left, f"the bench left its scratch databases behind: {left}"
    return done


@pytest.mark.slow
@pytest.mark.postgres
def test_engine_bench_on_postgres_prints_its_table() -> None:
    done = _run_on_postgres("engine.py", timeout=300)
    assert "PostgreSQL" in done.stdout.splitlines()[0]
    for measure in ("deals created/s, 32 callers", "stage moves/s, 8 callers", "board p99"):
        assert f"| {measure}" in done.stdout
    assert "plain psycopg" in done.stdout
    assert "matched the sums computed while seeding" in done.stdout


@pytest.mark.slow
@pytest.mark.postgres
def test_ingest_bench_on_postgres_counts_every_250_once() -> None:
    done = _run_on_postgres("ingest.py", timeout=300)
    header = next(line for line in done.stdout.splitlines() if line.startswith("| sessions"))
    assert "1 instance msg/s" in header and "3 instances msg/s" in header
    for sessions in ("1", "8", "32"):
        assert any(line.startswith(f"| {sessions} ") for line in done.stdout.splitlines())
    assert "stored: each exactly once" in done.stdout
