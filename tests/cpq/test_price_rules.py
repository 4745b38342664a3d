"""Price rule conditions, the order in which rules apply, traces and rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.cpq.catalogue import Product
from engine.cpq.conditions import Condition, Op, PricingContext
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.price_rules import (
    PriceRule,
    RuleBook,
    RuleKind,
    Tier,
    TierModel,
    ValueUnit,
)
from engine.cpq.pricing import price_quote
from engine.cpq.rounding import round_money
from engine.errors import ValidationFailed
from tests.cpq import zylker as z
from tests.cpq.zylker import D, draft

REFERRAL = PriceRule(
    "referral-10",
    ("A",),
    RuleKind.DIRECT_DISCOUNT,
    value=D(10),
    conditions=(Condition("deal.origin", Op.EQ, "employee_referral"),),
)


def ctx(on: date = date(2026, 6, 1), **fields: str | Decimal) -> PricingContext:
    return PricingContext(on, {f"deal.{k}": v for k, v in fields.items()})


def one_line(book: RuleBook, context: PricingContext, quantity: int = 1) -> Decimal:
    return price_quote(draft(("A", quantity)), z.A, book, context).lines[0].unit_net


def test_an_employee_referral_gets_ten_percent_off() -> None:
    book = RuleBook.build(prices=[REFERRAL])
    assert one_line(book, ctx(origin="employee_referral")) == D("90.00")
    assert one_line(book, ctx(origin="Employee_Referral ")) == D("90.00")
    assert one_line(book, ctx(origin="web form")) == D("100.00")
    [line] = price_quote(draft(("A", 1)), z.A, book, ctx()).lines
    skipped = [s for s in line.trace if s.kind == "rule_skipped"]
    assert skipped[0].text() == "price rule referral-10 not applied: deal.origin: ∅"


def test_a_year_end_clearance_holds_only_during_its_period() -> None:
    clearance = PriceRule(
        "clearance",
        ("A",),
        RuleKind.DIRECT_LIST_PRICE,
        ValueUnit.PERCENT,
        D(50),
        conditions=(
            Condition("date", Op.GTE, date(2026, 12, 1)),
            Condition("date", Op.LTE, date(2026, 12, 31)),
        ),
    )
    book = RuleBook.build(prices=[clearance])
    assert one_line(book, ctx(date(2026, 12, 1))) == D("50.00")
    assert one_line(book, ctx(date(2026, 12, 31))) == D("50.00")
    assert one_line(book, ctx(date(2027, 1, 1))) == D("100.00")
    assert one_line(book, ctx(date(2026, 11, 30))) == D("100.00")


def test_deal_size_and_region_conditions() -> None:
    big = PriceRule(
        "big-deal",
        ("A",),
        RuleKind.DIRECT_DISCOUNT,
        ValueUnit.AMOUNT,
        D(5),
        conditions=(
            Condition("quote.list_total", Op.GTE, D(1000)),
            Condition("deal.region", Op.IN, ("nord", "est")),
        ),
    )
    book = RuleBook.build(prices=[big])
    assert one_line(book, ctx(region="Nord"), 10) == D("95.00")
    assert one_line(book, ctx(region="sud"), 10) == D("100.00")
    assert one_line(book, ctx(region="nord"), 9) == D("100.00")
    big_revenue = Condition("deal.expected_revenue", Op.GT, D(5000))
    assert big_revenue.failure(ctx(expected_revenue=D("8000.00"))) is None
    assert big_revenue.failure(ctx(expected_revenue=D(10))) == "deal.expected_revenue: 10 ≤ 5000"


def test_the_lowest_priority_wins_ties_go_by_id_and_the_rest_are_overridden() -> None:
    rules = [
        PriceRule("b-second", ("A",), RuleKind.DIRECT_DISCOUNT, value=D(20), priority=5),
        PriceRule("a-tie-first", ("A",), RuleKind.DIRECT_DISCOUNT, value=D(30), priority=5),
        PriceRule("first", ("A",), RuleKind.DIRECT_DISCOUNT, value=D(10), priority=1),
        REFERRAL,
    ]
    [line] = price_quote(draft(("A", 1)), z.A, RuleBook.build(prices=rules), ctx()).lines
    assert (line.price_rule, line.unit_net) == ("first", D("90.00"))
    kinds = [(s.kind, s.rule) for s in line.trace][1:-1]
    assert kinds == [("rule_applied", "first"), ("rule_overridden", None)]
    assert line.trace[2].text() == (
        "price rules overridden by first (priority 1): a-tie-first, b-second, referral-10"
    )


def test_rules_tried_before_the_winner_say_why_they_did_not_apply() -> None:
    early = PriceRule("early", ("A",), RuleKind.DIRECT_DISCOUNT, value=D(50), priority=0,
                      conditions=(Condition("deal.region", Op.EQ, "sud"),))  # fmt: skip
    [line] = price_quote(
        draft(("A", 1)), z.A, RuleBook.build(prices=[early, REFERRAL]), ctx(region="nord")
    ).lines
    assert [s.text() for s in line.trace][1:3] == [
        "price rule early not applied: deal.region: nord ≠ sud",
        "price rule referral-10 not applied: deal.origin: ∅",
    ]


def test_a_rule_not_applying_to_the_quantity_lets_the_next_one_win() -> None:
    volume = PriceRule(
        "volume",
        ("A",),
        RuleKind.VOLUME_DISCOUNT,
        tiers=(Tier(D(10), D(0)), Tier(D(20), D(15))),
        priority=1,
    )
    fallback = PriceRule("fallback", ("A",), RuleKind.DIRECT_DISCOUNT, value=D(25), priority=2)
    book = RuleBook.build(prices=[volume, fallback])
    assert one_line(book, ctx(), 15) == D("85.00")
    assert one_line(book, ctx(), 50) == D("75.00")


def test_the_trace_explains_the_line_in_both_languages() -> None:
    [line] = price_quote(
        draft(("A", 3)), z.A, z.rule(RuleKind.DIRECT_DISCOUNT, ValueUnit.PERCENT, "10"), ctx()
    ).lines
    assert [s.text() for s in line.trace] == [
        "list price $100.00 (catalogue)",  # stored "100.00 USD", shown as the reader writes it
        "price rule direct_discount-percent (direct discount, 10%): unit price $90.00",
        "net $270.00 = list $300.00 − discount $30.00",
    ]
    assert line.trace[1].text("fr") == (
        "règle de prix direct_discount-percent (remise directe, 10\xa0%) : "
        "prix unitaire 90,00\xa0$US"
    )
    assert line.trace[1].params["price"] == "90.00 USD"  # the stored trace stays exact


def test_an_absolute_discount_larger_than_the_price_stops_at_zero() -> None:
    book = z.rule(RuleKind.DIRECT_DISCOUNT, ValueUnit.AMOUNT, "150")
    [small, large] = price_quote(draft(("A", 1), ("B", 1)), z.A, book, ctx()).lines
    assert (small.unit_net, large.unit_net) == (D("0.00"), D("350.00"))
    assert any(s.kind == "clamped" for s in small.trace)


def test_rounding_is_half_up_per_unit_then_per_line() -> None:
    odd = {"ODD": Product("ODD", "Odd", D("33.33"), "EUR", D("5.5"))}
    rule = PriceRule("odd-15", ("ODD",), RuleKind.DIRECT_DISCOUNT, value=D(15))
    quote = price_quote(
        QuoteDraft((LineInput("ODD", D("7.5")),)), odd, RuleBook.build(prices=[rule]), ctx()
    )
    [line] = quote.lines
    assert line.unit_net == D("28.33")  # 33.33 × 0.85 = 28.3305
    assert line.net == D("212.48")  # 28.33 × 7.5 = 212.475, half-up
    assert line.list_total == D("249.98")  # 33.33 × 7.5 = 249.975
    assert line.tax == D("11.69")  # 212.48 × 5.5 % = 11.6864
    assert quote.totals.total == D("224.17")
    assert round_money(D("2.5"), "JPY") == D(3) and round_money(D("0.125"), "EUR") == D("0.13")


def test_amount_rules_only_apply_in_their_currency() -> None:
    euro_off = PriceRule(
        "euro-off", ("A",), RuleKind.DIRECT_DISCOUNT, ValueUnit.AMOUNT, D(10), currency="EUR"
    )
    [line] = price_quote(draft(("A", 1)), z.A, RuleBook.build(prices=[euro_off]), ctx()).lines
    assert line.unit_net == D("100.00")
    assert "amounts in EUR, the quote is in USD" in line.trace[1].text()


def test_manual_lines_are_priced_as_entered_and_rules_ignore_them() -> None:
    quote = price_quote(
        QuoteDraft((LineInput.manual("Déplacement", D(1), D("59.999"), D(20)),)),
        {},
        RuleBook(),
        ctx(),
    )
    [line] = quote.lines
    assert (line.code, line.list_price, line.net, line.tax, quote.currency) == (
        None,
        D("60.00"),
        D("60.00"),
        D("12.00"),
        "EUR",
    )


def test_bad_lines_are_refused_all_at_once() -> None:
    bad = QuoteDraft(
        (
            LineInput("NOPE", D(1)),
            LineInput("A", D(0)),
            LineInput.manual("", D(1), D(5)),
        )
    )
    with pytest.raises(ValidationFailed) as caught:
        price_quote(bad, z.A, RuleBook(), ctx())
    assert set(caught.value.errors) == {"line 1", "line 2", "line 3"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": RuleKind.VOLUME_DISCOUNT, "value": D(1)}, "volume rules have tiers"),
        ({"kind": RuleKind.DIRECT_DISCOUNT, "value": D(101)}, "at most 100"),
        (
            {
                "kind": RuleKind.VOLUME_DISCOUNT,
                "tiers": (Tier(D(20), D(1)), Tier(D(10), D(2))),
            },
            "increasing",
        ),
        (
            {"kind": RuleKind.VOLUME_DISCOUNT, "tiers": (Tier(None, D(1)), Tier(D(10), D(2)))},
            "open-ended",
        ),
    ],
)
def test_inconsistent_rules_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PriceRule("bad", ("A",), **kwargs)  # type: ignore[arg-type]


def test_slab_with_a_list_price_rule() -> None:
    book = z.volume(RuleKind.VOLUME_LIST_PRICE, TierModel.SLAB, "90", "80", "70")
    [line] = price_quote(draft(("A", 15)), z.A, book, ctx()).lines
    assert line.net == D("1300.00") and line.unit_net == D("86.67")


def test_rule_ids_are_unique_in_a_rule_book() -> None:
    with pytest.raises(ValueError, match="two rules have the id referral-10"):
        RuleBook.build(prices=[REFERRAL, REFERRAL])
