"""Price rules and the pricing of a quote: pure functions of plain dataclasses.

**Rule kinds** (each value a ``percent`` or an ``amount``), for a list price L:

=====================  ==========================  ==========================
kind                   percent p                   amount a
=====================  ==========================  ==========================
direct_discount        L × (100 − p) / 100         L − a (never below 0)
direct_list_price      L × p / 100                 a
volume_discount        as direct_discount, with the value of the tier
volume_list_price      as direct_list_price, with the value of the tier
=====================  ==========================  ==========================

**Tiers** are given by their upper bound, inclusive: ``to: 10, 20, 30`` reads
1–10, 11–20, 21–30 (for whole quantities, the half-open ranges [1, 11),
[11, 21), [21, 31)); the last tier may be open (``to: None``). A quantity above
the last closed tier is outside the rule, which then does not apply. *Flat*
prices the whole quantity in the tier it falls into; *slab* prices the units
within each tier at that tier's price (10 at the 1–10 price, the next 10 at
the 11–20 price, …).

**Which rule applies.** Rules are indexed by product code. For a line, the
product's rules are tried by ascending ``priority``, then rule id; the first
whose conditions hold and that applies to the quantity wins, and it is the
only one: the trace lists the rules tried before it as not applied (and why)
and the rules after it as overridden by it. A winning price rule takes precedence over a
configurator rule that made the product free (the trace says so).

**Rounding** (half-up to the currency's minor unit, cents for EUR and USD):
each unit price a rule computes is rounded; a line's list total and net are
rounded once (``unit × quantity``, or the sum over slab tiers); its discount
is ``list total − net``; its tax is ``net × rate`` rounded per line. Totals
are plain sums of the lines, so they always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property

from engine.cpq.catalogue import Catalogue
from engine.cpq.conditions import Condition, PricingContext, Verdicts
from engine.cpq.configurator import ConfiguratorIndex, ConfiguratorRule, WorkLine, configure
from engine.cpq.lines import (
    LineInput,
    PricedLine,
    PricedQuote,
    QuoteDraft,
    Source,
    TaxLine,
    Totals,
    TraceStep,
    quantity_problem,
)
from engine.errors import ValidationFailed

HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Currencies without a minor unit; every other one rounds to the cent (amounts
# are stored in cents, so three-decimal currencies are not supported).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "XOF": 0, "XAF": 0}


_QUANTA: dict[str, Decimal] = {}


def minor_unit(currency: str) -> Decimal:
    quantum = _QUANTA.get(currency)
    if quantum is None:
        quantum = _QUANTA[currency] = Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))
    return quantum


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit: the one rounding rule of pricing."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Money:
    """A quote's currency with its minor unit, looked up once per quote.

    Pricing a line rounds half a dozen amounts: this keeps :func:`round_money`'s
    rule without looking the minor unit up for each of them.
    """

    currency: str
    quantum: Decimal

    @classmethod
    def of(cls, currency: str) -> _Money:
        return cls(currency, minor_unit(currency))

    def round(self, amount: Decimal) -> Decimal:
        # Positional: Decimal.quantize parses a keyword argument slower than the rounding itself.
        return amount.quantize(self.quantum, ROUND_HALF_UP)

    def show(self, amount: Decimal) -> str:
        """An amount already rounded, with its currency (for traces)."""
        # !s: the text format() gives a Decimal without a spec, at half the cost.
        return f"{amount!s} {self.currency}"


class RuleKind(StrEnum):
    DIRECT_DISCOUNT = "direct_discount"
    DIRECT_LIST_PRICE = "direct_list_price"
    VOLUME_DISCOUNT = "volume_discount"
    VOLUME_LIST_PRICE = "volume_list_price"

    # Cached on the member: read several times for every line priced, where a
    # plain property call costs as much as the line's arithmetic.
    @cached_property
    def volume(self) -> bool:
        return self in (RuleKind.VOLUME_DISCOUNT, RuleKind.VOLUME_LIST_PRICE)

    @cached_property
    def discount(self) -> bool:
        return self in (RuleKind.DIRECT_DISCOUNT, RuleKind.VOLUME_DISCOUNT)


class ValueUnit(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class TierModel(StrEnum):
    FLAT = "flat"
    SLAB = "slab"


@dataclass(frozen=True, slots=True)
class Tier:
    """Quantities up to ``to`` (inclusive) since the previous tier; ``None`` = no limit."""

    to: Decimal | None
    value: Decimal


@dataclass(frozen=True, slots=True)
class PriceRule:
    id: str
    products: tuple[str, ...]
    kind: RuleKind
    unit: ValueUnit = ValueUnit.PERCENT
    value: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    model: TierModel = TierModel.FLAT
    conditions: tuple[Condition, ...] = ()
    priority: int = 100
    currency: str | None = None

    def __post_init__(self) -> None:
        problem = _rule_problem(self)
        if problem:
            raise ValueError(f"price rule {self.id}: {problem}")

    def values(self) -> list[Decimal]:
        return [t.value for t in self.tiers] if self.kind.volume else [self.value or ZERO]


def _rule_problem(rule: PriceRule) -> str | None:
    if not rule.products:
        return "name at least one product"
    if rule.kind.volume != bool(rule.tiers) or rule.kind.volume == (rule.value is not None):
        return "volume rules have tiers, direct rules a value"
    if any(v < 0 for v in rule.values()):
        return "values must not be negative"
    if (
        rule.kind.discount
        and rule.unit is ValueUnit.PERCENT
        and any(v > 100 for v in rule.values())
    ):
        return "a percentage discount is at most 100"
    return _tiers_problem(rule.tiers)


def _tiers_problem(tiers: tuple[Tier, ...]) -> str | None:
    bounds = [t.to for t in tiers]
    if None in bounds[:-1]:
        return "only the last tier may be open-ended"
    closed = [b for b in bounds if b is not None]
    if any(b <= 0 for b in closed) or closed != sorted(set(closed)):
        return "tier bounds must be positive and increasing"
    return None


class PriceIndex:
    """Price rules by product code, each list in the order rules are tried."""

    def __init__(self, rules: Iterable[PriceRule]) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: (r.priority, r.id)))
        _unique_ids(rule.id for rule in self.rules)
        self.by_product: dict[str, list[PriceRule]] = {}
        for rule in self.rules:
            for code in rule.products:
                self.by_product.setdefault(code, []).append(rule)
        # The "overridden" step depends on the rule book alone (a product, the
        # position of its winner), never on the quote: built once, when first
        # needed, then shared by every line it describes (steps are never
        # changed once made).
        self._overridden: dict[tuple[str, int], TraceStep | None] = {}

    def for_product(self, code: str | None) -> list[PriceRule]:
        return self.by_product.get(code, []) if code is not None else []

    def overridden(self, code: str, winner: int) -> TraceStep | None:
        """The step naming ``code``'s rules after the one at ``winner``, if any."""
        key = (code, winner)
        if key not in self._overridden:
            rules = self.by_product[code]
            self._overridden[key] = _overridden(rules[winner], rules[winner + 1 :])
        return self._overridden[key]


