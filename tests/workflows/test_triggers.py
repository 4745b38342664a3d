"""Every trigger × event starts its workflow once — and only its own workflows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.price_rules import RuleBook
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft, update_contact
from engine.crm.leads import LeadDraft
from engine.workflows import updates as workflow_updates
from engine.workflows.runner import WorkflowRunner
from tests.workflows.conftest import install, new_deal, runs

Act = Callable[[Engine, Actor], Awaitable[object]]


async def contact_created(engine: Engine, alice: Actor) -> object:
    return await engine.contacts.find_or_create(ContactDraft("Marie Curie", "marie@x.fr"), alice)


async def contact_updated(engine: Engine, alice: Actor) -> object:
    contact = await engine.contacts.find_or_create(ContactDraft("Marie", "marie@x.fr"), alice)
    draft = ContactDraft("Marie Curie", phone="01 23 45 67 89")
    return await engine.db.write(lambda tx: update_contact(tx, contact.id, draft, None), alice)


async def organisation_created(engine: Engine, alice: Actor) -> object:
    draft = ContactDraft("Marie", "marie@acme.fr", organisation="Acme")
    return await engine.contacts.find_or_create(draft, alice)


async def organisation_updated(engine: Engine, alice: Actor) -> object:
    contact = await organisation_created(engine, alice)
    org = getattr(contact, "organisation_id")  # noqa: B009
    change = {"address": "1 rue de la Paix"}
    return await engine.db.write(
        lambda tx: workflow_updates.update(tx, "organisation", org, change), alice
    )


async def lead_created(engine: Engine, alice: Actor) -> object:
    return await engine.leads.create(LeadDraft("Poêle", ContactDraft("Jean", "j@x.fr")), alice)


async def lead_updated(engine: Engine, alice: Actor) -> object:
    lead = await engine.leads.create(LeadDraft("Poêle"), alice)
    return await engine.leads.set_status(lead.id, "contacted", alice)


async def lead_converted(engine: Engine, alice: Actor) -> object:
    lead = await engine.leads.create(LeadDraft("Poêle"), alice)
    return await engine.leads.convert(lead.id, alice)


async def deal_created(engine: Engine, alice: Actor) -> object:
    return await new_deal(engine, alice)


async def deal_updated(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    return await engine.deals.update(deal.id, {"priority": 2}, alice)


async def deal_stage_changed(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    return await engine.deals.move(deal.id, "devis", alice)


async def deal_won(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    return await engine.deals.move(deal.id, "gagne", alice)


async def deal_lost(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    return await engine.deals.move(deal.id, "perdu", alice, lost_reason="trop cher")


async def deal_deleted(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    await engine.deals.delete(deal.id, Actor.cli())
    return deal


async def activity_created(engine: Engine, alice: Actor) -> object:
    deal = await new_deal(engine, alice)
    return await engine.activities.create(ActivityDraft("call", "Appeler", deal_id=deal.id), alice)


async def activity_updated(engine: Engine, alice: Actor) -> object:
    activity = await activity_created(engine, alice)
    return await engine.activities.complete(getattr(activity, "id"), alice)  # noqa: B009


async def _quote(engine: Engine, alice: Actor) -> int:
    await engine.products.import_all([Product("POELE", "Poêle", Decimal("2890.00"))], Actor.cli())
    engine.quotes.use(CpqSetup(RuleBook.build([], []), QuoteSettings(company=("Poêles Martin",))))
    deal = await new_deal(engine, alice)
    saved = await engine.quotes.save(deal.id, QuoteDraft((LineInput("POELE", Decimal(1)),)), alice)
    return saved.quote.id


async def quote_created(engine: Engine, alice: Actor) -> object:
    return await _quote(engine, alice)


async def quote_status_changed(engine: Engine, alice: Actor) -> object:
    return await engine.quotes.set_status(await _quote(engine, alice), "sent", alice)


CASES: list[tuple[str, str, Act]] = [
    ("contact", "created", contact_created),
    ("contact", "updated", contact_updated),
    ("organisation", "created", organisation_created),
    ("organisation", "updated", organisation_updated),
    ("lead", "created", lead_created),
    ("lead", "updated", lead_updated),
    ("lead", "converted", lead_converted),
    ("deal", "created", deal_created),
    ("deal", "updated", deal_updated),
    ("deal", "stage_changed", deal_stage_changed),
    ("deal", "won", deal_won),
    ("deal", "lost", deal_lost),
    ("deal", "deleted", deal_deleted),
    ("activity", "created", activity_created),
    ("activity", "updated", activity_updated),
    ("quote", "created", quote_created),
    ("quote", "status_changed", quote_status_changed),
]


@pytest.mark.parametrize(("entity", "event", "act"), CASES, ids=[f"{e}.{v}" for e, v, _ in CASES])
async def test_each_trigger_and_event_starts_its_workflow_once(
    engine: Engine, alice: Actor, runner: WorkflowRunner, entity: str, event: str, act: Act
) -> None:
    await install(
        engine,
        f"""
workflows:
  - name: Watch
    trigger: {{entity: {entity}, event: {event}}}
    steps:
      - webhook: {{url: "https://hooks.example/relais"}}
""",
    )
    await act(engine, alice)
    await runner.settle()
    (run,) = await runs(engine, "Watch")
    assert (run.entity, run.status) == (entity, "succeeded")
    assert run.event.startswith(f"{entity}.")
    (hook,) = [m for m in await engine.outbox.messages() if m.kind == "webhook"]
    body = hook.payload["body"]
    assert body["workflow"] == "Watch" and body["record"]["entity"] == entity
    assert body["record"]["id"] == run.entity_id


async def test_updated_sees_every_kind_of_update_and_watched_fields_narrow_it(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Any update
    trigger: {entity: deal, event: updated}
    steps: [{webhook: {url: "https://hooks.example/any"}}]
  - name: Revenue
    trigger: {entity: deal, event: updated, fields: [expected_revenue, owner]}
    steps: [{webhook: {url: "https://hooks.example/revenue"}}]
""",
    )
    deal = await new_deal(engine, alice)
    await engine.deals.update(deal.id, {"title": "PAG Rika 8 kW"}, alice)
    await engine.deals.move(deal.id, "devis", alice)
    await runner.settle()
    assert len(await runs(engine, "Any update")) == 2
    assert await runs(engine, "Revenue") == []
    await engine.deals.update(deal.id, {"expected_revenue": "9000"}, alice)
    await engine.deals.update(deal.id, {"owner": "alice@example.com"}, Actor.cli())
    await runner.settle()
    assert len(await runs(engine, "Revenue")) == 1  # the owner did not change


async def test_a_workflow_does_not_see_other_entities_or_events(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Lead lost
    trigger: {entity: lead, event: deleted}
    steps: [{webhook: {url: "https://hooks.example/x"}}]
""",
    )
    await deal_won(engine, alice)
    await lead_converted(engine, alice)
    await runner.settle()
    assert await runs(engine) == []
    assert runner.stats.started == 0 and runner.stats.entries > 5
