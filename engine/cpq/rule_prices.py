"""What one price rule makes of a line: its unit price and net, with the trace.

The arithmetic of the rule kinds and tier models described in
:mod:`engine.cpq.pricing`, each step recorded as it is made; ``None`` when the
rule does not apply, the trace then saying why.
"""

from __future__ import annotations

from decimal import Decimal

from engine.cpq.lines import TraceStep
from engine.cpq.price_rules import PriceRule, Tier, TierModel, ValueUnit, flat_tier, slab_segments
from engine.cpq.rounding import HUNDRED, ZERO, QuoteCurrency, show_number

# What the winning rule makes of a line: its unit and line net, both rounded.
Prices = tuple[Decimal, Decimal]


def evaluate(
    rule: PriceRule,
    list_price: Decimal,
    quantity: Decimal,
    money: QuoteCurrency,
    steps: list[TraceStep],
) -> Prices | None:
    """The rule's prices for the line, its steps added to ``steps`` as they are made.

    ``None`` when the rule does not apply (its currency, or a quantity beyond its
    last tier): the step then says why.
    """
    if rule.unit is ValueUnit.AMOUNT and rule.currency and rule.currency != money.currency:
        why = {"rule_currency": rule.currency, "currency": money.currency}
        _skip(rule, "currency", why, steps)
        return None
    if not rule.kind.volume:
        assert rule.value is not None
        return _flat(rule, rule.value, None, list_price, quantity, money, steps)
    if rule.model is TierModel.FLAT:
        tier = flat_tier(rule.tiers, quantity)
        if tier is not None:
            return _flat(rule, tier.value, tier.to, list_price, quantity, money, steps)
    else:
        segments = slab_segments(rule.tiers, quantity)
        if segments is not None:
            return _slab(rule, segments, list_price, quantity, money, steps)
    why = {"quantity": show_number(quantity), "to": str(rule.tiers[-1].to)}
    _skip(rule, "beyond_tiers", why, steps)
    return None


def _skip(
    rule: PriceRule, reason_code: str, params: dict[str, str], steps: list[TraceStep]
) -> None:
    steps.append(TraceStep("rule_skipped", rule.id, {"reason_code": reason_code, **params}))


def _flat(
    rule: PriceRule,
    value: Decimal,
    tier_to: Decimal | None,
    list_price: Decimal,
    quantity: Decimal,
    money: QuoteCurrency,
    steps: list[TraceStep],
) -> Prices:
    unit, clamped = _unit_price(rule, value, list_price, money)
    shown = _value_text(rule, value, money)
    if rule.kind.volume:
        shown = f"{rule.model} {_tier_text(tier_to)}: {shown}"
    params = {"kind": rule.kind.value, "value": shown, "price": money.show(unit)}
    steps.append(TraceStep("rule_applied", rule.id, params))
    if clamped is not None:
        steps.append(clamped)
    return unit, money.round(unit * quantity)


def _slab(
    rule: PriceRule,
    segments: list[tuple[Decimal, Tier]],
    list_price: Decimal,
    quantity: Decimal,
    money: QuoteCurrency,
    steps: list[TraceStep],
) -> Prices:
    total = ZERO
    tiers: list[TraceStep] = []  # after the "applied" step, which needs their total
    for units, tier in segments:
        unit, clamped = _unit_price(rule, tier.value, list_price, money)
        total += units * unit
        if clamped is not None:
            tiers.append(clamped)
        tiers.append(
            TraceStep(
                "slab",
                rule.id,
                {
                    "units": show_number(units),
                    "price": money.show(unit),
                    "to": _tier_text(tier.to),
                },
            )
        )
    net = money.round(total)
    unit_net = money.round(net / quantity)
    params = {"kind": rule.kind.value, "value": "slab", "price": money.show(unit_net)}
    steps.append(TraceStep("rule_applied", rule.id, params))
    steps.extend(tiers)
    return unit_net, net


def _unit_price(
    rule: PriceRule, value: Decimal, list_price: Decimal, money: QuoteCurrency
) -> tuple[Decimal, TraceStep | None]:
    """The rounded unit price, and the "clamped" step if a discount exceeded the price."""
    percent = rule.unit is ValueUnit.PERCENT
    if rule.kind.discount:
        off = list_price * value / HUNDRED if percent else value
        if off > list_price:
            shown = money.round(off)
            params = {"amount": money.show(shown), "price": money.show(list_price)}
            return money.round(ZERO), TraceStep("clamped", rule.id, params)
        return money.round(list_price - off), None
    price = list_price * value / HUNDRED if percent else value
    return money.round(price), None


def _value_text(rule: PriceRule, value: Decimal, money: QuoteCurrency) -> str:
    if rule.unit is ValueUnit.PERCENT:
        return f"{show_number(value)} %"
    return money.show(value)


def _tier_text(to: Decimal | None) -> str:
    return "∞" if to is None else show_number(to)
