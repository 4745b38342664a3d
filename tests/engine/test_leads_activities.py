from datetime import timedelta

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.errors import ValidationFailed


async def test_lead_lifecycle_and_conversion_reuses_contact_and_organisation(
    engine: Engine, alice: Actor
) -> None:
    lead = await engine.leads.create(
        LeadDraft(
            "Demande de devis poêle",
            ContactDraft("Marie Curie", "marie@atelier-curie.fr", "+33 6 11 22 33 44"),
            origin="web form",
        ),
        alice,
    )
    assert lead.status == "new" and lead.organisation_id is not None
    lead = await engine.leads.set_status(lead.id, "qualified", alice)
    deal = await engine.leads.convert(lead.id, alice, expected_revenue="4200")
    converted = await engine.leads.get(lead.id)
    assert (converted.status, converted.deal_id) == ("converted", deal.id)
    assert (deal.contact_id, deal.organisation_id) == (lead.contact_id, lead.organisation_id)
    assert deal.origin == "web form" and deal.lead_id == lead.id
    with pytest.raises(ValidationFailed):
        await engine.leads.convert(lead.id, alice)


async def test_disqualifying_needs_a_reason(engine: Engine, alice: Actor) -> None:
    lead = await engine.leads.create(LeadDraft("Spam?"), alice)
    with pytest.raises(ValidationFailed) as refused:
        await engine.leads.set_status(lead.id, "disqualified", alice)
    assert "reason" in refused.value.errors
    lead = await engine.leads.set_status(lead.id, "disqualified", alice, reason="hors zone")
    assert lead.disqualify_reason == "hors zone"


async def test_contacts_are_deduplicated_by_normalised_email(engine: Engine, alice: Actor) -> None:
    first = await engine.contacts.find_or_create(
        ContactDraft("", "Jean.Dupont@Exemple-SA.fr"), alice
    )
    again = await engine.contacts.find_or_create(
        ContactDraft("Jean Dupont", "jean.dupont@exemple-sa.fr", "01 23 45 67 89"), alice
    )
    assert again.id == first.id
    assert again.name == "Jean Dupont" and again.phone == "01 23 45 67 89"
    public = await engine.contacts.find_or_create(ContactDraft("P", "p@gmail.com"), alice)
    assert public.organisation_id is None
    assert first.organisation_id is not None


async def test_my_activities_and_overdue(engine: Engine, alice: Actor, bob: Actor) -> None:
    lead = await engine.leads.create(LeadDraft("Rappel"), alice)
    now = clock.utcnow()
    late = await engine.activities.create(
        ActivityDraft("call", "Rappeler", due_at=now - timedelta(hours=2), lead_id=lead.id), alice
    )
    soon = await engine.activities.create(
        ActivityDraft("meeting", "Visite", due_at=now + timedelta(days=1), lead_id=lead.id), alice
    )
    await engine.activities.create(ActivityDraft("task", "Autre", lead_id=lead.id), bob)
    assert alice.user_id is not None
    mine = await engine.activities.mine(alice.user_id)
    assert [a.id for a in mine] == [late.id, soon.id]
    assert [a.id for a in await engine.activities.overdue(alice.user_id)] == [late.id]
    await engine.activities.complete(late.id, alice)
    assert await engine.activities.overdue(alice.user_id) == []
    moved = await engine.activities.reschedule(soon.id, now + timedelta(days=3), alice)
    assert moved.due_at is not None and moved.due_at > now + timedelta(days=2)


async def test_an_activity_must_belong_to_a_record(engine: Engine, alice: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await engine.activities.create(ActivityDraft("fax", ""), alice)
    assert set(refused.value.errors) == {"kind", "subject", "record"}
