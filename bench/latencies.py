"""Read latency of the engine's queries, against the same functions called on a connection.

Shared by ``bench/engine.py`` and ``bench/pg_engine.py`` (through this module, not
through each other): the engine's async read path timed call by call, the same
query functions timed on a plain connection, and every figure the engine read
checked against the sums computed while seeding.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from bench.figures import Row
from bench.rates import Settings, World
from engine.core import Engine
from engine.crm import queries
from engine.crm.records import StageSummary
from engine.money import quantize
from engine.store.db import open_sync

P99_TARGET_MS = 20.0


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
