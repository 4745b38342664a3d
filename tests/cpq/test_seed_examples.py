"""One test per example of the seed (zoho-crm-cpq.fr.txt), with its numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.cpq.configurator import (
    Action,
    ConfiguratorRule,
    QuantityFormat,
    QuantityOp,
    QuantitySpec,
)
from engine.cpq.lines import LineInput, QuoteDraft, Source, accept_suggestions
from engine.cpq.price_rules import PriceRule, RuleBook, RuleKind, TierModel, ValueUnit
from engine.cpq.pricing import price_quote
from tests.cpq import zylker as z
from tests.cpq.zylker import D, draft


def test_the_hoodie_adds_two_scarves_takes_20_percent_off_and_suggests_two_jeans() -> None:
    quote = price_quote(draft(("HOODIE-GREY-BLACK", 1)), z.APPAREL, z.APPAREL_RULES, z.TODAY)

    hoodie, grey, black = quote.lines
    assert (hoodie.list_price, hoodie.unit_net, hoodie.net) == (D("60.00"), D("48.00"), D("48.00"))
    assert hoodie.discount == D("12.00") and hoodie.price_rule == "hoodie-sale"
    assert [(grey.code, grey.free, grey.net), (black.code, black.free, black.net)] == [
        ("SCARF-GREY", True, D("0.00")),
        ("SCARF-BLACK", True, D("0.00")),
    ]
    assert grey.source is Source.RULE and grey.added_by == "scarf-grey"
    [jeans] = quote.suggestions
    assert (jeans.code, jeans.quantity, jeans.rule) == ("JEANS-SLIM", D(2), "jeans")
    assert quote.totals.net == D("48.00")
    assert quote.totals.subtotal == D("90.00") and quote.totals.discounts == D("42.00")


def test_the_rep_adds_the_suggested_jeans_in_one_batch() -> None:
    quote = price_quote(draft(("HOODIE-GREY-BLACK", 1)), z.APPAREL, z.APPAREL_RULES, z.TODAY)
    again = price_quote(
        accept_suggestions(quote.draft(), quote.suggestions), z.APPAREL, z.APPAREL_RULES, z.TODAY
    )
    assert z.codes(again) == [
        ("HOODIE-GREY-BLACK", 1),
        ("SCARF-GREY", 1),
        ("SCARF-BLACK", 1),
        ("JEANS-SLIM", 2),
    ]
    assert again.lines[-1].source is Source.SUGGESTION and again.lines[-1].net == D("90.00")
    assert again.suggestions == ()


def test_the_heritage_wall_clock_makes_the_couple_watch_free() -> None:
    book = RuleBook.build([z.HERITAGE_FREE_WATCH])
    quote = price_quote(draft(("WALL-CLOCK-HERITAGE", 1)), z.WATCHES, book, z.TODAY)

    clock, watch = quote.lines
    assert (clock.net, quote.currency) == (D("10890.00"), "INR")
    assert (watch.code, watch.list_price, watch.net, watch.free) == (
        "COUPLE-WATCH",
        D("2500"),
        D("0.00"),
        True,
    )
    assert watch.discount == D("2500.00")
    assert quote.totals.net == D("10890.00")


def test_bought_alone_the_couple_watch_keeps_its_price() -> None:
    book = RuleBook.build([z.HERITAGE_FREE_WATCH])
    quote = price_quote(draft(("COUPLE-WATCH", 1)), z.WATCHES, book, z.TODAY)
    assert [(line.net, line.free) for line in quote.lines] == [(D("2500.00"), False)]


def test_a_price_rule_on_the_product_overrides_its_free_configuration() -> None:
    special = PriceRule(
        "couple-watch-special", ("COUPLE-WATCH",), RuleKind.DIRECT_LIST_PRICE,
        ValueUnit.AMOUNT, D(1999),
    )  # fmt: skip
    book = RuleBook.build([z.HERITAGE_FREE_WATCH], [special])
    quote = price_quote(draft(("WALL-CLOCK-HERITAGE", 1)), z.WATCHES, book, z.TODAY)

    watch = quote.lines[1]
    assert (watch.free, watch.net, watch.price_rule) == (False, D("1999.00"), special.id)
    overridden = [s for s in watch.trace if s.kind == "free_overridden"]
    assert overridden and overridden[0].rule == "heritage-free-watch"
    assert "couple-watch-special" in overridden[0].text()
    assert "neutralisé" in overridden[0].text("fr")


@pytest.mark.parametrize(("per_laptop", "stands"), [(1, 10), (2, 20)])
def test_ten_laptops_bring_their_stands(per_laptop: int, stands: int) -> None:
    quote = price_quote(
        draft(("LAPTOP-SLIM-BLACK", 10)), z.LAPTOPS, z.stand_rule(per_laptop), z.TODAY
    )
    assert z.codes(quote) == [("LAPTOP-SLIM-BLACK", 10), ("STAND-S405", stands)]
    added = next(s for s in quote.lines[1].trace if s.kind == "added")
    assert added.params["quantity"] == f"10 × {per_laptop} = {stands}"


def test_four_wall_clocks_times_two_batteries_give_eight() -> None:
    book = RuleBook.build([z.BATTERIES])
    quote = price_quote(draft(("WALL-CLOCK-HERITAGE", 4)), z.WATCHES, book, z.TODAY)
    assert z.codes(quote) == [("WALL-CLOCK-HERITAGE", 4), ("BATTERY", 8)]
    assert quote.lines[1].net == D("1200.00")


def test_five_sets_of_three_watches_give_fifteen_cases() -> None:
    book = RuleBook.build([z.WATCH_CASES])
    quote = price_quote(draft(("TRIO-WATCH", 5)), z.WATCHES, book, z.TODAY)
    assert z.codes(quote) == [("TRIO-WATCH", 5), ("WATCH-CASE", 15)]
    couple = price_quote(draft(("COUPLE-WATCH", 1)), z.WATCHES, book, z.TODAY)
    assert z.codes(couple) == [("COUPLE-WATCH", 1), ("WATCH-CASE", 2)]


def test_dynamic_quantity_reads_only_the_first_matching_line() -> None:
    book = RuleBook.build([z.BATTERIES])
    three_colours = QuoteDraft(
        tuple(
            LineInput("WALL-CLOCK-HERITAGE", D(qty), description=colour)
            for colour, qty in (("bleu", 3), ("noir", 1), ("gris", 2))
        )
    )
    quote = price_quote(three_colours, z.WATCHES, book, z.TODAY)
    batteries = [line for line in quote.lines if line.code == "BATTERY"]
    assert [b.quantity for b in batteries] == [D(6)]
    assert [line.code for line in quote.lines][:2] == ["WALL-CLOCK-HERITAGE", "BATTERY"]


def test_any_product_cannot_have_a_dynamic_quantity() -> None:
    with pytest.raises(ValueError, match="specific base products"):
        ConfiguratorRule("any", Action.ADD, (), "BATTERY", QuantitySpec(D(2), QuantityOp.MULTIPLY))


def test_any_product_rule_with_an_absolute_quantity_fires_once() -> None:
    plan = ConfiguratorRule("plan", Action.ADD, (), "REPAIR-PLAN", QuantitySpec(D(1)))
    quote = price_quote(
        draft(("WRIST-WATCH", 2), ("BATTERY", 3)), z.WATCHES, RuleBook.build([plan]), z.TODAY
    )
    assert z.codes(quote) == [("WRIST-WATCH", 2), ("REPAIR-PLAN", 1), ("BATTERY", 3)]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [(QuantityFormat.ABSOLUTE, D("2.5")), (QuantityFormat.CEIL, 3), (QuantityFormat.FLOOR, 2)],
)
def test_quantity_formats_absolute_ceil_floor(fmt: QuantityFormat, expected: Decimal) -> None:
    one_per_two = ConfiguratorRule(
        "stand-per-2", Action.ADD, ("LAPTOP-SLIM-BLACK",), "STAND-S405",
        QuantitySpec(D(2), QuantityOp.DIVIDE, format=fmt),
    )  # fmt: skip
    quote = price_quote(
        draft(("LAPTOP-SLIM-BLACK", 5)), z.LAPTOPS, RuleBook.build([one_per_two]), z.TODAY
    )
    assert quote.lines[1].quantity == expected


def test_quantity_can_add_a_number_to_the_base_quantity() -> None:
    spare = ConfiguratorRule(
        "spare", Action.ADD, ("LAPTOP-SLIM-BLACK",), "STAND-S405",
        QuantitySpec(D(1), QuantityOp.ADD),
    )  # fmt: skip
    quote = price_quote(
        draft(("LAPTOP-SLIM-BLACK", 3)), z.LAPTOPS, RuleBook.build([spare]), z.TODAY
    )
    assert quote.lines[1].quantity == 4


def test_the_clock_suggests_a_repair_plan_batteries_and_wrist_watches() -> None:
    book = RuleBook.build(z.CLOCK_SUGGESTIONS)
    quote = price_quote(draft(("WALL-CLOCK-HERITAGE", 1)), z.WATCHES, book, z.TODAY)
    assert [s.code for s in quote.suggestions] == ["BATTERY", "REPAIR-PLAN", "WRIST-WATCH"]
    picked = [s for s in quote.suggestions if s.code != "WRIST-WATCH"]
    again = price_quote(accept_suggestions(quote.draft(), picked), z.WATCHES, book, z.TODAY)
    assert [s.code for s in again.suggestions] == ["WRIST-WATCH"]
    assert again.totals.net == D("10890") + D("150") + D("1500")


def test_a_quoted_item_field_update_writes_the_description_and_can_make_it_free() -> None:
    note = ConfiguratorRule(
        "cpq-note", Action.SET_FIELD, ("WRIST-WATCH",), description="CPQ rules applied"
    )
    gift = ConfiguratorRule(
        "gift", Action.SET_FIELD, ("WALL-CLOCK-HERITAGE",), "BATTERY", free=True
    )
    book = RuleBook.build([note, gift])
    quote = price_quote(
        draft(("WRIST-WATCH", 1), ("WALL-CLOCK-HERITAGE", 1), ("BATTERY", 2)),
        z.WATCHES,
        book,
        z.TODAY,
    )
    watch, clock, battery = quote.lines
    assert watch.description == "CPQ rules applied" and clock.description == ""
    assert (battery.free, battery.net, battery.source) == (True, D("0.00"), Source.REP)


# -- the four kinds of price rule, on the $100 product (and the $500 one) ------------------


@pytest.mark.parametrize(
    ("kind", "unit", "value", "on_100", "on_500"),
    [
        (RuleKind.DIRECT_DISCOUNT, ValueUnit.PERCENT, "10", "90.00", "450.00"),
        (RuleKind.DIRECT_DISCOUNT, ValueUnit.AMOUNT, "10", "90.00", "490.00"),
        (RuleKind.DIRECT_LIST_PRICE, ValueUnit.PERCENT, "90", "90.00", "450.00"),
        (RuleKind.DIRECT_LIST_PRICE, ValueUnit.AMOUNT, "80", "80.00", "80.00"),
    ],
)
def test_direct_rules_percentage_and_absolute(
    kind: RuleKind, unit: ValueUnit, value: str, on_100: str, on_500: str
) -> None:
    quote = price_quote(draft(("A", 1), ("B", 1)), z.A, z.rule(kind, unit, value), z.TODAY)
    assert [line.unit_net for line in quote.lines] == [D(on_100), D(on_500)]
    assert quote.lines[0].list_price == D("100.00")


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (RuleKind.VOLUME_DISCOUNT, ("10", "20", "30")),
        (RuleKind.VOLUME_LIST_PRICE, ("90", "80", "70")),
    ],
)
@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [(1, "90.00"), (10, "90.00"), (11, "80.00"), (20, "80.00"), (21, "70.00"), (30, "70.00")],
)
def test_volume_tiers_1_10_11_20_21_30_give_90_80_70(
    kind: RuleKind, values: tuple[str, ...], quantity: int, unit_price: str
) -> None:
    book = z.volume(kind, TierModel.FLAT, *values)
    [line] = price_quote(draft(("A", quantity)), z.A, book, z.TODAY).lines
    assert line.unit_net == D(unit_price)
    assert line.net == D(unit_price) * quantity


@pytest.mark.parametrize("kind", [RuleKind.VOLUME_DISCOUNT, RuleKind.VOLUME_LIST_PRICE])
def test_volume_rules_with_absolute_values(kind: RuleKind) -> None:
    values = ("10", "20", "30") if kind is RuleKind.VOLUME_DISCOUNT else ("90", "80", "70")
    book = z.rule(kind, ValueUnit.AMOUNT, tiers=z.tiers(*values))
    prices = [
        price_quote(draft(("A", q)), z.A, book, z.TODAY).lines[0].unit_net for q in (5, 15, 25)
    ]
    assert prices == [D("90.00"), D("80.00"), D("70.00")]


def test_flat_versus_slab_on_a_quantity_spanning_tiers() -> None:
    flat = z.volume(RuleKind.VOLUME_DISCOUNT, TierModel.FLAT, "10", "20", "30")
    slab = z.volume(RuleKind.VOLUME_DISCOUNT, TierModel.SLAB, "10", "20", "30")
    [by_flat] = price_quote(draft(("A", 25)), z.A, flat, z.TODAY).lines
    [by_slab] = price_quote(draft(("A", 25)), z.A, slab, z.TODAY).lines

    assert by_flat.net == 25 * D(70) == D("1750.00")
    assert by_slab.net == 10 * D(90) + 10 * D(80) + 5 * D(70) == D("2050.00")
    assert by_slab.unit_net == D("82.00")
    slabs = [(s.params["units"], s.params["price"]) for s in by_slab.trace if s.kind == "slab"]
    assert slabs == [("10", "90.00 USD"), ("10", "80.00 USD"), ("5", "70.00 USD")]


def test_a_quantity_above_the_last_tier_is_outside_the_rule() -> None:
    book = z.volume(RuleKind.VOLUME_DISCOUNT, TierModel.FLAT, "10", "20", "30")
    [line] = price_quote(draft(("A", 31)), z.A, book, z.TODAY).lines
    assert (line.unit_net, line.price_rule) == (D("100.00"), None)
    skipped = next(s for s in line.trace if s.kind == "rule_skipped")
    assert "above the last tier (30)" in skipped.text()
    open_ended = z.rule(
        RuleKind.VOLUME_DISCOUNT,
        ValueUnit.PERCENT,
        tiers=z.tiers("10", "20", "30", last_open=True),
    )
    [line] = price_quote(draft(("A", 500)), z.A, open_ended, z.TODAY).lines
    assert line.unit_net == D("70.00")


def test_a_rule_whose_product_or_field_is_missing_is_skipped_with_a_warning() -> None:
    ghost = ConfiguratorRule("ghost", Action.ADD, ("BATTERY",), "NOT-IN-CATALOGUE")
    cases = ConfiguratorRule(
        "cases", Action.ADD, ("BATTERY",), "WATCH-CASE",
        QuantitySpec(from_base=QuantityOp.MULTIPLY, field="set_of"),
    )  # fmt: skip
    quote = price_quote(draft(("BATTERY", 2)), z.WATCHES, RuleBook.build([ghost, cases]), z.TODAY)
    assert z.codes(quote) == [("BATTERY", 2)]
    assert quote.warnings == (
        "configurator rule cases not applied: product BATTERY has no field set_of",
        "configurator rule ghost not applied: product NOT-IN-CATALOGUE is not in the catalogue",
    )
    assert "n'a pas de champ set_of" in quote.lines[0].trace[1].text("fr")
