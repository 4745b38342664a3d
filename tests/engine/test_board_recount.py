"""The board against a plain recount of the deals, after every kind of write.

The board's sums come from one aggregate query (and may one day come from a
summary kept up to date as deals change): whatever serves them, they must
equal what counting the open, unarchived deals of each stage by hand gives,
in every pipeline, after creations, moves, wins, losses, edits, archiving,
a stage's new probability and a deletion.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Awaitable, Callable
from decimal import Decimal

from engine.actors import Actor
from engine.core import Engine
from engine.crm import pipelines
from engine.crm.deals import DealDraft
from engine.crm.records import StageSummary
from engine.money import quantize

Figures = dict[str, tuple[int, Decimal, Decimal]]


def recount(conn: sqlite3.Connection, pipeline: str) -> Figures:
    """Each stage's open deals counted one by one in Python: no GROUP BY, no index."""
    stages = conn.execute(
        "SELECT s.id, s.name FROM stages s JOIN pipelines p ON p.id = s.pipeline_id"
        " WHERE p.key = ?",
        (pipeline,),
    ).fetchall()
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for deal in conn.execute("SELECT * FROM deals").fetchall():
        if deal["status"] == "open" and not deal["archived"]:
            cents = deal["expected_revenue_cents"] or 0
            counted = sums[deal["stage_id"]]
            counted[0] += 1
            counted[1] += cents
            counted[2] += cents * deal["probability"]
    return {
        s["name"]: (
            sums[s["id"]][0],
            quantize(Decimal(sums[s["id"]][1]) / 100),
            quantize(Decimal(sums[s["id"]][2]) / 10_000),
        )
        for s in stages
    }


def figures(board: list[StageSummary]) -> Figures:
    return {s.stage: (s.count, s.revenue, s.weighted) for s in board}


async def assert_board_is_recount(engine: Engine) -> None:
    for pipeline in ("default", "uk"):
        expected = await engine.db.read(functools.partial(recount, pipeline=pipeline))
        assert figures(await engine.deals.board(pipeline)) == expected, pipeline


async def seed(engine: Engine, admin: Actor, alice: Actor) -> list[int]:
    """Deals in two pipelines, some without revenue, one with a probability set by hand."""
    await engine.db.write(
        lambda tx: pipelines.create_pipeline(tx, "uk", "UK", currency="GBP"), admin
    )
    made = []
    for n, (pipeline, revenue) in enumerate(
        [("default", "1234.56"), ("default", None), ("default", "99.99"), ("uk", "500"),
         ("uk", "0.01"), ("default", "40000"), ("uk", None), ("default", "7.77")]
    ):  # fmt: skip
        deal = await engine.deals.create(
            DealDraft(f"Chantier {n}", pipeline=pipeline, expected_revenue=revenue), alice
        )
        made.append(deal.id)
    await engine.deals.update(made[2], {"probability": "37"}, alice)
    return made


async def test_the_board_is_the_recount_after_every_kind_of_write(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    made = await seed(engine, admin, alice)
    await assert_board_is_recount(engine)
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: engine.deals.move(made[0], "devis", alice),
        lambda: engine.deals.move(made[1], "visite_technique", alice),
        lambda: engine.deals.move(made[3], "gagne", alice),
        lambda: engine.deals.move(made[4], "perdu", alice, lost_reason="prix"),
        lambda: engine.deals.move(made[4], "estimation", alice),  # a lost deal reopened
        lambda: engine.deals.update(made[5], {"archived": "oui"}, alice),
        lambda: engine.deals.update(made[0], {"expected_revenue": "2500.05"}, alice),
        lambda: engine.deals.update(made[6], {"expected_revenue": "12"}, alice),
        lambda: engine.deals.update(made[2], {"probability": "81"}, alice),
        lambda: engine.pipelines.change_stage(None, "devis", admin, probability=65),
        lambda: engine.deals.update(made[5], {"archived": "non"}, alice),
        lambda: engine.deals.delete(made[7], admin),
        lambda: engine.deals.move(made[1], "gagne", alice),
    ]
    for number, step in enumerate(steps):
        await step()
        try:
            await assert_board_is_recount(engine)
        except AssertionError as exc:
            raise AssertionError(f"after step {number}: {exc}") from exc


async def test_a_stage_without_deals_shows_zeros(engine: Engine, admin: Actor) -> None:
    await engine.deals.create(DealDraft("Seul", expected_revenue="10"), admin)
    board = figures(await engine.deals.board())
    assert board["Nouveau"] == (1, Decimal("10.00"), Decimal("1.00"))
    assert board["Devis"] == (0, Decimal("0.00"), Decimal("0.00"))
    assert board["Gagné"] == (0, Decimal("0.00"), Decimal("0.00"))
