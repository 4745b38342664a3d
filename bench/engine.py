"""Engine throughput and read latency, against plain sqlite3 in the same run.

Issue 2's targets:

* with 32 concurrent callers the engine creates deals and moves them between
  stages at least half as fast as plain sqlite3 doing the same writes with one
  commit each (both in WAL mode with ``synchronous=FULL``);
* "my open deals grouped by stage" and "deals by stage with weighted revenue"
  stay under 20 ms at p99 on 100,000 deals.

What each side does:

engine    ``Engine.deals.create`` / ``Engine.deals.move`` awaited in a loop by N
          asyncio tasks: validation, the deal row, its timeline entry, the
          shared group commit, then the deal read back — what an adapter gets.
baseline  N threads writing what the engine writes: the ``INSERT INTO deals``
          (or ``UPDATE deals SET stage_id, probability, …``) and the deal's
          timeline entry, in one transaction with one commit; no validation
          reads, no read-back (as plain psycopg does in
          :mod:`bench.pg_engine`). The faster of two set-ups counts: each
          thread with its own connection (WAL, FULL, busy timeout: with 32
          they queue on SQLite's write lock, whose busy handler sleeps), or all
          threads on one connection under a mutex (commits one after another).
reads     the engine's async read path (one hop to the reader thread) against
          the same query functions called directly on a sqlite3 connection.

A write figure is the best of ``--rounds`` runs of ``--seconds`` each (other
work on the machine only ever slows a run down), baseline and engine runs
interleaved, each on its own copy of one seeded database. Read the ratios,
not the absolute numbers: the machines are small and noisy.

    .venv/bin/python bench/engine.py [--quick] [--deals 100000] [--seconds 3]
    .venv/bin/python bench/engine.py --database postgresql://user@host:5432/postgres

With ``--database`` the same measures run on PostgreSQL against plain psycopg
(issue 13, :mod:`bench.pg_engine`), in a scratch database the bench creates on
that server and drops at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's own folder heads sys.path and its name would
# shadow the ``engine`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.breakdown import measure_breakdown  # noqa: E402
from bench.figures import Row, report, shown_runs  # noqa: E402
from bench.latencies import QUERIES, measure_reads  # noqa: E402
from bench.rates import (  # noqa: E402
    CALLERS,
    INSERT_DEAL,
    INSERT_TIMELINE,
    MOVE_DEAL,
    WRITE_SEED_DEALS,
    CommitStats,
    Settings,
    TaskOp,
    ThreadOp,
    World,
    create_schema,
    created_deal,
    engine_create,
    engine_move,
    find_open_deals,
    load_world,
    moves_of,
    seed_deal,
    task_rate,
    thread_rate,
    timeline_entry,
)
from engine import clock  # noqa: E402
from engine.core import Engine  # noqa: E402
from engine.store.db import open_sync  # noqa: E402

RATIO_TARGET = 0.5


# -- the seeded world ------------------------------------------------------------


def seed(path: Path, count: int, rng: random.Random) -> World:
    """A database made by the engine's migrations, then ``count`` bulk-inserted deals."""
    asyncio.run(create_schema(path))
    conn = open_sync(path)
    try:
        world = load_world(conn)
        conn.execute("BEGIN")
        for number in range(1, count + 1):
            conn.execute(INSERT_DEAL, seed_deal(world, number, rng))
        conn.execute("COMMIT")
        find_open_deals(conn, world)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return world


# -- write throughput -------------------------------------------------------------


