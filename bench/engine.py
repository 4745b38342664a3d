"""Engine throughput and read latency, against plain sqlite3 in the same run.

Issue 2's targets:

* with 32 concurrent callers the engine creates deals and moves them between
  stages at least half as fast as plain sqlite3 doing the same INSERT / UPDATE
  with one commit each (both in WAL mode with ``synchronous=FULL``);
* "my open deals grouped by stage" and "deals by stage with weighted revenue"
  stay under 20 ms at p99 on 100,000 deals.

What each side does:

engine    ``Engine.deals.create`` / ``Engine.deals.move`` awaited in a loop by N
          asyncio tasks: validation, the deal row, its timeline entry, the
          shared group commit, then the deal read back — what an adapter gets.
baseline  N threads running the bare ``INSERT INTO deals`` or ``UPDATE deals
          SET stage_id, probability, …`` as a transaction of its own: no
          timeline row, no read-back. The faster of two set-ups counts: each
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
import math
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeVar

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's own folder heads sys.path and its name would
# shadow the ``engine`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from engine import clock  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.core import Engine  # noqa: E402
from engine.crm import deals, queries  # noqa: E402
from engine.crm.deals import DealDraft  # noqa: E402
from engine.crm.records import StageSummary  # noqa: E402
from engine.crm.users import UserDraft  # noqa: E402
from engine.money import quantize  # noqa: E402
from engine.store.db import Tx, open_sync  # noqa: E402

OWNERS = 20
WRITE_SEED_DEALS = 2_000
CALLERS = (1, 32)
RATIO_TARGET = 0.5
P99_TARGET_MS = 20.0
# Share of deals per stage of the default pipeline (55 % open, as a live CRM).
STAGE_MIX = {
    "nouveau": 20,
    "estimation": 10,
    "visite_technique": 12,
    "devis": 13,
    "gagne": 25,
    "perdu": 20,
}
ARCHIVED_SHARE = 0.05
MANUAL_PROBABILITY_SHARE = 0.10
NO_REVENUE_SHARE = 0.08

INSERT_DEAL = (
    "INSERT INTO deals (pipeline_id, stage_id, title, owner_id, currency,"
    " expected_revenue_cents, priority, probability, probability_manual, status,"
    " lost_reason, archived, stage_entered_at, closed_at, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MOVE_DEAL = (
    "UPDATE deals SET stage_id = ?, probability = ?, stage_entered_at = ?, updated_at = ?,"
    " version = version + 1 WHERE id = ?"
)


# -- the seeded world ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    key: str
    probability: int
    outcome: str | None


@dataclass(slots=True)
class World:
    """What the seed put in a database, and the board it must read back."""

    pipeline_id: int
    stages: dict[str, Stage]
    owners: list[int]
    open_deals: list[tuple[int, int]] = field(default_factory=list)  # (id, open stage index)
    # (owner, stage id) -> [count, revenue cents, revenue cents × percent]
    expected: dict[tuple[int | None, int], list[int]] = field(default_factory=dict)

    @property
    def open_stages(self) -> list[Stage]:
        return [s for s in self.stages.values() if s.outcome is None]

    def actor(self, caller: int) -> Actor:
        owner = self.owners[caller % len(self.owners)]
        return Actor("user", "bench", owner, f"Rep {owner}", "rep")

    def expected_board(self, owner: int | None = None) -> dict[int, tuple[int, int, int]]:
        board = {s.id: [0, 0, 0] for s in self.stages.values()}
        for (deal_owner, stage_id), sums in self.expected.items():
            if owner is None or deal_owner == owner:
                board[stage_id] = [a + b for a, b in zip(board[stage_id], sums, strict=True)]
        return {k: (v[0], v[1], v[2]) for k, v in board.items()}


async def create_schema(target: Path | str) -> None:
    """Migrations, the default pipeline and the reps, through the engine itself."""
    engine = await Engine.open(target)
    try:
        admin = Actor.cli("bench")
        for n in range(1, OWNERS + 1):
            await engine.users.upsert(UserDraft(f"Rep {n}", f"rep{n}@example.com"), admin)
    finally:
        await engine.close()


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


def load_world(conn: sqlite3.Connection) -> World:
    """The pipeline, its stages and the reps the schema was created with."""
    pipeline_id = conn.execute("SELECT id FROM pipelines WHERE is_default = 1").fetchone()[0]
    return World(
        pipeline_id,
        {
            r["key"]: Stage(r["id"], r["key"], r["probability"], r["outcome"])
            for r in conn.execute(
                "SELECT * FROM stages WHERE pipeline_id = ? ORDER BY position", (pipeline_id,)
            )
        },
        [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id")],
    )


def find_open_deals(conn: sqlite3.Connection, world: World) -> None:
    """The seeded open deals, in the order they were inserted, for the stage moves."""
    index = {stage.id: i for i, stage in enumerate(world.open_stages)}
    rows = conn.execute(
        "SELECT id, stage_id FROM deals WHERE status = 'open' AND archived = 0 ORDER BY id"
    )
    world.open_deals = [(r[0], index[r[1]]) for r in rows]


def seed_deal(world: World, n: int, rng: random.Random) -> tuple[object, ...]:
    """Seeded deal ``n``'s values, in ``INSERT_DEAL``'s order; an open one counts on the board."""
    key = rng.choices(list(STAGE_MIX), weights=list(STAGE_MIX.values()))[0]
    stage = world.stages[key]
    owner = rng.choice(world.owners)
    revenue = None if rng.random() < NO_REVENUE_SHARE else rng.randrange(300_00, 60_000_00)
    manual = stage.outcome is None and rng.random() < MANUAL_PROBABILITY_SHARE
    probability = rng.randrange(0, 101) if manual else stage.probability
    archived = rng.random() < ARCHIVED_SHARE
    status = stage.outcome or "open"
    day = f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T09:00:00.000000Z"
    values = (
        world.pipeline_id, stage.id, f"Chantier {n}", owner, revenue, rng.randrange(4),
        probability, int(manual), status, "prix" if status == "lost" else None,
        int(archived), day, None if status == "open" else day, day, day,
    )  # fmt: skip
    if status == "open" and not archived:
        sums = world.expected.setdefault((owner, stage.id), [0, 0, 0])
        sums[0] += 1
        sums[1] += revenue or 0
        sums[2] += (revenue or 0) * probability
    return values


# -- write throughput -------------------------------------------------------------

ThreadOp = Callable[[], None]
TaskOp = Callable[[], Awaitable[object]]


def plain_connection(path: Path, *, shared: bool = False) -> sqlite3.Connection:
    """The baseline's connection: the engine's durability, nothing of its machinery."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=not shared)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    return conn


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


