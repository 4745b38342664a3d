"""Quotes from Slack: the quick line, the builder modal, field errors, the PDF upload."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.app import SlackBot
from bot.blocks.values import read_metadata
from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.cpq.configurator import Action, ConfiguratorRule, QuantityOp, QuantitySpec
from engine.cpq.price_rules import PriceRule, RuleBook, RuleKind
from engine.cpq.quotes import CpqSetup
from engine.crm.deals import DealDraft
from tests.bot.helpers import buttons, errors_of, last_answer, opened_view
from tests.fakes.slack import TEAM, Call, FakeSlack, SlackClient

D = Decimal
DEFAULT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"
CATALOGUE = [
    Product("POELE-GR8", "Poêle à granulés 8 kW", D("2890.00"), tax_rate=D("5.5")),
    Product("TUBAGE-6M", "Tubage inox 6 m", D("534.00"), tax_rate=D("5.5")),
    Product("KIT-RACCORD", "Kit de raccordement", D("249.00"), tax_rate=D("5.5")),
    Product("ENTRETIEN", "Contrat d'entretien annuel", D("180.00"), tax_rate=D(10)),
]
RULES = RuleBook.build(
    [
        ConfiguratorRule(
            "kit-par-poele", Action.ADD, ("POELE-GR8",), "KIT-RACCORD",
            QuantitySpec(D(1), QuantityOp.MULTIPLY),
        ),
        ConfiguratorRule("entretien", Action.SUGGEST, ("POELE-GR8",), "ENTRETIEN"),
    ],
    [PriceRule("promo-poele", ("POELE-GR8",), RuleKind.DIRECT_DISCOUNT, value=D(10))],
)  # fmt: skip


@pytest.fixture
async def shop(relais: Engine, ada: Actor) -> Engine:
    await relais.products.import_all(CATALOGUE, ada)
    relais.quotes.use(CpqSetup(RULES))
    return relais


async def new_deal(engine: Engine, title: str = "Poêle salon Dupont") -> int:
    return (await engine.deals.create(DealDraft(title), Actor.cli())).id


def view_action(view: dict[str, Any], action_id: str, user: str = "U_BOB") -> dict[str, Any]:
    """A button clicked inside the modal: Slack sends the view with its current state."""
    return {
        "type": "block_actions", "user": {"id": user}, "team": {"id": TEAM},
        "trigger_id": f"t-{uuid.uuid4()}", "container": {"type": "view", "view_id": view["id"]},
        "view": view, "actions": [{"action_id": action_id, "block_id": "quote_buttons",
                                   "type": "button", "value": "x"}],
    }  # fmt: skip


def with_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The view as Slack holds it once the rep picked ``{block_id: value}``."""
    state: dict[str, Any] = {}
    for block_id, value in values.items():
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        element = block["element"]
        kind = element["type"]
        if kind == "external_select":
            entry: dict[str, Any] = {"selected_option": {"text": {"text": value}, "value": value}}
        elif kind == "checkboxes":
            entry = {"selected_options": [{"value": v} for v in value]}
        else:
            entry = {"value": value}
        state[block_id] = {element["action_id"]: {"type": kind, **entry}}
    return {**view, "state": {"values": state}}


def modal_now(fake: FakeSlack, view_id: str) -> dict[str, Any]:
    return fake.views[view_id]


async def test_the_quick_line_prices_and_saves_the_quote(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine
) -> None:
    deal_id = await new_deal(shop)
    status, _ = await slack.command(f"quote {deal_id} POELE-GR8=1 TUBAGE-6M=2", user="U_BOB")
    assert status == 200
    answer = await last_answer(fake, bot)
    (quote,) = await shop.quotes.of_deal(deal_id)
    totals = quote.priced.totals
    # 2890 − 10 % = 2601; the kit the rule adds after its stove 249; 2 × 534 = 1068
    assert [(line.code, line.net) for line in quote.lines] == [
        ("POELE-GR8", D("2601.00")), ("KIT-RACCORD", D("249.00")), ("TUBAGE-6M", D("1068.00")),
    ]  # fmt: skip
    assert (totals.subtotal, totals.discounts, totals.net) == (
        D("4207.00"), D("289.00"), D("3918.00"),
    )  # fmt: skip
    assert totals.total == totals.net + totals.taxes
    text = answer.text()
    assert quote.number in text and "$" not in text
    assert "€4,207.00" in text and "€3,918.00" in text  # Bob reads English
    assert "added by rule kit-par-poele" in text
    assert "price rule promo-poele (direct discount" in text  # the trace, in his language
    assert "Suggested: Contrat d'entretien annuel" in text
    assert "The deal moved to Devis." in text
    assert buttons(answer)["quote_pdf"] == str(quote.id)


