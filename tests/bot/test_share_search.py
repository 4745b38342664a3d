"""Issue 16: a card shared with the channel, and ``/crm search`` — signed HTTP, fake Slack."""

from __future__ import annotations

import json
from typing import Any

from bot.app import SlackBot
from engine.api import Actor, Engine
from engine.api.crm import ContactDraft, DealDraft, LeadDraft
from tests.bot.helpers import buttons, last_answer
from tests.fakes.slack import Call, FakeSlack, SlackClient


def action_values(call: Call, action_id: str) -> list[str]:
    """Every value of the buttons ``action_id`` in the message (search lists repeat them)."""
    found: list[str] = []
    for block in call.params.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if "accessory" in block:
            elements.append(block["accessory"])
        found += [e.get("value", "") for e in elements if e.get("action_id") == action_id]
    return found


def flat(call: Call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False).replace("\\u202f", "\u202f")


# -- share -------------------------------------------------------------------------------


async def test_a_deal_card_is_shared_with_the_channel(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(
        DealDraft("Poêle Dupont", expected_revenue="7500"), Actor.cli()
    )
    await slack.command(f"deal {deal.id}")
    card = await last_answer(fake, bot)
    assert card.params["response_type"] == "ephemeral"
    assert buttons(card)["share_card"] == f"deal|{deal.id}"
    await slack.click("share_card", f"deal|{deal.id}")
    shared = await last_answer(fake, bot)
    assert shared.params["response_type"] == "in_channel"
    assert shared.params["replace_original"] is False  # the private card stays
    assert f"D-{deal.id} · Poêle Dupont" in flat(shared)
    assert "Partagé par <@U_ALICE>" in shared.text()  # Alice reads French
    assert "share_card" not in buttons(shared) and "deal_move_0" not in buttons(shared)
    assert buttons(shared)["deal_show"] == str(deal.id)  # Open: the full card, privately


async def test_a_quote_and_a_lead_are_shared_too(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead = await relais.leads.create(LeadDraft("Projet insert"), Actor.cli())
    await slack.click("card_open", f"lead|{lead.id}", user="U_BOB")
    private = await last_answer(fake, bot)
    assert {"lead_claim", "lead_convert", "share_card"} <= set(buttons(private))
    await slack.click("share_card", buttons(private)["share_card"], user="U_BOB")
    shared = await last_answer(fake, bot)
    assert shared.params["response_type"] == "in_channel"
    assert "Shared by <@U_BOB>" in shared.text() and f"L-{lead.id}" in flat(shared)


async def test_sharing_without_a_response_url_posts_in_the_channel_and_a_gone_record_is_told(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Insert Morel"), Actor.cli())
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": "U_ALICE"}, "team": {"id": "T0TEST"},
        "trigger_id": slack.trigger(), "container": {"type": "message"},
        "channel": {"id": "C_SALES"},
        "actions": [{"action_id": "share_card", "block_id": "b", "type": "button",
                     "value": f"deal|{deal.id}"}],
    }  # fmt: skip
    await slack.interact(payload)
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    assert posted.params["channel"] == "C_SALES" and "Insert Morel" in flat(posted)
    await slack.click("share_card", "deal|999")
    gone = await last_answer(fake, bot)
    assert gone.params["response_type"] == "ephemeral" and "999" in gone.text()


# -- search ------------------------------------------------------------------------------


async def test_search_finds_deals_leads_contacts_and_organisations(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actor = Actor.cli()
    hélène = ContactDraft("Hélène Dupont", "helene@dupont-bois.fr")
    deal = await relais.deals.create(DealDraft("Poêle à granulés", contact=hélène), actor)
    lead = await relais.leads.create(LeadDraft("Insert Hélène", contact=hélène), actor)
    await relais.deals.create(DealDraft("Chantier Martin"), actor)
    await slack.command("search HÉLÈNE")
    found = await last_answer(fake, bot)
    said = flat(found)
    assert "Recherche « HÉLÈNE »" in found.text()
    assert f"D-{deal.id} · Poêle à granulés" in said and f"L-{lead.id} · Insert Hélène" in said
    assert "Hélène Dupont" in said and "Chantier Martin" not in said
    assert action_values(found, "deal_show") == [str(deal.id)]
    assert action_values(found, "share_card") == [f"lead|{lead.id}"]
    assert action_values(found, "lead_claim")  # a lead found keeps its actions
    (contact,) = action_values(found, "search_again")
    assert contact == "helene@dupont-bois.fr"
    await slack.click("search_again", contact)
    again = await last_answer(fake, bot)
    assert f"D-{deal.id}" in flat(again) and "Dupont Bois" not in flat(again)  # by e-mail


async def test_search_takes_percent_literally_caps_the_cards_and_says_how_many_more(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actor = Actor.cli()
    await relais.deals.create(DealDraft("Remise 100% Dupont"), actor)
    await relais.deals.create(DealDraft("Remise 1000 Martin"), actor)
    await slack.command("search 100%", user="U_BOB")
    found = await last_answer(fake, bot)
    assert "Remise 100% Dupont" in flat(found) and "Remise 1000" not in flat(found)
    for n in range(8):
        await relais.deals.create(DealDraft(f"Chantier n°{n}"), actor)
    await slack.command("search chantier", user="U_BOB")
    many = await last_answer(fake, bot)
    assert len(action_values(many, "deal_show")) == 5
    assert "… and 3 more: narrow the search." in flat(many)
    await slack.command("search zzz", user="U_BOB")
    assert "Nothing matches “zzz”" in (await last_answer(fake, bot)).text()
    await slack.command("search", user="U_BOB")
    assert "/crm search <text>" in (await last_answer(fake, bot)).text()


async def test_search_within_block_kit_limits_with_every_kind_full(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actor = Actor.cli()
    for n in range(7):
        person = ContactDraft(f"Durand {n}", f"durand{n}@durand{n}.fr")
        await relais.deals.create(DealDraft(f"Durand poêle {n}", contact=person), actor)
        await relais.leads.create(LeadDraft(f"Durand insert {n}", contact=person), actor)
    await slack.command("search durand")
    found = await last_answer(fake, bot)
    assert len(found.params["blocks"]) <= 50  # and the fake checked every limit (on stop)
    assert flat(found).count("… et 2 de plus") == 4  # deals, leads, contacts, organisations