def sqlite_opener(path: Path) -> Callable[[bool], sqlite3.Connection]:
    return lambda shared: plain_connection(path, shared=shared)


def thread_rate(
    connect: Callable[[bool], C],
    threads: int,
    seconds: float,
    make_op: Callable[[C, int], ThreadOp],
    *,
    shared: bool = False,
) -> float:
    """Operations per second of ``threads`` threads.

    Each thread has its own connection (on SQLite it waits on the write lock
    with the busy timeout), or, ``shared``, all use one connection under a
    mutex. ``connect(shared)`` opens one.
    """
    common = connect(True) if shared else None
    mutex = threading.Lock()
    counts = [0] * threads
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)

    def work(caller: int) -> None:
        conn = common if common is not None else connect(False)
        try:
            op = make_op(conn, caller)
            ready.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                if common is None:
                    op()
                else:
                    with mutex:
                        op()
                counts[caller] += 1
        except BaseException as exc:
            errors.append(exc)
            ready.abort()
        finally:
            if common is None:
                conn.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if common is not None:
        common.close()
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


@dataclass(slots=True)
class CommitStats:
    jobs: int = 0
    commits: int = 0

    def add(self, stats: dict[str, int]) -> None:
        self.jobs += stats["jobs"]
        self.commits += stats["commits"]