async def test_a_bad_quick_line_says_what_is_wrong_and_saves_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine
) -> None:
    deal_id = await new_deal(shop)
    await slack.command(f"quote {deal_id} NOPE=1 TUBAGE-6M=zero", user="U_ALICE")
    text = (await last_answer(fake, bot)).text()
    assert "le produit NOPE n'est pas au catalogue" in text
    assert "« zero » n'est pas une quantité" in text
    assert await shop.quotes.of_deal(deal_id) == []


async def test_the_builder_searches_prices_adds_a_suggestion_and_saves(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine
) -> None:
    deal_id = await new_deal(shop)
    await slack.command(f"quote {deal_id}", user="U_BOB")
    await bot.runtime.settle()
    view_id = opened_view(fake)["id"]  # the builder, opened in one views.open
    view = modal_now(fake, view_id)
    assert view["callback_id"] == "quote_new"
    picker = next(b for b in view["blocks"] if b.get("block_id") == "qp0_0")
    assert picker["element"]["type"] == "external_select"

    # Slack asks for options as the rep types: the catalogue is searched
    status, body = await slack.interact({
        "type": "block_suggestion", "user": {"id": "U_BOB"}, "team": {"id": TEAM},
        "action_id": "quote_product", "block_id": "qp0_0", "value": "poêle", "view": view,
    })  # fmt: skip
    assert status == 200
    options = json.loads(body)["options"]
    assert [o["value"] for o in options] == ["POELE-GR8"]

    # add a line, then price both
    await slack.interact(view_action(with_state(view, {"qp0_0": "POELE-GR8"}), "quote_add_line"))
    await bot.runtime.settle()
    view = modal_now(fake, view_id)
    assert read_metadata(view["private_metadata"])["rows"] == 2
    filled = with_state(view, {"qp1_0": "POELE-GR8", "qq1_0": "1", "qp1_1": "TUBAGE-6M",
                               "qq1_1": "2"})  # fmt: skip
    await slack.interact(view_action(filled, "quote_price"))
    await bot.runtime.settle()
    view = modal_now(fake, view_id)
    shown = Call("view", {"view": view}).text()
    assert "list €2,890.00 · discount €289.00 · net €2,601.00" in shown
    assert "added by rule kit-par-poele" in shown
    assert "price rule promo-poele (direct discount, 10" in shown
    assert "€3,918.00" in shown
    suggest = next(b for b in view["blocks"] if b.get("block_id") == "q_suggest2")
    assert [o["value"] for o in suggest["element"]["options"]] == ["ENTRETIEN"]

    # tick the suggestion and submit: it is added in the same batch, then saved
    ticked = with_state(view, {"qp2_0": "POELE-GR8", "qq2_0": "1", "qp2_1": "TUBAGE-6M",
                               "qq2_1": "2", "q_suggest2": ["ENTRETIEN"]})  # fmt: skip
    status, body = await slack.interact({
        "type": "view_submission", "user": {"id": "U_BOB"}, "team": {"id": TEAM}, "view": ticked,
    })  # fmt: skip
    assert (status, body) == (200, "")
    answer = await last_answer(fake, bot)
    (quote,) = await shop.quotes.of_deal(deal_id)
    assert [line.code for line in quote.lines] == [
        "POELE-GR8", "KIT-RACCORD", "TUBAGE-6M", "ENTRETIEN",
    ]  # fmt: skip
    assert quote.priced.totals.net == D("4098.00")
    assert quote.number in answer.text() and "€4,098.00" in answer.text()
    assert "quote_pdf" in buttons(answer)


