"""Quotes on real SQLite: numbering, versions, events, the deal's stage and revenue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.cpq.conditions import Condition, Op
from engine.cpq.configurator import Action, ConfiguratorRule, QuantityOp, QuantitySpec
from engine.cpq.lines import LineInput, QuoteDraft, Source
from engine.cpq.price_rules import PriceRule, RuleBook, RuleKind, ValueUnit
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm import deals
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from engine.events import DomainEvent

D = Decimal
DAY = date(2026, 3, 10)
BLUEPRINT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"

CATALOGUE = [
    Product("POELE-ECO8", "Poêle à granulés Eco 8 kW", D("2890.00"), tax_rate=D("5.5")),
    Product("KIT-RACCORD-80", "Kit de raccordement Ø80", D("249.00"), tax_rate=D("5.5")),
    Product("TUBAGE-INOX-80", "Tubage inox Ø80 (le mètre)", D("89.00"), tax_rate=D("5.5")),
    Product("ENTRETIEN", "Contrat d'entretien annuel", D("180.00"), tax_rate=D(10)),
    Product("PLAQUE-SOL", "Plaque de sol verre", D("149.00")),
]
RULES = RuleBook.build(
    [
        ConfiguratorRule(
            "kit-per-stove", Action.ADD, ("POELE-ECO8",), "KIT-RACCORD-80",
            QuantitySpec(D(1), QuantityOp.MULTIPLY),
        ),
        ConfiguratorRule("plaque-offerte", Action.ADD, ("POELE-ECO8",), "PLAQUE-SOL", free=True),
        ConfiguratorRule("entretien", Action.SUGGEST, ("POELE-ECO8",), "ENTRETIEN"),
    ],
    [
        PriceRule(
            "parrainage", ("POELE-ECO8",), RuleKind.DIRECT_DISCOUNT, value=D(5),
            conditions=(Condition("deal.origin", Op.EQ, "parrainage"),),
        ),
    ],
)  # fmt: skip


def stove(quantity: int = 1, metres: str = "6") -> QuoteDraft:
    return QuoteDraft(
        (LineInput("POELE-ECO8", D(quantity)), LineInput("TUBAGE-INOX-80", D(metres)))
    )


@pytest.fixture
async def shop(engine: Engine, admin: Actor) -> Engine:
    await engine.products.import_all(CATALOGUE, admin)
    engine.quotes.use(CpqSetup(RULES, QuoteSettings(company=("Poêles Martin",))))
    return engine


async def new_deal(engine: Engine, actor: Actor, **values: str) -> int:
    deal = await engine.deals.create(DealDraft("Poêle salon Dupont", **values), actor)  # type: ignore[arg-type]
    return deal.id


async def test_products_import_creates_updates_and_leaves_the_rest(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    first = await engine.products.import_all(CATALOGUE, admin)
    assert len(first.created) == 5 and first.updated == first.unchanged == []
    cheaper = Product("ENTRETIEN", "Contrat d'entretien annuel", D("170.00"), tax_rate=D(10))
    second = await engine.products.import_all([cheaper, CATALOGUE[0]], admin)
    assert (second.created, second.updated, second.unchanged) == ([], ["ENTRETIEN"], ["POELE-ECO8"])
    assert (await engine.products.get("ENTRETIEN")).unit_price == D("170.00")
    history = await engine.timeline.of("product", 4)
    assert history[-1].changes["unit_price"] == ["180.00", "170.00"]
    with pytest.raises(Forbidden):
        await engine.products.import_all(CATALOGUE, alice)
    with pytest.raises(ValidationFailed, match="more than 2 decimals"):
        await engine.products.import_all([Product("X", "X", D("1.005"))], admin)


async def test_products_are_searched_by_code_or_name(shop: Engine) -> None:
    found = await shop.products.search("poêle")
    assert [p.code for p in found] == ["POELE-ECO8"]
    assert [p.code for p in await shop.products.search("80")] == [
        "KIT-RACCORD-80",
        "TUBAGE-INOX-80",
    ]
    assert next(p.code for p in await shop.products.search("tub")) == "TUBAGE-INOX-80"
    assert await shop.products.search("%") == []
    with pytest.raises(NotFound):
        await shop.products.get("NOPE")


async def test_pricing_uses_the_deal_and_saves_nothing(shop: Engine, alice: Actor) -> None:
    referred = await new_deal(shop, alice, origin="parrainage")
    priced = await shop.quotes.price(stove(), referred, DAY)
    assert [line.code for line in priced.lines] == [
        "POELE-ECO8", "KIT-RACCORD-80", "PLAQUE-SOL", "TUBAGE-INOX-80",
    ]  # fmt: skip
    assert priced.lines[0].unit_net == D("2745.50")  # 5 % off 2 890
    assert (await shop.quotes.price(stove(), None, DAY)).lines[0].unit_net == D("2890.00")
    assert await shop.quotes.of_deal(referred) == []


async def test_saving_numbers_the_quote_moves_the_deal_and_sets_its_revenue(
    shop: Engine, alice: Actor
) -> None:
    seen: list[DomainEvent] = []

    async def keep(event: DomainEvent) -> None:
        seen.append(event)

    shop.bus.subscribe("quote.*", keep)
    deal_id = await new_deal(shop, alice)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    await shop.bus.drain()

    quote = saved.quote
    assert (quote.number, quote.status, quote.version, saved.created) == (
        "D-2026-0001", "draft", 1, True,
    )  # fmt: skip
    assert quote.valid_until == date(2026, 4, 9)
    assert quote.priced.totals.net == D("2890.00") + D("249.00") + 6 * D("89.00")
    assert [line.source for line in quote.lines] == [
        Source.REP, Source.RULE, Source.RULE, Source.REP,
    ]  # fmt: skip
    assert (saved.stage.status, saved.stage.stage) == ("moved", "Devis")
    deal = await shop.deals.get(deal_id)
    assert deal.expected_revenue == quote.priced.totals.net
    assert (await shop.deals.board())[3].count == 1
    assert [(e.name, e.data["number"]) for e in seen] == [("quote.created", "D-2026-0001")]
    assert seen[0].actor.user_id == alice.user_id

    second = await shop.quotes.save(deal_id, stove(2), alice, on=DAY)
    assert second.quote.number == "D-2026-0002" and second.stage.status == "unchanged"
    next_year = await shop.quotes.save(deal_id, stove(), alice, on=date(2027, 1, 2))
    assert next_year.quote.number == "D-2027-0001"


async def test_resaving_does_not_add_twice_and_removing_the_base_removes_its_lines(
    shop: Engine, alice: Actor
) -> None:
    deal_id = await new_deal(shop, alice)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    again = await shop.quotes.save(
        None, saved.quote.draft(), alice, quote_id=saved.quote.id, on=DAY
    )
    assert (again.changed, again.quote.version) == (False, 1)
    assert [line.code for line in again.quote.lines] == [line.code for line in saved.quote.lines]

    tubing_only = QuoteDraft((LineInput("TUBAGE-INOX-80", D(6)),))
    edited = await shop.quotes.save(None, tubing_only, alice, quote_id=saved.quote.id, on=DAY)
    assert [line.code for line in edited.quote.lines] == ["TUBAGE-INOX-80"]
    assert (edited.changed, edited.quote.version) == (True, 2)
    assert (await shop.deals.get(deal_id)).expected_revenue == D("534.00")
    history = await shop.timeline.of("quote", saved.quote.id)
    assert [entry.action for entry in history] == ["created", "updated"]
    assert history[-1].changes["lines"] == [4, 1]


async def test_a_stale_version_is_refused(shop: Engine, alice: Actor, bob: Actor) -> None:
    deal_id = await new_deal(shop, alice)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    await shop.quotes.save(None, stove(3), bob, quote_id=saved.quote.id, expected_version=1)
    with pytest.raises(Conflict):
        await shop.quotes.save(None, stove(2), alice, quote_id=saved.quote.id, expected_version=1)


async def test_status_goes_draft_sent_accepted_and_the_accepted_quote_drives_revenue(
    shop: Engine, alice: Actor
) -> None:
    deal_id = await new_deal(shop, alice)
    first = (await shop.quotes.save(deal_id, stove(), alice, on=DAY)).quote
    with pytest.raises(ValidationFailed, match="can become sent, not accepted"):
        await shop.quotes.set_status(first.id, "accepted", alice)
    await shop.quotes.set_status(first.number, "sent", alice)
    accepted = await shop.quotes.set_status(first.id, "accepted", alice)
    assert accepted.status == "accepted" and accepted.decided_at is not None

    later = (await shop.quotes.save(deal_id, stove(3), alice, on=DAY)).quote
    assert later.priced.totals.net > accepted.priced.totals.net
    assert (await shop.deals.get(deal_id)).expected_revenue == accepted.priced.totals.net
    with pytest.raises(ValidationFailed, match="make a new quote"):
        await shop.quotes.save(None, stove(2), alice, quote_id=first.id)
    await shop.quotes.set_status(later.id, "sent", alice)
    await shop.quotes.set_status(later.id, "rejected", alice)
    with pytest.raises(ValidationFailed, match="final"):
        await shop.quotes.set_status(later.id, "sent", alice)
    history = await shop.timeline.of("quote", first.id)
    assert [e.action for e in history] == ["created", "status_changed", "status_changed"]


async def test_editing_a_sent_quote_puts_it_back_to_draft(shop: Engine, alice: Actor) -> None:
    deal_id = await new_deal(shop, alice)
    quote = (await shop.quotes.save(deal_id, stove(), alice, on=DAY)).quote
    await shop.quotes.set_status(quote.id, "sent", alice)
    edited = await shop.quotes.save(None, stove(2), alice, quote_id=quote.id, on=DAY)
    assert edited.quote.status == "draft" and edited.quote.version == 3


async def test_bad_quotes_are_refused(shop: Engine, alice: Actor) -> None:
    deal_id = await new_deal(shop, alice)
    with pytest.raises(ValidationFailed, match="at least one line"):
        await shop.quotes.save(deal_id, QuoteDraft(()), alice)
    with pytest.raises(ValidationFailed, match="unknown product NOPE"):
        await shop.quotes.save(deal_id, QuoteDraft((LineInput("NOPE", D(1)),)), alice)
    with pytest.raises(NotFound):
        await shop.quotes.save(999, stove(), alice)
    assert await shop.quotes.of_deal(deal_id) == []


async def test_a_deal_past_the_quote_stage_stays_where_it_is(shop: Engine, alice: Actor) -> None:
    deal_id = await new_deal(shop, alice)
    await shop.deals.move(deal_id, "gagne", alice)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    assert (saved.stage.status, saved.stage.stage) == ("unchanged", "Gagné")
    shop.quotes.use(CpqSetup(RULES, QuoteSettings(move_deal_to=None)))
    other = await new_deal(shop, alice)
    assert (await shop.quotes.save(other, stove(), alice)).stage.status == "off"


async def test_a_governed_deal_is_not_moved_and_the_rep_is_told_which_transition(
    shop: Engine, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gate(*_: object) -> None:
        raise TransitionRefused("use a transition", ["Envoyer le devis (envoyer_devis)"])

    monkeypatch.setattr(deals, "refuse_free_move", gate, raising=False)
    seen: list[str] = []

    async def keep(event: DomainEvent) -> None:
        seen.append(event.name)

    shop.bus.subscribe("*", keep)
    deal_id = await new_deal(shop, alice)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    await shop.bus.drain()
    assert saved.stage.status == "needs_transition"
    assert saved.stage.transitions == ("Envoyer le devis (envoyer_devis)",)
    assert (await shop.deals.get(deal_id)).stage_id == (await shop.pipelines.get()).stages[0].id
    assert "deal.stage_changed" not in seen and "quote.created" in seen
    assert saved.quote.number == "D-2026-0001"


async def test_saved_versions_keep_what_was_priced(shop: Engine, alice: Actor) -> None:
    from engine.cpq import quotes

    deal_id = await new_deal(shop, alice)
    quote = (await shop.quotes.save(deal_id, stove(), alice, on=DAY)).quote
    await shop.quotes.save(None, stove(2), alice, quote_id=quote.id, on=DAY)
    first = await shop.db.read(lambda c: quotes.quote_version(c, quote.id, 1))
    assert first["lines"][0]["quantity"] == "1" and first["number"] == "D-2026-0001"
    current = await shop.quotes.get(quote.id)
    assert current.lines[0].quantity == 2


async def test_stored_quotes_read_back_equal_to_what_was_priced(shop: Engine, alice: Actor) -> None:
    deal_id = await new_deal(shop, alice, origin="parrainage")
    priced = await shop.quotes.price(stove(), deal_id, DAY)
    saved = await shop.quotes.save(deal_id, stove(), alice, on=DAY)
    assert saved.quote.priced == priced
    [suggestion] = saved.quote.priced.suggestions
    with_plan = await shop.quotes.add_suggestions(saved.quote.draft(), {"ENTRETIEN"}, deal_id, DAY)
    assert with_plan.lines[-1].code == "ENTRETIEN" and with_plan.suggestions == ()
    assert suggestion.code == "ENTRETIEN"


async def test_with_the_shipped_blueprint_the_rep_must_send_the_quote_by_its_transition(
    shop: Engine, admin: Actor, alice: Actor
) -> None:
    schema = pytest.importorskip("config.blueprint_schema")
    await shop.blueprints.save(schema.load_blueprint_file(BLUEPRINT), admin)
    deal = await shop.deals.create(DealDraft("Poêle Martin", stage="visite_technique"), alice)
    saved = await shop.quotes.save(deal.id, stove(), alice, on=DAY)
    assert saved.stage.status == "needs_transition"
    assert saved.stage.transitions == ("Envoyer le devis (envoyer_devis)",)
    assert (await shop.deals.get(deal.id)).stage_id == deal.stage_id


async def test_rules_see_the_deal_s_region_origin_and_customer(
    shop: Engine, admin: Actor, alice: Actor
) -> None:
    regional = PriceRule(
        "mairie-nord", ("TUBAGE-INOX-80",), RuleKind.DIRECT_LIST_PRICE, ValueUnit.AMOUNT, D(80),
        conditions=(
            Condition("deal.region", Op.IN, ("nord", "est")),
            Condition("customer.organisation", Op.EQ, "Mairie de Lille"),
            Condition("deal.expected_revenue", Op.GTE, D(1000)),
        ),
    )  # fmt: skip
    shop.quotes.use(CpqSetup(RuleBook.build(prices=[regional])))
    deal = await shop.deals.create(
        DealDraft(
            "Chaufferie école",
            ContactDraft("Paul Martin", "paul@lille.example"),
            organisation="Mairie de Lille",
            expected_revenue="5000",
            custom={"region": "Nord"},
        ),
        alice,
    )
    priced = await shop.quotes.price(QuoteDraft((LineInput("TUBAGE-INOX-80", D(1)),)), deal.id)
    assert priced.lines[0].unit_net == D("80.00")
    elsewhere = await shop.deals.create(DealDraft("Ailleurs", custom={"region": "sud"}), alice)
    priced = await shop.quotes.price(QuoteDraft((LineInput("TUBAGE-INOX-80", D(1)),)), elsewhere.id)
    assert priced.lines[0].trace[1].params["reason"] == "deal.region: sud ∉ [nord, est]"