BENCH_ACTOR = Actor.system("bench")


async def task_rate(
    target: Path | str,
    callers: int,
    seconds: float,
    make_op: Callable[[Engine, int], TaskOp],
    commits: CommitStats,
) -> float:
    """Operations per second of ``callers`` asyncio tasks sharing one engine."""
    engine = await Engine.open(target)
    try:
        await check_durable(engine)
        before = dict(engine.db.stats)
        ops = [make_op(engine, i) for i in range(callers)]
        deadline = time.perf_counter() + seconds

        async def run(op: TaskOp) -> int:
            done = 0
            while time.perf_counter() < deadline:
                await op()
                done += 1
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(run(op) for op in ops))
        elapsed = time.perf_counter() - started
        commits.add({k: v - before[k] for k, v in engine.db.stats.items()})
    finally:
        await engine.close()
    return sum(counts) / elapsed


async def check_durable(engine: Engine) -> None:
    """The engine's writer commits durably: ``synchronous=FULL``, or ``synchronous_commit=on``."""
    if engine.db.dialect == "sqlite":
        durability = await engine.db.write(lambda tx: tx.scalar("PRAGMA synchronous"), BENCH_ACTOR)
        assert durability == 2, "the engine's writer must commit with synchronous=FULL"
    else:
        setting = await engine.db.write(
            lambda tx: tx.scalar("SHOW synchronous_commit"), BENCH_ACTOR
        )
        assert setting == "on", "the engine's writer must commit with synchronous_commit=on"


def _moves(world: World, caller: int, callers: int) -> Iterator[tuple[int, Stage]]:
    """Endless stage moves over this caller's own open deals, never a no-op."""
    current = dict(world.open_deals[caller::callers])
    stages = world.open_stages
    for deal_id in itertools.cycle(list(current)):
        current[deal_id] = (current[deal_id] + 1) % len(stages)
        yield deal_id, stages[current[deal_id]]


def sqlite_create(world: World) -> Callable[[sqlite3.Connection, int], ThreadOp]:
    first = world.open_stages[0]

    def make(conn: sqlite3.Connection, caller: int) -> ThreadOp:
        owner = world.owners[caller % len(world.owners)]
        numbers = itertools.count()

        def op() -> None:
            now = clock.now_db()
            conn.execute(
                INSERT_DEAL,
                (
                    world.pipeline_id, first.id, f"Bench {caller}.{next(numbers)}", owner,
                    123_450, 0, first.probability, 0, "open", None, 0, now, None, now, now,
                ),
            )  # fmt: skip

        return op

    return make


def sqlite_move(world: World, callers: int) -> Callable[[sqlite3.Connection, int], ThreadOp]:
    def make(conn: sqlite3.Connection, caller: int) -> ThreadOp:
        moves = _moves(world, caller, callers)

        def op() -> None:
            deal_id, stage = next(moves)
            now = clock.now_db()
            conn.execute(MOVE_DEAL, (stage.id, stage.probability, now, now, deal_id))

        return op

    return make


def engine_create(world: World) -> Callable[[Engine, int], TaskOp]:
    def make(engine: Engine, caller: int) -> TaskOp:
        actor = world.actor(caller)
        numbers = itertools.count()

        async def op() -> object:
            draft = DealDraft(f"Bench {caller}.{next(numbers)}", expected_revenue="1234.50")
            return await engine.deals.create(draft, actor)

        return op

    return make


def engine_move(world: World, callers: int) -> Callable[[Engine, int], TaskOp]:
    def make(engine: Engine, caller: int) -> TaskOp:
        actor = world.actor(caller)
        moves = _moves(world, caller, callers)

        async def op() -> object:
            deal_id, stage = next(moves)
            return await engine.deals.move(deal_id, stage.key, actor)

        return op

    return make


