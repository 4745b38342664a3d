"""The CPQ YAML: the shipped example, the seed's fixtures, and precise errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.cpq_schema import (
    CpqConfigError,
    load_catalogue_file,
    load_cpq,
    load_pricing_file,
)
from engine.cpq.conditions import PricingContext
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.pricing import price_quote

ROOT = Path(__file__).resolve().parents[2]
ZYLKER = Path(__file__).parent / "fixtures" / "zylker"
D = Decimal


def lines(*items: tuple[str, str]) -> QuoteDraft:
    return QuoteDraft(tuple(LineInput(code, D(qty)) for code, qty in items))


def test_the_shipped_stove_catalogue_and_rules_price_a_spring_fair_quote() -> None:
    catalogue = {p.code: p for p in load_catalogue_file(ROOT / "config" / "catalogue.yaml")}
    setup = load_cpq(ROOT / "config")
    assert catalogue["GRANULES-SAC15"].unit_price == D("6.90")
    assert catalogue["PG-CANAL12"].number("bouches") == 2
    assert not catalogue["PG-ECO6-2024"].active
    fair = PricingContext(date(2026, 3, 15), {"deal.origin": "parrainage"})
    quote = price_quote(
        lines(("PG-ECO8", "1"), ("TUBAGE-INOX-80", "8")), catalogue, setup.book, fair
    )
    assert [(line.code, line.net) for line in quote.lines] == [
        ("PG-ECO8", D("2590.00")),  # the fair's 300 € off wins over the referral's 5 %
        ("POSE-POELE", D("690.00")),
        ("KIT-RACCORD-80", D("189.00")),
        ("PLAQUE-SOL", D("0.00")),
        ("TUBAGE-INOX-80", D("382.00")),  # 6 m at 49 + 2 m at 44 (slab)
    ]
    assert quote.lines[-1].description.startswith("Inox 316L, conforme DTU 24.1 —")
    assert [(s.code, s.quantity) for s in quote.suggestions] == [
        ("ENTRETIEN-ANNUEL", D(1)),
        ("GRANULES-SAC15", D(66)),
        ("THERMOSTAT-WIFI", D(1)),
    ]
    assert quote.totals.net == D("3851.00")
    assert quote.totals.taxes == D("211.81")  # 5.5 % of 3 851.00
    assert setup.settings.company[0] == "Poêles & Flammes SARL"


def test_the_seed_fixtures_in_yaml_give_the_seed_numbers() -> None:
    catalogue = {p.code: p for p in load_catalogue_file(ZYLKER / "catalogue.yaml")}
    setup = load_pricing_file(ZYLKER / "pricing.yaml")
    ctx = PricingContext(date(2026, 12, 1))

    def price(*items: tuple[str, str]) -> list[tuple[object, object, object]]:
        quote = price_quote(lines(*items), catalogue, setup.book, ctx)
        return [(line.code, line.quantity, line.net) for line in quote.lines]

    assert price(("HOODIE-GREY-BLACK", "1")) == [
        ("HOODIE-GREY-BLACK", 1, D("48.00")),
        ("SCARF-GREY", 1, 0),
        ("SCARF-BLACK", 1, 0),
    ]
    assert price(("WALL-CLOCK-HERITAGE", "4"))[1:] == [
        ("BATTERY", 8, D(1200)),  # rules run by priority, then id
        ("COUPLE-WATCH", 1, 0),  # added lines never trigger rules: no watch case
    ]
    assert price(("TRIO-WATCH", "5"))[1] == ("WATCH-CASE", 15, D(4500))
    assert price(("LAPTOP-SLIM-BLACK", "10"))[1][:2] == ("STAND-S405", 10)
    assert price(("A", "25"))[0][2] == D("2050.00")
    assert price(("B", "1"))[0][2] == D("450.00")
    assert setup.settings.move_deal_to is None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pricing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount, percent: 5, colour: red}",
         "pricing.yaml: price_rules[0].colour: unknown key"),
        ("configurator:\n  - {id: c, base: [A]}",
         "pricing.yaml: configurator[0]: give exactly one action: add, suggest or set_field"),
        ("configurator:\n  - {id: c, base: any, add: B,"
         " quantity: {from_base: multiply, number: 2}}",
         "configurator[0]: configurator rule c: a dynamic quantity needs specific base products"),
        ("price_rules:\n  - id: r\n    products: [A]\n    kind: volume_discount\n"
         "    tiers: [{to: 10, percent: 5}, {amount: 3}]",
         "price_rules[0]: all tiers use percent, or all use amount"),
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount}",
         "price_rules[0]: give either percent or amount"),
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount, percent: 5}\n"
         "  - {id: r, products: [B], kind: direct_discount, percent: 5, priority: 2}",
         "pricing.yaml: price rule id r appears twice"),
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount, percent: 5}\n"
         "  - {id: s, products: [A], kind: direct_discount, percent: 6}",
         "price rules r and s on A share priority 100"),
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount, percent: 5,"
         " when: [{field: deal.size, op: gte, value: big}]}",
         "price_rules[0]: deal.size: 'gte' compares numbers or dates"),
        ("price_rules:\n  - {id: r, products: [A], kind: direct_discount, percent: 5,"
         " valid_from: 2026-05-01, valid_until: 2026-04-01}",
         "price_rules[0]: valid_from is after valid_until"),
        ("price_rules:\n  - {id: r, products: [A], kind: sideways, percent: 5}",
         "price_rules[0].kind: Input should be 'direct_discount'"),
        ("quotes: {number_prefix: devis-}", "quotes.number_prefix: String should match"),
        ("price_rules: [", "pricing.yaml: invalid YAML"),
    ],
)  # fmt: skip
def test_each_problem_names_the_file_and_the_path(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(CpqConfigError) as caught:
        load_pricing_file(write(tmp_path, text))
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_catalogue_problems_and_exact_decimals(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "products:\n  - {code: A, name: A, unit_price: 0.1}\n"
        "  - {code: B, name: B, unit_price: 1.005}\n  - {code: A, name: A2, unit_price: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(CpqConfigError) as caught:
        load_catalogue_file(path)
    assert caught.value.problems == (
        "catalogue.yaml: products[1].unit_price: Decimal input should have no more than"
        " 2 decimal places",
    )
    path.write_text("products:\n  - {code: A, name: A, unit_price: 0.1}\n", encoding="utf-8")
    assert load_catalogue_file(path)[0].unit_price == D("0.1")


def test_no_pricing_file_means_no_rules(tmp_path: Path) -> None:
    setup = load_cpq(tmp_path)
    assert setup.book.configurator.rules == () and setup.settings.move_deal_to == "devis"