def plain_connection(path: Path, *, shared: bool = False) -> sqlite3.Connection:
    """The baseline's connection: the engine's durability, nothing of its machinery."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=not shared)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    return conn


def sqlite_opener(path: Path) -> Callable[[bool], sqlite3.Connection]:
    return lambda shared: plain_connection(path, shared=shared)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction with one commit, begun as the engine's writer begins its own
    (``BEGIN IMMEDIATE``); rolled back if a statement fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def sqlite_create(world: World) -> Callable[[sqlite3.Connection, int], ThreadOp]:
    """The deal row and its timeline entry in one transaction, one commit: what the engine
    writes for a new deal (the new id from ``lastrowid``, as the engine reads it on SQLite)."""

    def make(conn: sqlite3.Connection, caller: int) -> ThreadOp:
        numbers = itertools.count()

        def op() -> None:
            now = clock.now_db()
            values = created_deal(world, caller, next(numbers), now)
            with transaction(conn):
                deal_id = conn.execute(INSERT_DEAL, values).lastrowid
                assert deal_id is not None
                changes = {"title": values[2], "stage": values[1], "owner": values[3]}
                entry = timeline_entry(world, caller, deal_id, "created", changes, now)
                conn.execute(INSERT_TIMELINE, entry)

        return op

    return make


def sqlite_move(world: World, callers: int) -> Callable[[sqlite3.Connection, int], ThreadOp]:
    """The deal's update and its timeline entry in one transaction, one commit (as the engine)."""

    def make(conn: sqlite3.Connection, caller: int) -> ThreadOp:
        moves = moves_of(world, caller, callers)

        def op() -> None:
            deal_id, stage = next(moves)
            now = clock.now_db()
            with transaction(conn):
                conn.execute(MOVE_DEAL, (stage.id, stage.probability, now, now, deal_id))
                changes = {"stage": [None, stage.id], "probability": [None, stage.probability]}
                entry = timeline_entry(world, caller, deal_id, "moved", changes, now)
                conn.execute(INSERT_TIMELINE, entry)

        return op

    return make


@dataclass(frozen=True, slots=True)
class WriteCase:
    what: str
    sqlite: Callable[[int], Callable[[sqlite3.Connection, int], ThreadOp]]
    engine: Callable[[int], Callable[[Engine, int], TaskOp]]


def write_cases(world: World) -> list[WriteCase]:
    return [
        WriteCase(
            "deals created/s", lambda n: sqlite_create(world), lambda n: engine_create(world)
        ),
        WriteCase(
            "stage moves/s", lambda n: sqlite_move(world, n), lambda n: engine_move(world, n)
        ),
    ]


def measure_write(
    case: WriteCase, callers: int, settings: Settings, fresh: Callable[[], Path]
) -> tuple[Row, str]:
    """Best rates of the engine and of plain sqlite3 over interleaved runs."""
    own: list[float] = []
    shared: list[float] = []
    mine: list[float] = []
    commits = CommitStats()
    seconds = settings.seconds
    for _ in range(settings.rounds):
        own.append(thread_rate(sqlite_opener(fresh()), callers, seconds, case.sqlite(callers)))
        if callers > 1:
            opener = sqlite_opener(fresh())
            shared.append(thread_rate(opener, callers, seconds, case.sqlite(callers), shared=True))
        engine_run = task_rate(fresh(), callers, seconds, case.engine(callers), commits)
        mine.append(asyncio.run(engine_run))
    engine_rate = max(mine)
    # Plain sqlite3's rate is the better of its two ways to serve N callers.
    baseline = max(own + shared)
    gated = callers == max(CALLERS)
    label = f"{case.what}, {callers} caller{'s' if callers > 1 else ''}"
    row = Row(
        label,
        engine_rate,
        baseline,
        "rate",
        f"ratio ≥ {RATIO_TARGET:.2f}" if gated else "",
        engine_rate >= RATIO_TARGET * baseline if gated else None,
    )
    note = (
        f"{label}: engine {shown_runs(mine)} ({commits.jobs / max(commits.commits, 1):.1f} jobs"
        f" per commit); sqlite3 own connections {shown_runs(own)}"
        + (f"; one shared connection + lock {shown_runs(shared)}" if shared else "")
    )
    return row, note


def copier(template: Path) -> Callable[[], Path]:
    """Fresh copies of the seeded write database, one per run."""
    copies = itertools.count()

    def fresh() -> Path:
        path = template.with_name(f"run-{next(copies)}.db")
        shutil.copyfile(template, path)
        return path

    return fresh