@dataclass(frozen=True, slots=True)
class Settings:
    deals: int
    seconds: float
    rounds: int
    iterations: int
    plans: bool
    breakdown: bool
    database: str | None = None  # a postgresql:// server: the PostgreSQL bench (bench/pg_engine.py)


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
        f"{label}: engine {_runs(mine)} ({commits.jobs / max(commits.commits, 1):.1f} jobs"
        f" per commit); sqlite3 own connections {_runs(own)}"
        + (f"; one shared connection + lock {_runs(shared)}" if shared else "")
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

Job = Callable[[Tx, str], object]


def breakdown_jobs(world: World) -> dict[str, Job]:
    """Ever more of a deal creation, each run as one ``Engine.write`` job."""
    first = world.open_stages[0]

    def bare_insert(tx: Tx, title: str) -> object:
        row = (world.pipeline_id, first.id, title, tx.actor.user_id, 123_450, 0,
               first.probability, 0, "open", None, 0, tx.now, None, tx.now, tx.now)  # fmt: skip
        return tx.execute(INSERT_DEAL, row).lastrowid

    def create(tx: Tx, title: str) -> int:
        return deals.create_deal(tx, DealDraft(title, expected_revenue="1234.50"))

    return {
        "empty job (queue, hop, BEGIN … COMMIT, no fsync)": lambda tx, title: None,
        "the baseline's bare INSERT": bare_insert,
        "deals.create_deal (validation, timeline)": create,
        "create_deal + get_deal in the same job": lambda tx, t: queries.get_deal(
            tx.conn, create(tx, t)
        ),
    }


def engine_job(world: World, job: Job) -> Callable[[Engine, int], TaskOp]:
    def make(engine: Engine, caller: int) -> TaskOp:
        actor = world.actor(caller)
        numbers = itertools.count()

        async def op() -> object:
            title = f"Bench {caller}.{next(numbers)}"
            return await engine.db.write(lambda tx: job(tx, title), actor)

        return op

    return make


def measure_breakdown(fresh: Callable[[], Path | str], world: World, settings: Settings) -> str:
    variants = {name: engine_job(world, job) for name, job in breakdown_jobs(world).items()}
    variants["Engine.deals.create (job, then read back)"] = engine_create(world)
    most = CALLERS[-1]
    lines = [
        f"| Engine.write job | 1 caller | {most} callers | jobs per commit at {most} |",
        "|---|---:|---:|---:|",
    ]
    for name, make_op in variants.items():
        rates = []
        for callers in CALLERS:
            commits = CommitStats()  # the last one, of the most callers, is shown
            runs = [
                asyncio.run(task_rate(fresh(), callers, settings.seconds, make_op, commits))
                for _ in range(settings.rounds)
            ]
            rates.append(f"{max(runs):,.0f}/s")
        share = commits.jobs / max(commits.commits, 1)
        lines.append(f"| {name} | {' | '.join(rates)} | {share:.1f} |")
    return "\n".join(lines)


def _runs(values: Sequence[float]) -> str:
    return "/".join(f"{v:,.0f}" for v in values)


# -- read latency -----------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


Query = tuple[str, Callable[[sqlite3.Connection, int], list[StageSummary]]]
QUERIES: tuple[Query, ...] = (
    ("my pipeline", lambda conn, owner: queries.my_pipeline(conn, owner)),
    ("board", lambda conn, owner: queries.board(conn)),
)


def _bound(
    fn: Callable[[sqlite3.Connection, int], list[StageSummary]], owner: int
) -> Callable[[sqlite3.Connection], list[StageSummary]]:
    return lambda conn: fn(conn, owner)