def _unique_ids(ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for rule_id in ids:
        if rule_id in seen:
            raise ValueError(f"two rules have the id {rule_id}")
        seen.add(rule_id)


@dataclass(frozen=True)
class RuleBook:
    """Every CPQ rule, indexed once (build it when the configuration loads)."""

    configurator: ConfiguratorIndex = field(default_factory=lambda: ConfiguratorIndex(()))
    prices: PriceIndex = field(default_factory=lambda: PriceIndex(()))

    @classmethod
    def build(
        cls, configurator: Iterable[ConfiguratorRule] = (), prices: Iterable[PriceRule] = ()
    ) -> RuleBook:
        return cls(ConfiguratorIndex(configurator), PriceIndex(prices))

    def codes_needed(self, codes: Iterable[str]) -> set[str]:
        """The products a quote with these codes may touch (line codes + rule targets)."""
        wanted = set(codes)
        return wanted | self.configurator.targets(wanted)


def price_quote(
    draft: QuoteDraft, catalogue: Catalogue, book: RuleBook, ctx: PricingContext
) -> PricedQuote:
    """Configure, then price every line; raises ``ValidationFailed`` on bad lines."""
    currency = ctx.currency or _first_currency(draft, catalogue)
    money = _Money.of(currency)
    lines = _work_lines(draft, catalogue, currency)
    list_total = sum((money.round(w.list_price * w.quantity) for w in lines), ZERO)
    ctx = replace(ctx, currency=currency).with_fields({"quote.list_total": list_total})
    verdicts = Verdicts(ctx)
    configured = configure(lines, book.configurator, catalogue, ctx, verdicts)
    priced = tuple(
        _price_line(number, line, book.prices, verdicts, money)
        for number, line in enumerate(configured.lines, start=1)
    )
    return PricedQuote(
        currency,
        priced,
        configured.suggestions,
        totals(priced),
        configured.warnings,
        draft.notes,
    )


def _first_currency(draft: QuoteDraft, catalogue: Catalogue) -> str:
    for line in draft.lines:
        product = catalogue.get(line.code) if line.code else None
        if product is not None:
            return product.currency
    return "EUR"


def _work_lines(draft: QuoteDraft, catalogue: Catalogue, currency: str) -> list[WorkLine]:
    errors: dict[str, str] = {}
    lines: list[WorkLine] = []
    for number, line in enumerate(draft.lines, start=1):
        try:
            lines.append(_work_line(line, catalogue, currency))
        except ValueError as exc:
            errors[f"line {number}"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return lines


def _work_line(line: LineInput, catalogue: Catalogue, currency: str) -> WorkLine:
    if (problem := quantity_problem(line.quantity)) is not None:  # the bounds: quote_lines
        raise ValueError(problem)
    if line.code is None:
        return _manual_line(line, currency)
    product = catalogue.get(line.code)
    if product is None:
        raise ValueError(f"unknown product {line.code}")
    if not product.active:
        raise ValueError(f"product {line.code} is no longer sold")
    if product.currency != currency:
        raise ValueError(f"{line.code} is priced in {product.currency}, the quote in {currency}")
    return WorkLine(
        input=line,
        code=product.code,
        name=product.name,
        description=product.description if line.description is None else line.description,
        quantity=line.quantity,
        list_price=product.unit_price,
        tax_rate=product.tax_rate,
        source=line.source,
    )


def _manual_line(line: LineInput, currency: str) -> WorkLine:
    if not (line.name or "").strip():
        raise ValueError("a manual line needs a name")
    if line.unit_price is None or line.unit_price < 0:
        raise ValueError("a manual line needs a unit price of 0 or more")
    tax_rate = Decimal(20) if line.tax_rate is None else line.tax_rate
    if not 0 <= tax_rate <= 100:
        raise ValueError("the tax rate is a percentage (0 to 100)")
    return WorkLine(
        input=line,
        code=None,
        name=(line.name or "").strip(),
        description=line.description or "",
        quantity=line.quantity,
        list_price=round_money(line.unit_price, currency),
        tax_rate=tax_rate,
        source=Source.MANUAL,
    )


# What the winning rule makes of a line: its unit and line net, both rounded.
_Prices = tuple[Decimal, Decimal]


def _price_line(
    position: int, line: WorkLine, index: PriceIndex, verdicts: Verdicts, money: _Money
) -> PricedLine:
    line.list_price = money.round(line.list_price)
    first = "manual_price" if line.source is Source.MANUAL else "list_price"
    steps = [TraceStep(first, None, {"price": money.show(line.list_price)}), *line.steps]
    winner, outcome = _winning_rule(line, index, verdicts, money, steps)
    list_total = money.round(line.list_price * line.quantity)
    unit_net, net = _net(line, outcome, list_total, money, steps, winner)
    discount = list_total - net
    steps.append(
        TraceStep(
            "net",
            None,
            {
                "net": money.show(net),
                "list_total": money.show(list_total),
                "discount": money.show(discount),
            },
        )
    )
    return PricedLine(
        position=position,
        code=line.code,
        name=line.name,
        description=line.description,
        quantity=line.quantity,
        list_price=line.list_price,
        unit_net=unit_net,
        list_total=list_total,
        discount=discount,
        net=net,
        tax_rate=line.tax_rate,
        tax=money.round(net * line.tax_rate / HUNDRED),
        free=line.free_by is not None and winner is None,
        source=line.source,
        added_by=line.added_by,
        price_rule=None if winner is None else winner.id,
        trace=tuple(steps),
        input=line.input,
    )


def _net(
    line: WorkLine,
    outcome: _Prices | None,
    list_total: Decimal,
    money: _Money,
    steps: list[TraceStep],
    winner: PriceRule | None,
) -> tuple[Decimal, Decimal]:
    if line.free_by is not None:
        if winner is not None:
            steps.append(TraceStep("free_overridden", line.free_by, {"by": winner.id}))
        else:
            steps.append(TraceStep("free", line.free_by))
            return ZERO, money.round(ZERO)
    if outcome is not None:
        return outcome
    return line.list_price, list_total


def _winning_rule(
    line: WorkLine,
    index: PriceIndex,
    verdicts: Verdicts,
    money: _Money,
    steps: list[TraceStep],
) -> tuple[PriceRule | None, _Prices | None]:
    """The first rule that holds and applies, and its prices; each rule tried adds its steps."""
    if line.code is None:
        return None, None
    rules = index.for_product(line.code)
    for number, rule in enumerate(rules):
        reason = verdicts.rule_failure(rule.id, rule.conditions)
        if reason is not None:
            steps.append(TraceStep("rule_skipped", rule.id, {"reason": reason}))
            continue
        result = _evaluate(rule, line.list_price, line.quantity, money, steps)
        if result is None:
            continue
        overridden = index.overridden(line.code, number)
        if overridden is not None:
            steps.append(overridden)
        return rule, result
    return None, None


def _overridden(winner: PriceRule, others: list[PriceRule]) -> TraceStep | None:
    """The rules after the winner, in one step (a product may have many)."""
    if not others:
        return None
    rules = ", ".join(rule.id for rule in others)
    params = {"rules": rules, "by": winner.id, "priority": str(winner.priority)}
    return TraceStep("rule_overridden", None, params)


def _evaluate(
    rule: PriceRule,
    list_price: Decimal,
    quantity: Decimal,
    money: _Money,
    steps: list[TraceStep],
) -> _Prices | None:
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
    money: _Money,
    steps: list[TraceStep],
) -> _Prices:
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
    money: _Money,
    steps: list[TraceStep],
) -> _Prices:
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
    rule: PriceRule, value: Decimal, list_price: Decimal, money: _Money
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


