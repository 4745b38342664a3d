"""``bench/engine.py --database postgresql://…``: the engine on PostgreSQL, against plain psycopg.

Issue 13's targets, in the same run:

* with 32 concurrent callers the engine creates deals and moves them between
  stages at least as fast as plain psycopg doing the same writes with one
  commit each (ratio ≥ 1.0);
* "my open deals grouped by stage" and the board stay under 20 ms at p99 on
  100,000 deals.

What each side does:

engine    ``Engine.deals.create`` / ``Engine.deals.move`` awaited in a loop by N
          asyncio tasks, as on SQLite: validation, the deal row, its timeline
          entry, the shared group commit (``synchronous_commit=on``), the deal
          read back.
baseline  N threads, each with its own psycopg connection
          (``synchronous_commit=on``), writing what the engine writes: the
          ``INSERT INTO deals … RETURNING id`` (or ``UPDATE deals SET stage_id,
          …``) and the deal's timeline entry, in one transaction with one
          commit; no validation reads, no read-back. PostgreSQL serves
          concurrent connections itself (its WAL flush is shared by the commits
          that wait together).
reads     the engine's async read path (a ``REPEATABLE READ READ ONLY``
          snapshot on the reader connection, one thread hop) against the same
          query functions called directly on a connection.

Everything runs in ``relais_bench_<pid>``, created on the server the URL names
(never the URL's own database) and dropped at the end, with a fresh copy of
it (``CREATE DATABASE … TEMPLATE``) for each write run. The 100,000 deals are
loaded with ``COPY``, then ``VACUUM ANALYZE`` (what autovacuum does to a live
table).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import platform
import random
import sqlite3
import time
from collections.abc import Callable
from typing import Any, cast

import psycopg

from bench.breakdown import measure_breakdown
from bench.figures import Row, report, shown_runs
from bench.latencies import QUERIES, measure_reads
from bench.pg_scratch import Scratch, scratch, server_version
from bench.rates import (
    CALLERS,
    INSERT_DEAL,
    INSERT_TIMELINE,
    MOVE_DEAL,
    WRITE_SEED_DEALS,
    CommitStats,
    Settings,
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
from engine import clock
from engine.store.db import open_sync

RATIO_TARGET = 1.0
PG_CALLERS = (1, 8, 32)
DEAL_COLUMNS = (
    "pipeline_id, stage_id, title, owner_id, currency, expected_revenue_cents, priority,"
    " probability, probability_manual, status, lost_reason, archived, stage_entered_at,"
    " closed_at, created_at, updated_at"
)

Plain = psycopg.Connection[Any]


# -- the seeded world ------------------------------------------------------------------


def seed(url: str, count: int, rng: random.Random) -> World:
    """The engine's migrations and reps, then ``count`` deals in one ``COPY``."""
    asyncio.run(create_schema(url))
    conn = open_sync(url)
    try:
        world = load_world(conn)
    finally:
        conn.close()
    with psycopg.connect(url) as plain:
        with plain.cursor().copy(f"COPY deals ({DEAL_COLUMNS}) FROM STDIN") as copy:
            for number in range(1, count + 1):
                values = list(seed_deal(world, number, rng))
                values.insert(4, "EUR")  # INSERT_DEAL writes the currency as a literal
                copy.write_row(values)
        plain.commit()
    with psycopg.connect(url, autocommit=True) as plain:
        plain.execute("VACUUM ANALYZE deals")
    conn = open_sync(url)
    try:
        find_open_deals(conn, world)
    finally:
        conn.close()
    return world


# -- write throughput --------------------------------------------------------------------


def psycopg_opener(url: str) -> Callable[[bool], Plain]:
    """The baseline's connections: autocommit, each op its own transaction; durable commits."""

    def connect(shared: bool) -> Plain:
        conn = psycopg.connect(url, autocommit=True, application_name="relais-bench")
        conn.execute("SET synchronous_commit = on")
        row = conn.execute("SHOW synchronous_commit").fetchone()
        assert row is not None and row[0] == "on"
        return conn

    return connect


def _psycopg(sql: str) -> str:
    return sql.replace("?", "%s")


def plain_create(world: World) -> Callable[[Plain, int], ThreadOp]:
    """The deal row and its timeline entry in one transaction, one commit: what the engine
    writes for a new deal (the new id read back with ``RETURNING``, as the engine does)."""
    insert = _psycopg(INSERT_DEAL) + " RETURNING id"
    record = _psycopg(INSERT_TIMELINE)

    def make(conn: Plain, caller: int) -> ThreadOp:
        numbers = itertools.count()

        def op() -> None:
            now = clock.now_db()
            values = created_deal(world, caller, next(numbers), now)
            with conn.transaction():
                row = conn.execute(insert, values).fetchone()
                assert row is not None
                changes = {"title": values[2], "stage": values[1], "owner": values[3]}
                conn.execute(record, timeline_entry(world, caller, row[0], "created", changes, now))

        return op

    return make


def plain_move(world: World, callers: int) -> Callable[[Plain, int], ThreadOp]:
    """The deal's update and its timeline entry in one transaction, one commit (as the engine)."""
    move = _psycopg(MOVE_DEAL)
    record = _psycopg(INSERT_TIMELINE)

    def make(conn: Plain, caller: int) -> ThreadOp:
        moves = moves_of(world, caller, callers)

        def op() -> None:
            deal_id, stage = next(moves)
            now = clock.now_db()
            with conn.transaction():
                conn.execute(move, (stage.id, stage.probability, now, now, deal_id))
                changes = {"stage": [None, stage.id], "probability": [None, stage.probability]}
                conn.execute(record, timeline_entry(world, caller, deal_id, "moved", changes, now))

        return op

    return make


