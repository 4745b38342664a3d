import asyncio

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.errors import ValidationFailed
from engine.events import DomainEvent


async def test_every_change_is_on_the_timeline_with_actor_and_values(
    engine: Engine, alice: Actor, bob: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Tubage", expected_revenue="900"), alice)
    await engine.deals.update(deal.id, {"expected_revenue": "950.5", "priority": 1}, bob)
    entries = await engine.timeline.of("deal", deal.id)
    assert [e.action for e in entries] == ["created", "updated"]
    update = entries[-1]
    assert (update.actor_kind, update.actor_label, update.channel) == (
        "user",
        "Bob Durand",
        "slack",
    )
    assert update.changes == {"expected_revenue": ["900.00", "950.50"], "priority": [0, 1]}
    assert update.version == 2


async def test_events_are_published_after_commit_and_never_for_rolled_back_work(
    engine: Engine, alice: Actor
) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    engine.bus.subscribe("deal.*", collect)
    deal = await engine.deals.create(DealDraft("Foyer"), alice)
    await engine.deals.move(deal.id, "devis", alice)
    with pytest.raises(ValidationFailed):
        await engine.deals.update(deal.id, {"priority": 7}, alice)
    await engine.bus.drain()
    assert [e.name for e in seen] == ["deal.created", "deal.stage_changed"]
    moved = seen[1]
    assert moved.actor == alice
    assert moved.data["from_stage"] == "Nouveau" and moved.data["to_stage"] == "Devis"
    assert moved.changes["probability"] == (10, 60)


async def test_a_failing_subscriber_does_not_break_the_write(engine: Engine, alice: Actor) -> None:
    async def broken(event: DomainEvent) -> None:
        raise RuntimeError("boom")

    engine.bus.subscribe("*", broken)
    deal = await engine.deals.create(DealDraft("Solide"), alice)
    await asyncio.sleep(0)
    await engine.bus.drain()
    assert (await engine.deals.get(deal.id)).title == "Solide"