def measure_writes(
    fresh: Callable[[], Path], world: World, settings: Settings
) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    for case in write_cases(world):
        for callers in CALLERS:
            row, note = measure_write(case, callers, settings, fresh)
            rows.append(row)
            notes.append(note)
            print(f"  {note}", file=sys.stderr, flush=True)
    return rows, notes


# -- where a write's time goes (--breakdown) ----------------------------------------


# -- read latency -----------------------------------------------------------------


def print_plans(path: Path, world: World) -> None:
    """SQLite's plan for each statement the two queries run (``--plans``)."""
    conn = open_sync(path)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)  # receives the SQL with its values
    try:
        for name, fn in QUERIES:
            statements.clear()
            fn(conn, world.owners[0])
            for sql in list(statements):
                print(f"plan of {name}: {' '.join(sql.split())[:100]}")
                for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
                    print(f"    {row['detail']}")
    finally:
        conn.close()


# -- the table --------------------------------------------------------------------


# -- main -------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    parser.add_argument("--deals", type=int, help="deals behind the queries (default 100,000)")
    parser.add_argument("--seconds", type=float, help="length of one write run (default 3)")
    parser.add_argument("--rounds", type=int, help="write runs per figure, best kept (default 3)")
    parser.add_argument("--iterations", type=int, help="calls per query (default 500)")
    parser.add_argument(
        "--plans", action="store_true", help="print the queries' plans (PostgreSQL: as run)"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also time parts of a deal creation"
    )
    parser.add_argument(
        "--database",
        metavar="postgresql://…",
        help="bench PostgreSQL instead: a server where the bench may create its own database",
    )
    args = parser.parse_args(argv)
    if args.database and not args.database.startswith(("postgresql://", "postgres://")):
        parser.error("--database takes a postgresql:// URL (SQLite is the default)")
    quick = args.quick
    return Settings(
        deals=args.deals or (10_000 if quick else 100_000),
        seconds=args.seconds or (0.5 if quick else 3.0),
        rounds=args.rounds or (1 if quick else 3),
        iterations=args.iterations or (50 if quick else 500),
        plans=args.plans,
        breakdown=args.breakdown,
        database=args.database,
    )


LEGEND = """\
engine   = Engine.deals.create / deals.move awaited by N asyncio tasks (each deal read
           back), Engine.deals.my_pipeline / board through the async read path.
baseline = plain sqlite3: the deal's INSERT / UPDATE and its timeline entry in one
           transaction, one commit, from N threads, the faster of own connections (busy
           timeout) and one shared connection under a lock; for reads, the same query
           functions called on a sqlite3 connection. Both sides run WAL, synchronous=FULL.
ratio    = engine / baseline; a rate is the best of the runs listed below."""


def run(settings: Settings, work: Path) -> list[str]:
    """Every measurement; returns the lines of the report."""
    rng = random.Random(2)
    fresh = copier(work / "writes.db")
    write_world = seed(work / "writes.db", WRITE_SEED_DEALS, rng)
    write_rows, notes = measure_writes(fresh, write_world, settings)
    breakdown = measure_breakdown(fresh, write_world, settings) if settings.breakdown else ""
    reads = work / "reads.db"
    started = time.perf_counter()
    read_world = seed(reads, settings.deals, rng)
    seeded = time.perf_counter() - started
    if settings.plans:
        print_plans(reads, read_world)
    read_rows = measure_reads(reads, read_world, settings)
    seeding = f"{settings.deals:,} deals seeded in {seeded:.1f} s"
    return report([*write_rows, *read_rows], LEGEND, notes, seeding, breakdown)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse(argv)
    if settings.database:
        from bench.pg_engine import run_postgres  # psycopg only when PostgreSQL is asked for

        return run_postgres(settings)
    print(
        f"Relais engine bench: Python {platform.python_version()}, SQLite"
        f" {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; writes best of {settings.rounds}"
        f" × {settings.seconds:g} s, reads {settings.iterations} calls per query",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        lines = run(settings, Path(tmp))
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
