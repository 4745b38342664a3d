"""``engine.search.find``: deals, leads, contacts and organisations in one read."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft


@pytest.fixture
async def crm(engine: Engine, alice: Actor) -> Engine:
    dupont = ContactDraft("Jean Dupont", "jean@dupont.fr")
    await engine.deals.create(DealDraft("Poêle Dupont", contact=dupont), alice)
    await engine.deals.create(DealDraft("Insert Martin", organisation="Dupont & Fils"), alice)
    await engine.deals.create(DealDraft("Remise 100% Leroy"), alice)
    await engine.leads.create(LeadDraft("Projet insert", contact=dupont), alice)
    await engine.leads.create(LeadDraft("Granulés pour Hélène"), alice)
    await engine.contacts.find_or_create(ContactDraft("Anne Dupontel", "anne@x.fr"), alice)
    return engine


async def test_one_search_finds_every_kind(crm: Engine) -> None:
    hits = await crm.search.find("dupont")
    assert sorted(d.title for d in hits.deals) == ["Insert Martin", "Poêle Dupont"]
    assert [lead.title for lead in hits.leads] == ["Projet insert"]
    assert sorted(c.name for c in hits.contacts) == ["Anne Dupontel", "Jean Dupont"]
    assert [o.name for o in hits.organisations] == ["Dupont", "Dupont & Fils"]  # dupont.fr
    assert hits.totals == {"deal": 2, "lead": 1, "contact": 2, "organisation": 2}


async def test_case_accents_and_wildcards(crm: Engine) -> None:
    assert [d.title for d in (await crm.search.find("POÊLE")).deals] == ["Poêle Dupont"]
    for typed in ("hélène", "HÉLÈNE", "granulés pour"):
        assert [x.title for x in (await crm.search.find(typed)).leads] == ["Granulés pour Hélène"]
    assert (await crm.search.find("helene")).count == 0  # accents are letters of their own
    found = await crm.search.find("100%")
    assert [d.title for d in found.deals] == ["Remise 100% Leroy"] and found.count == 1
    assert (await crm.search.find("%")).count == 1  # a literal %, not "anything"
    assert (await crm.search.find("_")).count == 0


async def test_the_limit_caps_each_kind_and_totals_say_how_many_more(
    engine: Engine, alice: Actor
) -> None:
    for n in range(7):
        await engine.deals.create(DealDraft(f"Chantier {n}"), alice)
    hits = await engine.search.find("chantier", limit=3)
    assert len(hits.deals) == 3 and hits.totals["deal"] == 7 and hits.more("deal") == 4


async def test_an_id_finds_the_deal_and_the_lead(crm: Engine) -> None:
    hits = await crm.search.find("#1")
    assert [d.id for d in hits.deals] == [1] and [x.id for x in hits.leads] == [1]
    assert (await crm.search.find("   ")).count == 0