def measure_write(
    what: str,
    callers: int,
    settings: Settings,
    runs: Callable[[], tuple[float, float, CommitStats]],
) -> tuple[Row, str]:
    """Best rates of the engine and of plain psycopg over interleaved runs."""
    plain: list[float] = []
    mine: list[float] = []
    commits = CommitStats()
    for _ in range(settings.rounds):
        baseline, engine, stats = runs()
        plain.append(baseline)
        mine.append(engine)
        commits.jobs += stats.jobs
        commits.commits += stats.commits
    gated = callers == max(CALLERS)
    label = f"{what}, {callers} caller{'s' if callers > 1 else ''}"
    row = Row(
        label,
        max(mine),
        max(plain),
        "rate",
        f"ratio ≥ {RATIO_TARGET:.2f}" if gated else "",
        max(mine) >= RATIO_TARGET * max(plain) if gated else None,
    )
    note = (
        f"{label}: engine {shown_runs(mine)} ({commits.jobs / max(commits.commits, 1):.1f} jobs"
        f" per commit); psycopg, a connection per caller {shown_runs(plain)}"
    )
    return row, note


def one_round(
    databases: Scratch, template: str, world: World, what: str, callers: int, seconds: float
) -> tuple[float, float, CommitStats]:
    """A baseline run and an engine run, each on its own fresh copy of the seeded database."""
    creating = what.startswith("deals created")
    copy = databases.copy(template)
    try:
        make = plain_create(world) if creating else plain_move(world, callers)
        baseline = thread_rate(psycopg_opener(copy), callers, seconds, make)
    finally:
        databases.drop(copy)
    copy = databases.copy(template)
    commits = CommitStats()
    try:
        engine_op = engine_create(world) if creating else engine_move(world, callers)
        engine = asyncio.run(task_rate(copy, callers, seconds, engine_op, commits))
    finally:
        databases.drop(copy)
    return baseline, engine, commits


def measure_writes(
    databases: Scratch, template: str, world: World, settings: Settings
) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    for what in ("deals created/s", "stage moves/s"):
        for callers in PG_CALLERS:
            runs = functools.partial(
                one_round, databases, template, world, what, callers, settings.seconds
            )
            row, note = measure_write(what, callers, settings, runs)
            rows.append(row)
            notes.append(note)
            print(f"  {note}", flush=True)
    return rows, notes


# -- the plans (--plans) ----------------------------------------------------------------


class Recorder:
    """A connection that notes each statement it runs (what the query functions send)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.seen: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.seen.append((sql, params))
        return self.conn.execute(sql, params)


def print_plans(url: str, world: World) -> None:
    """PostgreSQL's plan of each statement the two queries run, with its times (as run)."""
    conn = open_sync(url)
    try:
        for name, fn in QUERIES:
            recorder = Recorder(conn)
            fn(cast(sqlite3.Connection, recorder), world.owners[0])
            for sql, params in recorder.seen:
                print(f"plan of {name}: {' '.join(sql.split())[:100]}")
                for row in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params):
                    print(f"    {row[0]}")
    finally:
        conn.close()


# -- the report ------------------------------------------------------------------------


LEGEND = """\
engine   = Engine.deals.create / deals.move awaited by N asyncio tasks (each deal read
           back), Engine.deals.my_pipeline / board through the async read path, on
           PostgreSQL (group commit on the writer connection, synchronous_commit=on).
baseline = plain psycopg: the deal's INSERT / UPDATE and its timeline entry in one
           transaction, one commit (synchronous_commit=on), from N threads each with
           its own connection; for reads, the same query functions called on a
           connection, no thread hop.
ratio    = engine / baseline; a rate is the best of the runs listed below."""


def machine(url: str) -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Python {platform.python_version()}, PostgreSQL {server_version(url)},"
        f" {os.cpu_count()} CPUs, load average {load}"
    )


def run(settings: Settings, databases: Scratch) -> list[str]:
    rng = random.Random(2)
    write_world = seed(databases.url, WRITE_SEED_DEALS, rng)
    write_rows, notes = measure_writes(databases, databases.url, write_world, settings)
    breakdown = ""
    if settings.breakdown:  # each run on a copy of its own, all dropped at the end
        breakdown = measure_breakdown(lambda: databases.copy(databases.url), write_world, settings)
    reads = databases.create(f"{databases.prefix}_reads")
    started = time.perf_counter()
    read_world = seed(reads, settings.deals, rng)
    seeded = time.perf_counter() - started
    if settings.plans:
        print_plans(reads, read_world)
    read_rows = measure_reads(reads, read_world, settings)
    seeding = f"{settings.deals:,} deals seeded (COPY, VACUUM ANALYZE) in {seeded:.1f} s"
    return report([*write_rows, *read_rows], LEGEND, notes, seeding, breakdown)


def run_postgres(settings: Settings) -> int:
    assert settings.database is not None
    print(
        f"Relais engine bench on PostgreSQL: {machine(settings.database)}; writes best of"
        f" {settings.rounds} × {settings.seconds:g} s, reads {settings.iterations} calls per query",
        flush=True,
    )
    with scratch(settings.database) as databases:
        lines = run(settings, databases)
    print(f"  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("\n".join(lines))
    return 0
