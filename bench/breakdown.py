"""Where a write's time goes (``bench/engine.py --breakdown``): ever more of a deal creation.

Each variant runs as one ``Engine.write`` job (or, last, the whole
``Engine.deals.create``) at 1 and 32 callers, on either database: the step from
one to the next is what that part of the work costs.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

from bench.rates import (
    CALLERS,
    INSERT_DEAL,
    CommitStats,
    Settings,
    TaskOp,
    World,
    engine_create,
    task_rate,
)
from engine.core import Engine
from engine.crm import deals, queries
from engine.crm.deals import DealDraft
from engine.store.db import Tx

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
        "a bare INSERT of a deal (no timeline)": bare_insert,
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
