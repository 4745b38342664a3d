"""Who changed which fields past a version: the engine's answer to an out-of-date click."""

from __future__ import annotations

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft


async def test_changes_since_names_each_author_and_field_the_last_change_first(
    engine: Engine, alice: Actor, bob: Actor, admin: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Insert disputé"), alice)
    seen = deal.version
    await engine.deals.update(deal.id, {"expected_revenue": "4200"}, bob)
    await engine.deals.update(deal.id, {"priority": 2, "origin": "salon"}, admin)
    edits = await engine.timeline.changes_since("deal", deal.id, seen)
    assert [(e.name, sorted(e.fields)) for e in edits] == [
        (None, ["origin", "priority"]),  # the command line: no Relais user
        ("Bob Durand", ["expected_revenue"]),
    ]
    bob_id = (await engine.users.get("U_BOB")).id
    assert edits[1].user_id == bob_id and edits[0].user_id is None


async def test_nothing_changed_past_the_current_version(engine: Engine, alice: Actor) -> None:
    deal = await engine.deals.create(DealDraft("Poêle tranquille"), alice)
    await engine.deals.update(deal.id, {"expected_revenue": "10"}, alice)
    current = (await engine.deals.get(deal.id)).version
    assert await engine.timeline.changes_since("deal", deal.id, current) == []
    assert await engine.timeline.changes_since("deal", deal.id + 99, 0) == []
