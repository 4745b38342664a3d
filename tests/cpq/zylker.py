"""The seed's examples (Zylker Apparel and Zylker Watches) as catalogue and rules.

Every number comes from the seed ``zoho-crm-cpq.fr.txt``; the same examples
ship as YAML in ``tests/cpq/fixtures/zylker/`` for the configuration tests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.cpq.catalogue import Product
from engine.cpq.conditions import PricingContext
from engine.cpq.configurator import (
    Action,
    ConfiguratorRule,
    QuantityFormat,
    QuantityOp,
    QuantitySpec,
)
from engine.cpq.lines import LineInput, PricedQuote, QuoteDraft
from engine.cpq.price_rules import PriceRule, RuleBook, RuleKind, Tier, TierModel, ValueUnit

D = Decimal
TODAY = PricingContext(date(2026, 12, 1))


def product(code: str, price: str, currency: str = "USD", **fields: int) -> Product:
    return Product(
        code,
        code.replace("-", " ").title(),
        D(price),
        currency,
        D(20),
        fields={k: D(v) for k, v in fields.items()},
    )


APPAREL = {
    p.code: p
    for p in (
        product("HOODIE-GREY-BLACK", "60.00"),
        product("SCARF-GREY", "15.00"),
        product("SCARF-BLACK", "15.00"),
        product("JEANS-SLIM", "45.00"),
    )
}

APPAREL_RULES = RuleBook.build(
    [
        ConfiguratorRule(
            "scarf-grey", Action.ADD, ("HOODIE-GREY-BLACK",), "SCARF-GREY", free=True, priority=1
        ),
        ConfiguratorRule(
            "scarf-black", Action.ADD, ("HOODIE-GREY-BLACK",), "SCARF-BLACK", free=True, priority=2
        ),
        ConfiguratorRule(
            "jeans", Action.SUGGEST, ("HOODIE-GREY-BLACK",), "JEANS-SLIM", QuantitySpec(D(2))
        ),
    ],
    [
        PriceRule("hoodie-sale", ("HOODIE-GREY-BLACK",), RuleKind.DIRECT_DISCOUNT, value=D(20)),
    ],
)

WATCHES = {
    p.code: p
    for p in (
        product("WALL-CLOCK-HERITAGE", "10890", "INR"),
        product("COUPLE-WATCH", "2500", "INR", set_of=2),
        product("REPAIR-PLAN", "1500", "INR"),
        product("BATTERY", "150", "INR"),
        product("WRIST-WATCH", "4500", "INR"),
        product("TRIO-WATCH", "7200", "INR", set_of=3),
        product("WATCH-CASE", "300", "INR"),
    )
}

HERITAGE_FREE_WATCH = ConfiguratorRule(
    "heritage-free-watch", Action.ADD, ("WALL-CLOCK-HERITAGE",), "COUPLE-WATCH", free=True
)
BATTERIES = ConfiguratorRule(
    "clock-batteries",
    Action.ADD,
    ("WALL-CLOCK-HERITAGE",),
    "BATTERY",
    QuantitySpec(D(2), QuantityOp.MULTIPLY),
)
WATCH_CASES = ConfiguratorRule(
    "watch-cases",
    Action.ADD,
    ("TRIO-WATCH", "COUPLE-WATCH"),
    "WATCH-CASE",
    QuantitySpec(from_base=QuantityOp.MULTIPLY, field="set_of"),
)
CLOCK_SUGGESTIONS = [
    ConfiguratorRule(
        f"clock-suggests-{code.lower()}", Action.SUGGEST, ("WALL-CLOCK-HERITAGE",), code
    )
    for code in ("REPAIR-PLAN", "BATTERY", "WRIST-WATCH")
]

LAPTOPS = {
    p.code: p for p in (product("LAPTOP-SLIM-BLACK", "900.00"), product("STAND-S405", "35.00"))
}


def stand_rule(number: int, fmt: QuantityFormat = QuantityFormat.ABSOLUTE) -> RuleBook:
    return RuleBook.build(
        [
            ConfiguratorRule(
                "laptop-stand",
                Action.ADD,
                ("LAPTOP-SLIM-BLACK",),
                "STAND-S405",
                QuantitySpec(D(number), QuantityOp.MULTIPLY, format=fmt),
            )
        ]
    )


# The $100 product ("product A") and a $500 one, for the four rule kinds.
A = {p.code: p for p in (product("A", "100.00"), product("B", "500.00"))}


def rule(kind: RuleKind, unit: ValueUnit, value: str | None = None, **extra: object) -> RuleBook:
    return RuleBook.build(
        prices=[
            PriceRule(
                f"{kind}-{unit}",
                ("A", "B"),
                kind,
                unit,
                None if value is None else D(value),
                **extra,  # type: ignore[arg-type]
            )
        ]
    )


def tiers(*values: str, last_open: bool = False) -> tuple[Tier, ...]:
    bounds: list[Decimal | None] = [D(10 * (i + 1)) for i in range(len(values))]
    if last_open:
        bounds[-1] = None
    return tuple(Tier(b, D(v)) for b, v in zip(bounds, values, strict=True))


def volume(kind: RuleKind, model: TierModel, *values: str) -> RuleBook:
    return rule(kind, ValueUnit.PERCENT, tiers=tiers(*values), model=model)


def draft(*lines: tuple[str, int | str]) -> QuoteDraft:
    return QuoteDraft(tuple(LineInput(code, D(qty)) for code, qty in lines))


def codes(quote: PricedQuote) -> list[tuple[object, object]]:
    return [(line.code, line.quantity) for line in quote.lines]
