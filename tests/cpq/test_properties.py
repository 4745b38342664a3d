"""Properties that hold for any catalogue, any rules and any quote (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cpq.catalogue import Product
from engine.cpq.conditions import Condition, Op, PricingContext
from engine.cpq.configurator import Action, ConfiguratorRule, QuantityOp, QuantitySpec
from engine.cpq.lines import LineInput, PricedQuote, QuoteDraft, Source
from engine.cpq.price_rules import (
    PriceRule,
    RuleBook,
    RuleKind,
    Tier,
    TierModel,
    ValueUnit,
)
from engine.cpq.pricing import price_quote

CODES = [f"P{i}" for i in range(6)]
CTX = PricingContext(date(2026, 6, 1), {"deal.region": "nord"})

cents = st.integers(min_value=0, max_value=2_000_000).map(lambda c: Decimal(c) / 100)
quantities = st.one_of(
    st.integers(min_value=1, max_value=60).map(Decimal),
    st.integers(min_value=1, max_value=6000).map(lambda q: Decimal(q) / 100),
)
rates = st.sampled_from([Decimal(0), Decimal("5.5"), Decimal(10), Decimal(20)])
percents = st.integers(min_value=0, max_value=10_000).map(lambda p: Decimal(p) / 100)
conditions = st.lists(
    st.sampled_from(
        [
            Condition("deal.region", Op.EQ, "nord"),
            Condition("deal.region", Op.EQ, "sud"),
            Condition("quote.list_total", Op.GTE, Decimal(500)),
        ]
    ),
    max_size=2,
).map(tuple)


@st.composite
def catalogues(draw: st.DrawFn) -> dict[str, Product]:
    return {
        code: Product(code, code, draw(cents), "EUR", draw(rates), fields={"n": Decimal(3)})
        for code in CODES
    }


@st.composite
def tier_lists(draw: st.DrawFn) -> tuple[Tier, ...]:
    bounds = sorted(draw(st.sets(st.integers(1, 50), min_size=1, max_size=4)))
    values = draw(st.lists(percents, min_size=len(bounds), max_size=len(bounds)))
    tiers = [Tier(Decimal(b), v) for b, v in zip(bounds, values, strict=True)]
    if draw(st.booleans()):
        tiers[-1] = Tier(None, tiers[-1].value)
    return tuple(tiers)


@st.composite
def price_rules(draw: st.DrawFn, number: int) -> PriceRule:
    kind = draw(st.sampled_from(list(RuleKind)))
    unit = draw(st.sampled_from(list(ValueUnit)))
    value = draw(percents if unit is ValueUnit.PERCENT else cents)
    return PriceRule(
        f"R{number}",
        tuple(draw(st.sets(st.sampled_from(CODES), min_size=1, max_size=3))),
        kind,
        unit,
        None if kind.volume else value,
        draw(tier_lists()) if kind.volume else (),
        draw(st.sampled_from(list(TierModel))),
        draw(conditions),
        draw(st.integers(0, 5)),
    )


@st.composite
def configurator_rules(draw: st.DrawFn, number: int) -> ConfiguratorRule:
    action = draw(st.sampled_from(list(Action)))
    base = tuple(draw(st.sets(st.sampled_from(CODES), max_size=2)))
    dynamic = bool(base) and draw(st.booleans())
    quantity = QuantitySpec(
        Decimal(draw(st.integers(1, 3))),
        draw(st.sampled_from(list(QuantityOp))) if dynamic else None,
        "n" if dynamic and draw(st.booleans()) else None,
    )
    return ConfiguratorRule(
        f"C{number}",
        action,
        base,
        draw(st.sampled_from(CODES))
        if action is not Action.SET_FIELD or draw(st.booleans())
        else None,
        quantity,
        free=action is not Action.SUGGEST and draw(st.booleans()),
        description="CPQ" if action is Action.SET_FIELD else None,
        conditions=draw(conditions),
        priority=draw(st.integers(0, 5)),
    )


@st.composite
def books(draw: st.DrawFn) -> RuleBook:
    prices = [draw(price_rules(i)) for i in range(draw(st.integers(0, 8)))]
    config = [draw(configurator_rules(i)) for i in range(draw(st.integers(0, 5)))]
    return RuleBook.build(config, prices)


@st.composite
def drafts(draw: st.DrawFn) -> QuoteDraft:
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 5)) == 0:
            lines.append(LineInput.manual("manual", draw(quantities), draw(cents), draw(rates)))
        else:
            lines.append(LineInput(draw(st.sampled_from(CODES)), draw(quantities)))
    return QuoteDraft(tuple(lines))


def priced(catalogue: dict[str, Product], book: RuleBook, draft: QuoteDraft) -> PricedQuote:
    return price_quote(draft, catalogue, book, CTX)


@settings(max_examples=200, deadline=None)
@given(catalogues(), books(), drafts())
def test_totals_are_the_sum_of_the_lines(
    catalogue: dict[str, Product], book: RuleBook, draft: QuoteDraft
) -> None:
    quote = priced(catalogue, book, draft)
    totals = quote.totals
    assert totals.net == sum((line.net for line in quote.lines), Decimal(0))
    assert totals.taxes == sum((line.tax for line in quote.lines), Decimal(0))
    assert totals.subtotal - totals.discounts == totals.net
    assert totals.net + totals.taxes == totals.total
    assert sum((t.tax for t in totals.by_rate), Decimal(0)) == totals.taxes
    for line in quote.lines:
        assert line.list_total - line.discount == line.net
        for amount in (line.net, line.tax, line.unit_net, line.list_total):
            assert amount == amount.quantize(Decimal("0.01"))


@settings(max_examples=200, deadline=None)
@given(catalogues(), books(), drafts())
def test_no_price_is_ever_negative(
    catalogue: dict[str, Product], book: RuleBook, draft: QuoteDraft
) -> None:
    quote = priced(catalogue, book, draft)
    for line in quote.lines:
        assert line.unit_net >= 0 and line.net >= 0 and line.tax >= 0
        assert line.quantity > 0
    assert quote.totals.total >= 0


@settings(max_examples=200, deadline=None)
@given(catalogues(), books(), drafts())
def test_pricing_a_priced_quote_again_changes_nothing(
    catalogue: dict[str, Product], book: RuleBook, draft: QuoteDraft
) -> None:
    first = priced(catalogue, book, draft)
    second = priced(catalogue, book, first.draft())
    assert second == first
    assert [line.input for line in first.lines if line.source is not Source.RULE] == list(
        draft.lines
    )


@settings(max_examples=200, deadline=None)
@given(
    cents,
    tier_lists(),
    st.sampled_from([RuleKind.VOLUME_DISCOUNT, RuleKind.VOLUME_LIST_PRICE]),
    st.sampled_from(list(ValueUnit)),
    st.data(),
)
def test_slab_equals_flat_when_one_tier_covers_the_quantity(
    price: Decimal,
    tiers: tuple[Tier, ...],
    kind: RuleKind,
    unit: ValueUnit,
    data: st.DataObject,
) -> None:
    first_bound = tiers[0].to if tiers[0].to is not None else Decimal(1000)
    quantity = data.draw(
        st.integers(1, int(first_bound * 100)).map(lambda q: Decimal(q) / 100), "quantity"
    )
    catalogue = {"P0": Product("P0", "P0", price, "EUR")}
    results = []
    for model in TierModel:
        rule = PriceRule("V", ("P0",), kind, unit, tiers=tiers, model=model)
        quote = price_quote(
            QuoteDraft((LineInput("P0", quantity),)), catalogue, RuleBook.build(prices=[rule]), CTX
        )
        results.append(quote.lines[0].net)
    assert results[0] == results[1]