async def engine_latencies(
    path: Path | str, world: World, iterations: int
) -> dict[str, list[float]]:
    """Milliseconds per call of each query through ``Engine.read`` (the async path)."""
    engine = await Engine.open(path)
    samples: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
    try:
        for name, fn in QUERIES:
            for i in range(iterations + 10):
                owner = world.owners[i % len(world.owners)]
                started = time.perf_counter()
                summaries = await engine.db.read(_bound(fn, owner))
                if i >= 10:  # the first calls warm the page cache
                    samples[name].append((time.perf_counter() - started) * 1000)
                check_summaries(world, name, owner, summaries)
    finally:
        await engine.close()
    return samples


def direct_latencies(path: Path | str, world: World, iterations: int) -> dict[str, list[float]]:
    """The same query functions on a plain sqlite3 connection, no thread hop."""
    conn = open_sync(path)
    samples: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
    try:
        for name, fn in QUERIES:
            for i in range(iterations + 10):
                owner = world.owners[i % len(world.owners)]
                started = time.perf_counter()
                fn(conn, owner)
                if i >= 10:
                    samples[name].append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return samples


def check_summaries(world: World, name: str, owner: int, summaries: list[StageSummary]) -> None:
    """The engine's figures must equal the sums computed while seeding, to the cent."""
    expected = world.expected_board(owner if name == "my pipeline" else None)
    got = {s.stage_id: (s.count, s.revenue, s.weighted) for s in summaries}
    want = {
        k: (n, quantize(Decimal(r) / 100), quantize(Decimal(w) / 10_000))
        for k, (n, r, w) in expected.items()
    }
    if got != want:
        raise SystemExit(f"{name}: wrong figures\n got  {got}\n want {want}")


def measure_reads(path: Path | str, world: World, settings: Settings) -> list[Row]:
    mine = asyncio.run(engine_latencies(path, world, settings.iterations))
    direct = direct_latencies(path, world, settings.iterations)
    rows = []
    for name, _ in QUERIES:
        for p in (50, 99):
            engine_ms, direct_ms = percentile(mine[name], p), percentile(direct[name], p)
            gated = p == 99
            rows.append(
                Row(
                    f"{name} p{p} ms, {settings.deals:,} deals",
                    engine_ms,
                    direct_ms,
                    "ms",
                    f"< {P99_TARGET_MS:.0f} ms" if gated else "",
                    engine_ms < P99_TARGET_MS if gated else None,
                )
            )
    return rows


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


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    engine: float
    baseline: float
    unit: str  # "rate" (per second) or "ms"
    target: str = ""
    passed: bool | None = None

    def cells(self) -> list[str]:
        shown = "{:,.0f}" if self.unit == "rate" else "{:.2f}"
        verdict = "—" if self.passed is None else ("OK" if self.passed else "MISSED")
        return [
            self.measure,
            shown.format(self.engine),
            shown.format(self.baseline),
            f"{self.engine / self.baseline:.2f}" if self.baseline else "—",
            self.target or "—",
            verdict,
        ]


HEADER = ["measure", "engine", "baseline", "ratio", "target", "verdict"]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned so that it also reads well in a terminal."""
    cells = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]

    def line(values: list[str]) -> str:
        padded = [
            v.ljust(w) if i in (0, 4, 5) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + (":" if i in (1, 2, 3) else "-") for i, w in enumerate(widths)
    ) + "|"  # fmt: skip
    return "\n".join([line(HEADER), rule, *(line(c) for c in cells[1:])])


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
baseline = plain sqlite3: the bare INSERT / UPDATE with one commit each from N threads,
           the faster of own connections (busy timeout) and one shared connection under
           a lock; for reads, the same query functions called on a sqlite3 connection.
           Both sides run WAL with synchronous=FULL.
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
    return [
        table([*write_rows, *read_rows]),
        "",
        LEGEND,
        *(f"  {note}" for note in notes),
        f"  {settings.deals:,} deals seeded in {seeded:.1f} s; every read through the engine"
        " matched the sums computed while seeding, to the cent.",
        *(["", breakdown] if breakdown else []),
    ]


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