async def test_an_unknown_product_is_reported_on_its_field(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine
) -> None:
    deal_id = await new_deal(shop)
    await slack.command(f"quote {deal_id}", user="U_ALICE")
    await bot.runtime.settle()
    view = opened_view(fake)
    await slack.interact(view_action(view, "quote_add_line", user="U_ALICE"))
    await bot.runtime.settle()
    view = modal_now(fake, view["id"])
    bad = with_state(view, {"qp1_0": "POELE-GR8", "qq1_0": "1", "qp1_1": "RETIRED-99",
                            "qq1_1": "2"})  # fmt: skip
    status, body = await slack.interact({
        "type": "view_submission", "user": {"id": "U_ALICE"}, "team": {"id": TEAM}, "view": bad,
    })  # fmt: skip
    assert status == 200
    assert errors_of(body) == {"qp1_1": "le produit RETIRED-99 n'est pas au catalogue"}
    wrong = with_state(view, {"qp1_0": "POELE-GR8", "qq1_0": "-1"})
    status, body = await slack.interact({
        "type": "view_submission", "user": {"id": "U_ALICE"}, "team": {"id": TEAM}, "view": wrong,
    })  # fmt: skip
    assert status == 200 and list(errors_of(body)) == ["qq1_0"]
    assert await shop.quotes.of_deal(deal_id) == []


async def test_the_pdf_button_uploads_the_document_to_the_rep(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine
) -> None:
    deal_id = await new_deal(shop)
    await slack.command(f"quote {deal_id} POELE-GR8=1", user="U_ALICE")
    answer = await last_answer(fake, bot)
    await slack.click("quote_pdf", buttons(answer)["quote_pdf"], user="U_ALICE")
    said = await last_answer(fake, bot)
    (quote,) = await shop.quotes.of_deal(deal_id)
    (asked,) = fake.of("files.getUploadURLExternal")
    (upload,) = fake.of("file_upload")
    (done,) = fake.of("files.completeUploadExternal")
    assert asked.params["filename"] == f"{quote.number}.pdf"
    assert fake.uploads[upload.params["file_id"]].startswith(b"%PDF")
    assert done.params["channel_id"] == "DU_ALICE"
    assert done.params["files"][0]["title"] == f"Devis {quote.number}"
    assert f"Le PDF du devis {quote.number}" in said.text()


async def test_a_governed_deal_offers_the_transition_to_devis(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, shop: Engine, ada: Actor
) -> None:
    visited = await shop.deals.create(
        DealDraft("Poêle visité", stage="visite_technique"), Actor.cli()
    )
    await shop.blueprints.save(load_blueprint_file(DEFAULT), ada)
    await slack.command(f"quote {visited.id} POELE-GR8=1", user="U_ADA")
    answer = await last_answer(fake, bot)
    (quote,) = await shop.quotes.of_deal(visited.id)
    assert quote.number in answer.text()
    assert "To move the deal to Devis, perform the transition:" in answer.text()
    version = (await shop.deals.get(visited.id)).version
    # the deal card's own move button: clicking it runs the existing move flow
    assert buttons(answer) == {
        "quote_pdf": str(quote.id), "quote_send": str(quote.id),
        "deal_move_0": f"{visited.id}|envoyer_devis|{version}|f",
        "share_card": f"quote|{quote.id}",
    }  # fmt: skip
    await slack.click("deal_move_0", buttons(answer)["deal_move_0"], user="U_ADA")
    await bot.runtime.settle()
    assert opened_view(fake)["callback_id"] == "deal_move"

    fresh = await new_deal(shop, "Poêle neuf")  # no transition leads to Devis from Nouveau
    await slack.command(f"quote {fresh} POELE-GR8=1", user="U_ADA")
    answer = await last_answer(fake, bot)
    assert "its stage changes only through a transition" in answer.text()
    assert list(buttons(answer)) == ["quote_pdf", "quote_send", "share_card"]
