"""Whatever a form carries gets a field error or is accepted; errors always reach the person.

Amounts past the bounds (20 and 40 digits, ``1e400``: Slack's number input
lets them through) are field errors, never a 500. An error for a field the
open form does not show cannot be keyed on it (Slack refuses the whole
answer): the form comes back with a notice listing the errors. A move form
whose blueprint changed while it was open comes back as it is now.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import SlackBot
from bot.errors import NOTICE
from config.blueprint_schema import parse_blueprint
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.bot.helpers import errors_of, input_block, last_answer, shown_view
from tests.bot.test_moves import DEFAULT, card_of, governed, open_move
from tests.fakes.slack import FakeSlack, SlackClient


async def deal_form(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, user: str
) -> dict[str, Any]:
    await slack.command("deal new", user=user)
    await bot.runtime.settle()
    return shown_view(fake)


def updated_view(body: str) -> dict[str, Any]:
    import json

    answer = json.loads(body)
    assert answer["response_action"] == "update", answer
    view: dict[str, Any] = answer["view"]
    return view


def notice_of(view: dict[str, Any]) -> str:
    first = view["blocks"][0]
    assert first["block_id"] == NOTICE
    return str(first["text"]["text"])


@pytest.mark.parametrize(
    "amount", ["12345678901234567890", "1" * 40, "1e400", "1e999999999999999999", "-1e400"]
)
async def test_an_amount_past_the_bounds_is_a_field_error(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, amount: str
) -> None:
    view = await deal_form(slack, fake, bot, "U_ALICE")
    status, body = await slack.submit(view, {"title": "Poêle géant", "amount": amount})
    assert status == 200
    assert errors_of(body) == {"amount": "un montant a au plus 12 chiffres avant la virgule"}
    assert await relais.deals.search("Poêle géant") == []


async def test_the_largest_amount_is_accepted_and_the_error_speaks_english_to_bob(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    view = await deal_form(slack, fake, bot, "U_BOB")
    _, body = await slack.submit(view, {"title": "Big", "amount": "1e12"}, user="U_BOB")
    assert errors_of(body) == {"amount": "an amount has at most 12 digits before the decimal point"}
    view = await deal_form(slack, fake, bot, "U_BOB")
    ok = await slack.submit(view, {"title": "Big", "amount": "999999999999.99"}, user="U_BOB")
    assert ok == (200, "")
    (deal,) = await relais.deals.search("Big")
    assert deal.expected_revenue == Decimal("999999999999.99")


async def test_a_quick_deal_with_a_huge_amount_is_told_why(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle démesuré 123456789012345678901234")
    answer = await last_answer(fake, bot)
    assert "un montant a au plus 12 chiffres avant la virgule" in answer.text()
    assert await relais.deals.search("démesuré") == []


async def test_an_error_for_a_field_the_form_lacks_comes_back_as_a_notice(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    """A form from an older version, without the title input the engine requires."""
    view = await deal_form(slack, fake, bot, "U_ALICE")
    older = {**view, "blocks": [b for b in view["blocks"] if b.get("block_id") != "title"]}
    status, body = await slack.submit(older, {"amount": "1e400"})
    assert status == 200  # the fake checks the answer is a view Slack accepts
    shown = updated_view(body)
    notice = notice_of(shown)
    assert "Titre : une affaire a besoin d'un titre" in notice
    assert "Montant prévu : un montant a au plus 12 chiffres" in notice
    inputs = [b["block_id"] for b in shown["blocks"] if b["type"] == "input"]
    assert inputs == [b["block_id"] for b in older["blocks"] if b["type"] == "input"]
    assert (
        shown["callback_id"] == "deal_new" and shown["private_metadata"] == view["private_metadata"]
    )
    again = await slack.submit(shown, {"amount": "12"})  # the notice is replaced, not stacked
    assert [b.get("block_id") for b in updated_view(again[1])["blocks"]].count(NOTICE) == 1
    assert (
        await relais.db.read(lambda c: c.execute("SELECT count(*) FROM deals").fetchone()[0]) == 0
    )


async def test_a_day_no_picker_gives_is_a_field_error(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle à noter"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    from tests.bot.helpers import buttons

    await slack.click("deal_log", buttons(card)["deal_log"])
    await bot.runtime.settle()
    view = shown_view(fake)
    status, body = await slack.submit(view, {"subject": "Rappel", "due": "bientôt"})
    assert status == 200 and errors_of(body) == {"due": "pas une date (AAAA-MM-JJ)"}


async def test_a_move_form_changed_while_open_comes_back_as_it_is_now(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, tmp_path: Path
) -> None:
    await governed(relais)
    deal = await relais.deals.create(DealDraft("Poêle mouvant"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    view = await open_move(slack, fake, bot, card, "Estimer → Estimation", "U_ALICE")
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    estimer = next(t for t in data["transitions"] if t["key"] == "estimer")
    estimer["during"]["fields"].append({"key": "source", "label": "Source", "type": "text"})
    admin = Actor.cli("test")
    await relais.blueprints.save(parse_blueprint(data, "changed"), admin)
    await relais.blueprints.migrate(None, admin)

    status, body = await slack.submit(view, {"f_budget": "8500"})
    assert status == 200
    fresh = updated_view(body)
    assert "Le formulaire a changé pendant qu'il était ouvert" in notice_of(fresh)
    assert input_block(fresh, "f_source")["element"]["type"] == "plain_text_input"
    assert (await relais.deals.get(deal.id)).stage_id == deal.stage_id  # nothing moved
    typed = {"f_budget": "8500", "f_source": "Salon"}
    assert await slack.submit(fresh, typed) == (200, "")
    await last_answer(fake, bot)
    assert (await relais.deals.get(deal.id)).stage_id != deal.stage_id
