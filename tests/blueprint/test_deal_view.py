"""Engine.deals.view: what a card shows, in one snapshot, as the separate reads give it."""

from __future__ import annotations

from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft


async def test_the_view_agrees_with_the_separate_reads(governed: Engine, alice: Actor) -> None:
    draft = DealDraft("Poêle Dupont", ContactDraft("Jean Dupont", "jean@dupont.fr"))
    deal = await governed.deals.create(draft, alice)
    await governed.activities.create(ActivityDraft("call", "Rappeler", deal_id=deal.id), alice)
    view = await governed.deals.view(deal.id, alice)
    assert view.deal == await governed.deals.get(deal.id)
    assert view.pipeline == await governed.pipelines.get(deal.pipeline_id)
    assert view.owner is not None and view.owner.email == "alice@example.com"
    assert view.contact is not None and view.contact.email == "jean@dupont.fr"
    assert view.activities == await governed.activities.on_record("deal", deal.id)
    assert view.blueprint == await governed.blueprints.of_deal(deal.id)
    assert view.transitions == await governed.blueprints.transitions(deal.id, alice)
    assert view.transitions  # the default blueprint leads out of Nouveau


async def test_without_an_actor_or_a_blueprint_there_are_no_transitions(
    engine: Engine, alice: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Libre"), alice)
    view = await engine.deals.view(deal.id, alice)
    assert view.blueprint is None and view.transitions == [] and view.contact is None
    assert (await engine.deals.view(deal.id)).transitions == []
