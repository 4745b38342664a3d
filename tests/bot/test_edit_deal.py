"""Editing a deal from Slack, and old buttons: signed requests against the fake Slack.

The "Edit" button of a deal card opens the form; its submission goes through
the engine's gate (protected fields refused with the transition to use, a stale
version a conflict naming who changed what); old buttons answer with who
changed the record and the current card, or say it is gone.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.app import SlackBot
from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from tests.bot.helpers import (
    button_named,
    buttons,
    errors_of,
    input_block,
    last_answer,
    open_in_one_call,
)  # fmt: skip
from tests.fakes.slack import Call, FakeSlack, SlackClient

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"


async def people(relais: Engine) -> dict[str, Actor]:
    """Alice (French) and Bob (English), reps known to Relais, as their actors."""
    admin = Actor.cli("test")
    await relais.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE", locale="fr"), admin
    )
    await relais.users.upsert(
        UserDraft("Bob Durand", "bob@example.com", "U_BOB", locale="en"), admin
    )
    return {
        "alice": await relais.users.actor_for("U_ALICE", "slack"),
        "bob": await relais.users.actor_for("U_BOB", "slack"),
    }


async def card_of(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, deal_id: int, user: str
) -> Call:
    await slack.command(f"deal {deal_id}", user=user)
    return await last_answer(fake, bot)


async def open_edit(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, card: Call, label: str, user: str
) -> dict[str, Any]:
    """Click "Edit": the form opens in one views.open, on the deal as it is now."""
    opened, updated = len(fake.of("views.open")), len(fake.of("views.update"))
    action_id, value = button_named(card, label)
    assert action_id == "deal_edit"
    assert await slack.click(action_id, value, user=user) == (200, "")
    await bot.runtime.settle()
    return await open_in_one_call(fake, opened, updated, "deal_edit")


async def test_the_edit_button_opens_the_form_with_the_deal_as_it_is(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await people(relais)
    draft = DealDraft(
        "Poêle Dupont", owner="alice@example.com", expected_revenue="7500",
        expected_close=date(2026, 12, 31), priority=2, origin="salon", campaign="automne",
    )  # fmt: skip
    deal = await relais.deals.create(draft, Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_edit(slack, fake, bot, card, "Modifier", "U_ALICE")
    assert view["title"]["text"] == "Modifier l'affaire"
    amount = input_block(view, "amount")["element"]["initial_value"]
    assert amount.replace("\u202f", " ").replace("\xa0", " ") == "7 500,00 €"
    assert input_block(view, "close")["element"]["initial_value"] == "31/12/2026"
    assert input_block(view, "owner")["element"]["initial_user"] == "U_ALICE"
    assert input_block(view, "stars")["element"]["initial_option"]["value"] == "2"
    assert input_block(view, "origin")["element"]["initial_value"] == "salon"
    assert input_block(view, "campaign")["element"]["initial_value"] == "automne"
    assert fake.take_violations() == []


async def test_a_valid_edit_updates_the_deal_and_refreshes_the_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await people(relais)
    deal = await relais.deals.create(
        DealDraft("Poêle Lenoir", expected_revenue="7500"), Actor.cli()
    )
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_edit(slack, fake, bot, card, "Modifier", "U_ALICE")
    typed = {
        "amount": "8 200 €", "close": "31/12/2026", "owner": "U_BOB", "stars": "3",
        "campaign": "printemps",
    }  # fmt: skip
    assert await slack.submit(view, typed, user="U_ALICE") == (200, "")
    saved = await relais.deals.get(deal.id)
    assert saved.expected_revenue == Decimal("8200.00")
    assert saved.expected_close == date(2026, 12, 31)
    assert saved.priority == 3 and saved.campaign == "printemps"
    bob = await relais.users.get("U_BOB")
    assert saved.owner_id == bob.id
    refreshed = await last_answer(fake, bot)
    assert refreshed.params["replace_original"] is True
    text = refreshed.text()
    assert f"Affaire n° {deal.id} modifiée" in text and "Montant prévu" in text
    assert "8 200,00" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "deal_edit" in buttons(refreshed)
    assert fake.take_violations() == []


async def test_an_amount_people_would_misread_is_a_field_error(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await people(relais)
    deal = await relais.deals.create(DealDraft("Poêle ambigu"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_edit(slack, fake, bot, card, "Modifier", "U_ALICE")
    _, body = await slack.submit(view, {"amount": "7,500", "close": "hier soir?"}, user="U_ALICE")
    errors = errors_of(body)
    assert set(errors) == {"amount", "close"}
    assert (await relais.deals.get(deal.id)).version == deal.version


async def test_a_field_the_blueprint_protects_is_refused_with_the_transition(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await people(relais)
    await relais.blueprints.save(load_blueprint_file(DEFAULT), Actor.cli("test"))
    deal = await relais.deals.create(
        DealDraft("Poêle gouverné", expected_revenue="9000"), Actor.cli()
    )
    card = await card_of(slack, fake, bot, deal.id, "U_BOB")
    view = await open_edit(slack, fake, bot, card, "Edit", "U_BOB")
    assert "Devis signé" in input_block(view, "amount")["hint"]["text"]
    _, body = await slack.submit(view, {"amount": "12,000", "origin": "web"}, user="U_BOB")
    errors = errors_of(body)
    assert list(errors) == ["amount"] and "Devis signé" in errors["amount"]
    after = await relais.deals.get(deal.id)
    assert (after.expected_revenue, after.origin, after.version) == (
        Decimal("9000.00"),
        None,
        deal.version,
    )
    # what the blueprint leaves alone is saved
    assert await slack.submit(view, {"origin": "web"}, user="U_BOB") == (200, "")
    assert (await relais.deals.get(deal.id)).origin == "web"


async def test_a_stale_form_names_who_changed_what_in_the_readers_language(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actors = await people(relais)
    deal = await relais.deals.create(
        DealDraft("Poêle disputé", expected_revenue="7500"), Actor.cli()
    )
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_edit(slack, fake, bot, card, "Modifier", "U_ALICE")
    await relais.deals.update(deal.id, {"expected_revenue": "9100"}, actors["bob"])
    status, body = await slack.submit(view, {"campaign": "salon"}, user="U_ALICE")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"], ensure_ascii=False)
    assert f"Bob Durand a modifié l'affaire n° {deal.id}" in shown
    assert "Montant prévu" in shown and "expected_revenue" not in shown
    assert "rien n'a été enregistré" in shown
    assert (await relais.deals.get(deal.id)).campaign is None
    assert fake.take_violations() == []


async def test_a_stale_form_changed_by_the_same_rep_says_so(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actors = await people(relais)
    deal = await relais.deals.create(DealDraft("Poêle en deux onglets"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_edit(slack, fake, bot, card, "Modifier", "U_ALICE")
    await relais.deals.update(deal.id, {"expected_close": "2027-03-01"}, actors["alice"])
    _, body = await slack.submit(view, {"origin": "salon"}, user="U_ALICE")
    shown = json.dumps(json.loads(body)["view"], ensure_ascii=False)
    assert "Vous avez vous-même modifié" in shown and "Date de clôture prévue" in shown
    assert "Bob" not in shown


async def test_an_old_deal_button_answers_with_who_changed_it_and_the_current_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actors = await people(relais)
    deal = await relais.deals.create(DealDraft("Poêle ancien"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    await relais.deals.update(deal.id, {"expected_revenue": "5000"}, actors["bob"])
    action_id, value = button_named(card, "Devis")
    assert await slack.click(action_id, value, user="U_ALICE") == (200, "")
    answer = await last_answer(fake, bot)
    assert answer.params["response_type"] == "ephemeral"
    text = answer.text()
    assert f"Bob Durand a modifié l'affaire n° {deal.id}" in text and "Montant prévu" in text
    assert f"#{deal.id} · Poêle ancien" in text  # the current card
    fresh = await relais.deals.get(deal.id)
    assert fresh.version == deal.version + 1  # nothing moved
    assert any(v.endswith(f"|{fresh.version}") for v in buttons(answer).values())


async def test_an_old_lead_button_answers_with_the_current_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actors = await people(relais)
    lead = await relais.leads.create(LeadDraft("Insert salon"), Actor.cli())
    bob = await relais.users.get("U_BOB")
    await relais.leads.assign(lead.id, bob.id, actors["bob"], lead.version)
    assert await slack.click("lead_claim", f"{lead.id}|{lead.version}|", user="U_ALICE") == (
        200,
        "",
    )
    answer = await last_answer(fake, bot)
    text = answer.text()
    assert f"Bob Durand a modifié la piste n° {lead.id}" in text
    assert "Insert salon" in text
    assert (await relais.leads.get(lead.id)).owner_id == bob.id


async def test_a_button_of_a_deleted_deal_says_it_is_gone_in_each_language(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await people(relais)
    deal = await relais.deals.create(DealDraft("Poêle effacé"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    await relais.deals.delete(deal.id, Actor.cli())
    action_id, value = button_named(card, "Modifier")
    assert await slack.click(action_id, value, user="U_ALICE") == (200, "")
    await slack.click("deal_show", str(deal.id), user="U_BOB")
    await bot.runtime.settle()
    said = "\n".join(c.text() for c in fake.of("response_url"))
    assert f"l'affaire n° {deal.id} n'existe plus" in said  # Alice's Edit
    assert f"deal #{deal.id} no longer exists" in said  # Bob's Open
    (gone,) = [c for c in fake.of("views.open") if c.params["view"]["callback_id"] == "result"]
    assert "n'existe plus" in json.dumps(gone.params["view"], ensure_ascii=False)
    assert fake.take_violations() == []


async def test_a_button_of_a_quote_that_is_gone_says_so(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    assert await slack.click("quote_pdf", "4242", user="U_BOB") == (200, "")
    answer = await last_answer(fake, bot)
    assert answer.params["response_type"] == "ephemeral"
    assert "quote #4242 no longer exists" in answer.text()
