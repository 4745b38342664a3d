"""Moving deals from Slack: free pipelines, the whole default blueprint, conflicts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot import jobs
from bot.app import SlackBot
from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
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


async def open_move(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, card: Call, label: str, user: str
) -> dict[str, Any]:
    """Click a transition button: the form opens in one views.open (no loading modal)."""
    opened, updated = len(fake.of("views.open")), len(fake.of("views.update"))
    action_id, value = button_named(card, label)
    status, _ = await slack.click(action_id, value, user=user)
    assert status == 200
    await bot.runtime.settle()
    return await open_in_one_call(fake, opened, updated, "deal_move")


async def card_of(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, deal_id: int, user: str
) -> Call:
    await slack.command(f"deal {deal_id}", user=user)
    return await last_answer(fake, bot)


async def test_free_pipeline_moves_at_once_and_asks_why_when_lost(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle libre"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_BOB")
    action_id, value = button_named(card, "Devis")
    await slack.click(action_id, value, user="U_BOB")
    moved = await last_answer(fake, bot)
    assert moved.params["replace_original"] is True
    assert "*Stage*\nDevis" in moved.text()
    view = await open_move(slack, fake, bot, moved, "Perdu", "U_BOB")
    assert input_block(view, "f_lost_reason")["element"]["multiline"] is True
    status, body = await slack.submit(view, {"f_lost_reason": ""}, user="U_BOB")
    assert list(errors_of(body)) == ["f_lost_reason"]
    assert (await relais.deals.get(deal.id)).status == "open"
    status, body = await slack.submit(view, {"f_lost_reason": "Trop cher"}, user="U_BOB")
    assert (status, body) == (200, "")
    after = await last_answer(fake, bot)
    lost = await relais.deals.get(deal.id)
    assert (lost.status, lost.lost_reason) == ("lost", "Trop cher")
    assert after.params["replace_original"] is True and "Lost because: Trop cher" in after.text()


async def test_a_click_on_a_stale_card_is_a_conflict_with_the_fresh_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle disputé"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_BOB")
    await relais.deals.move(deal.id, "estimation", Actor.cli())
    action_id, value = button_named(card, "Devis")
    await slack.click(action_id, value, user="U_BOB")
    answer = await last_answer(fake, bot)
    assert "Someone else changed deal" in answer.text()
    assert "*Stage*\nEstimation" in answer.text()
    pipeline = await relais.pipelines.get()
    assert (await relais.deals.get(deal.id)).stage_id == pipeline.stage("estimation").id  # type: ignore[union-attr]


async def governed(relais: Engine) -> None:
    admin = Actor.cli("test")
    await relais.blueprints.save(load_blueprint_file(DEFAULT), admin)
    await relais.users.upsert(
        UserDraft("Carol Chef", "carol@example.com", "U_CAROL", role="manager", locale="fr"), admin
    )
    await relais.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE", manager="carol@example.com"),
        admin,
    )


async def test_the_whole_default_blueprint_from_slack(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await governed(relais)
    await slack.command("deal new Poêle Walk jean@walk.fr 9000")
    card = await last_answer(fake, bot)
    (deal,) = await relais.deals.search("Poêle Walk")
    moves = {k for k in buttons(card) if k.startswith("deal_move_")}
    assert len(moves) == 3  # Estimer, Planifier la visite technique, Marquer perdu

    # Nouveau → Estimation: the budget, one invalid submission first
    view = await open_move(slack, fake, bot, card, "Estimer → Estimation", "U_ALICE")
    budget = input_block(view, "f_budget")
    assert budget["element"]["type"] == "number_input" and budget["element"]["min_value"] == "1"
    assert "Indiquez le budget" in str(view["blocks"])
    status, body = await slack.submit(view, {"f_budget": "0"})
    assert status == 200 and list(errors_of(body)) == ["f_budget"]
    assert (await relais.deals.get(deal.id)).stage_id == deal.stage_id  # nothing saved
    assert (await slack.submit(view, {"f_budget": "8500"})) == (200, "")
    card = await last_answer(fake, bot)
    assert card.params["replace_original"] is True and "*Étape*\nEstimation" in card.text()
    assert (await relais.deals.get(deal.id)).budget == Decimal("8500.00")

    # Estimation → Visite Technique: date, choice, checklist
    view = await open_move(slack, fake, bot, card, "Planifier la visite technique", "U_ALICE")
    assert input_block(view, "f_visit_date")["element"]["type"] == "datepicker"
    choice = input_block(view, "f_installation_type")["element"]
    assert choice["type"] == "static_select" and len(choice["options"]) == 5
    checklist = input_block(view, "checklist")["element"]
    assert checklist["type"] == "checkboxes" and len(checklist["options"]) == 2
    visit = (date.today() + timedelta(days=7)).isoformat()
    typed = {"f_visit_date": visit, "f_installation_type": "Insert", "checklist": ["0"]}
    status, body = await slack.submit(view, typed)
    assert list(errors_of(body)) == ["checklist"]  # one item left unticked
    typed["checklist"] = ["0", "1"]
    assert (await slack.submit(view, typed)) == (200, "")
    card = await last_answer(fake, bot)
    assert "*Étape*\nVisite Technique" in card.text()
    assert (await relais.deals.get(deal.id)).custom["installation_type"] == "Insert"

    # → Devis: refused until a quote exists, and the card says why
    assert "quote_count &gt; 0" in card.text()
    await relais.deals.update(deal.id, {"custom": {"quote_count": 1}}, Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_move(slack, fake, bot, card, "Envoyer le devis", "U_ALICE")
    assert input_block(view, "note")["optional"] is True
    assert (await slack.submit(view, {"note": "Envoyé par e-mail"})) == (200, "")
    card = await last_answer(fake, bot)
    assert "*Étape*\nDevis" in card.text()

    # Devis → Gagné: signed amount and date (not in the future), the manager notified
    view = await open_move(slack, fake, bot, card, "Devis signé → Gagné", "U_ALICE")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    status, body = await slack.submit(
        view, {"f_signed_amount": "9200", "f_signature_date": tomorrow}
    )
    assert errors_of(body) == {
        "f_signature_date": "La date de signature ne peut pas être dans le futur."
    }
    today = date.today().isoformat()
    assert (await slack.submit(view, {"f_signed_amount": "9200", "f_signature_date": today})) == (
        200,
        "",
    )
    card = await last_answer(fake, bot)
    won = await relais.deals.get(deal.id)
    assert (won.status, won.expected_revenue) == ("won", Decimal("9200.00"))
    assert "*Étape*\nGagné" in card.text()
    await bot.runtime.settle()
    dm = [c for c in fake.of("chat.postMessage") if c.params["channel"] == "DU_CAROL"]
    assert dm and "Poêle Walk est signé" in dm[0].text()
    (message,) = await relais.outbox.messages(deal.id, "delivered")
    assert message.kind == "notification"


async def test_an_unavailable_transition_says_why_in_the_modal(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await governed(relais)
    deal = await relais.deals.create(DealDraft("Poêle refusé"), Actor.cli())
    await relais.blueprints.perform(
        deal.id, "planifier_visite",
        {"visit_date": "2030-01-10", "installation_type": "Insert", "checklist": "all"},
        Actor.cli(),
    )  # fmt: skip
    card = await card_of(slack, fake, bot, deal.id, "U_BOB")
    assert (
        "Not available now: Envoyer le devis — criterion not met: quote_count &gt; 0" in card.text()
    )
    assert "Envoyer le devis" not in [
        e["text"]["text"] for b in card.params["blocks"] for e in b.get("elements", [])
        if e.get("type") == "button"
    ]  # fmt: skip


async def test_a_form_late_past_the_budget_opens_a_loading_modal_then_fills_it(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, monkeypatch: Any
) -> None:
    """With no budget at all, the trigger is spent at once on a loading modal, then updated."""
    await governed(relais)
    await slack.command("deal new Poêle Tardif jean@tardif.fr 9000")
    card = await last_answer(fake, bot)
    monkeypatch.setattr(jobs, "MODAL_BUDGET", 0.0)
    action_id, value = button_named(card, "Estimer → Estimation")
    assert (await slack.click(action_id, value, user="U_ALICE"))[0] == 200
    await bot.runtime.settle()
    (loading,) = fake.of("views.open")
    assert loading.params["view"]["callback_id"] == "loading"
    (form,) = fake.of("views.update")
    assert fake.views[form.params["view_id"]]["callback_id"] == "deal_move"
