"""Two reps editing one deal at once: one wins, the other is told what changed."""

import asyncio

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.errors import Conflict


async def test_concurrent_edits_of_one_deal_never_overwrite_silently(
    engine: Engine, alice: Actor, bob: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Tubage inox", expected_revenue="3000"), alice)
    results = await asyncio.gather(
        engine.deals.update(deal.id, {"expected_revenue": "3500"}, alice, deal.version),
        engine.deals.update(
            deal.id, {"expected_revenue": "2800", "priority": 3}, bob, deal.version
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    # Either may commit first (PostgreSQL runs writes side by side): the loser is told
    # exactly what the winner changed.
    alice_won = not isinstance(results[0], BaseException)
    winner_changed = ["expected_revenue"] if alice_won else ["expected_revenue", "priority"]
    assert losers[0].changed == winner_changed
    assert "expected_revenue" in losers[0].message
    final = await engine.deals.get(deal.id)
    assert final.version == deal.version + 1
    assert final.expected_revenue == winners[0].expected_revenue


async def test_many_concurrent_writers_share_commits_and_lose_nothing(
    engine: Engine, alice: Actor
) -> None:
    deals = await asyncio.gather(
        *(engine.deals.create(DealDraft(f"Deal {i}"), alice) for i in range(200))
    )
    assert len({d.id for d in deals}) == 200
    stats = engine.db.stats
    assert stats["jobs"] >= 200 and stats["commits"] < stats["jobs"]


async def test_a_failing_job_does_not_roll_back_its_batch_mates(
    engine: Engine, alice: Actor
) -> None:
    good = [engine.deals.create(DealDraft(f"OK {i}"), alice) for i in range(5)]
    bad = engine.deals.create(DealDraft("Bad", priority=9), alice)
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert sum(1 for r in results if isinstance(r, BaseException)) == 1
    assert len(await engine.deals.search("OK")) == 5


async def test_stale_version_on_move_is_a_conflict(
    engine: Engine, alice: Actor, bob: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Raccordement"), alice)
    await engine.deals.move(deal.id, "devis", bob, deal.version)
    with pytest.raises(Conflict) as conflict:
        await engine.deals.move(deal.id, "estimation", alice, deal.version)
    assert "stage_id" in conflict.value.changed