def flat_tier(tiers: tuple[Tier, ...], quantity: Decimal) -> Tier | None:
    """The tier the whole quantity falls into, or ``None`` above the last one."""
    for tier in tiers:
        if tier.to is None or quantity <= tier.to:
            return tier
    return None


def slab_segments(tiers: tuple[Tier, ...], quantity: Decimal) -> list[tuple[Decimal, Tier]] | None:
    """How many units fall in each tier, or ``None`` above the last one."""
    if flat_tier(tiers, quantity) is None:
        return None
    segments: list[tuple[Decimal, Tier]] = []
    lower = ZERO
    for tier in tiers:
        upper = quantity if tier.to is None else min(quantity, tier.to)
        if upper > lower:
            segments.append((upper - lower, tier))
        if tier.to is None or tier.to >= quantity:
            break
        lower = tier.to
    return segments


def totals(lines: Iterable[PricedLine]) -> Totals:
    """Plain sums of the lines; taxes also grouped by rate."""
    lines = list(lines)
    rates: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        base, tax = rates.get(line.tax_rate, (ZERO, ZERO))
        rates[line.tax_rate] = (base + line.net, tax + line.tax)
    net = sum((line.net for line in lines), ZERO)
    taxes = sum((line.tax for line in lines), ZERO)
    return Totals(
        subtotal=sum((line.list_total for line in lines), ZERO),
        discounts=sum((line.discount for line in lines), ZERO),
        net=net,
        taxes=taxes,
        total=net + taxes,
        by_rate=tuple(TaxLine(rate, *rates[rate]) for rate in sorted(rates)),
    )


def show_number(value: Decimal) -> str:
    """``20``, ``7.5``: a quantity without a trailing ``.0`` or an exponent."""
    text = format(value.normalize(), "f")
    return text


def _value_text(rule: PriceRule, value: Decimal, money: _Money) -> str:
    if rule.unit is ValueUnit.PERCENT:
        return f"{show_number(value)} %"
    return money.show(value)


def _tier_text(to: Decimal | None) -> str:
    return "∞" if to is None else show_number(to)
