"""What the engine benches share on either database: the seeded world, the rates, the table.

``bench/engine.py`` (SQLite) and ``bench/pg_engine.py`` (PostgreSQL) both import
this module and neither imports the other's helpers, so that the two measure
with the same code: the same deals seeded, the same operations timed the same
way (``thread_rate`` for a baseline's threads, ``task_rate`` for the engine's
asyncio callers), the same table printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft

OWNERS = 20


WRITE_SEED_DEALS = 2_000


CALLERS = (1, 32)


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


ThreadOp = Callable[[], None]


TaskOp = Callable[[], Awaitable[object]]


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


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


INSERT_TIMELINE = (
    "INSERT INTO timeline (at, actor_kind, actor_user_id, actor_label, channel, entity,"
    " entity_id, action, changes, version) VALUES (?, ?, ?, ?, ?, 'deal', ?, ?, ?, ?)"
)


def created_deal(world: World, caller: int, number: int, now: str) -> tuple[object, ...]:
    """A baseline's new deal, in ``INSERT_DEAL``'s order: what the engine's callers create."""
    first = world.open_stages[0]
    owner = world.owners[caller % len(world.owners)]
    return (
        world.pipeline_id, first.id, f"Bench {caller}.{number}", owner, 123_450, 0,
        first.probability, 0, "open", None, 0, now, None, now, now,
    )  # fmt: skip


def timeline_entry(
    world: World, caller: int, deal_id: int, action: str, changes: Mapping[str, object], now: str
) -> tuple[object, ...]:
    """A baseline's timeline row, in ``INSERT_TIMELINE``'s order: as ``Tx.record`` writes one."""
    actor = world.actor(caller)
    plain = {
        name: [None, value] if action == "created" else value for name, value in changes.items()
    }
    return (
        now, actor.kind, actor.user_id, actor.label, actor.channel, deal_id, action,
        json.dumps(plain), 1 if action == "created" else None,
    )  # fmt: skip


def moves_of(world: World, caller: int, callers: int) -> Iterator[tuple[int, Stage]]:
    """Endless stage moves over this caller's own open deals, never a no-op."""
    current = dict(world.open_deals[caller::callers])
    stages = world.open_stages
    for deal_id in itertools.cycle(list(current)):
        current[deal_id] = (current[deal_id] + 1) % len(stages)
        yield deal_id, stages[current[deal_id]]


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
        moves = moves_of(world, caller, callers)

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
