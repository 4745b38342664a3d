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

from engine.catalogue import Catalogue
from engine.configurator import ConfiguratorIndex, ConfiguratorRule, WorkLine, configure
from engine.cpq_conditions import Condition, PricingContext, Verdicts
from engine.errors import ValidationFailed
from engine.quote_lines import (
    LineInput,
    PricedLine,
    PricedQuote,
    QuoteDraft,
    Source,
    TaxLine,
    Totals,
    TraceStep,
)

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


class RuleKind(StrEnum):
    DIRECT_DISCOUNT = "direct_discount"
    DIRECT_LIST_PRICE = "direct_list_price"
    VOLUME_DISCOUNT = "volume_discount"
    VOLUME_LIST_PRICE = "volume_list_price"

    @property
    def volume(self) -> bool:
        return self in (RuleKind.VOLUME_DISCOUNT, RuleKind.VOLUME_LIST_PRICE)

    @property
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

    def for_product(self, code: str | None) -> list[PriceRule]:
        return self.by_product.get(code, []) if code is not None else []


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
    lines = _work_lines(draft, catalogue, currency)
    list_total = sum((round_money(w.list_price * w.quantity, currency) for w in lines), ZERO)
    ctx = replace(ctx, currency=currency).with_fields({"quote.list_total": list_total})
    verdicts = Verdicts(ctx)
    configured = configure(lines, book.configurator, catalogue, ctx, verdicts)
    priced = tuple(
        _price_line(number, line, book.prices, verdicts, currency)
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
    if line.quantity <= 0:
        raise ValueError(f"the quantity must be more than 0, not {line.quantity}")
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


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the winning rule makes of a line: rounded unit and line net."""

    unit_net: Decimal
    net: Decimal
    steps: tuple[TraceStep, ...]


@dataclass(frozen=True, slots=True)
class _NotApplicable:
    reason_code: str
    params: dict[str, str]


def _price_line(
    position: int, line: WorkLine, index: PriceIndex, verdicts: Verdicts, currency: str
) -> PricedLine:
    line.list_price = round_money(line.list_price, currency)
    first = "manual_price" if line.source is Source.MANUAL else "list_price"
    steps = [TraceStep(first, None, {"price": _money(line.list_price, currency)}), *line.steps]
    winner, outcome = _winning_rule(line, index, verdicts, currency, steps)
    list_total = round_money(line.list_price * line.quantity, currency)
    unit_net, net = _net(line, outcome, list_total, currency, steps, winner)
    discount = list_total - net
    steps.append(
        TraceStep(
            "net",
            None,
            {
                "net": _money(net, currency),
                "list_total": _money(list_total, currency),
                "discount": _money(discount, currency),
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
        tax=round_money(net * line.tax_rate / HUNDRED, currency),
        free=line.free_by is not None and winner is None,
        source=line.source,
        added_by=line.added_by,
        price_rule=None if winner is None else winner.id,
        trace=tuple(steps),
        input=line.input,
    )


def _net(
    line: WorkLine,
    outcome: _Outcome | None,
    list_total: Decimal,
    currency: str,
    steps: list[TraceStep],
    winner: PriceRule | None,
) -> tuple[Decimal, Decimal]:
    if line.free_by is not None:
        if winner is not None:
            steps.append(TraceStep("free_overridden", line.free_by, {"by": winner.id}))
        else:
            steps.append(TraceStep("free", line.free_by))
            return ZERO, round_money(ZERO, currency)
    if outcome is not None:
        return outcome.unit_net, outcome.net
    return line.list_price, list_total


def _winning_rule(
    line: WorkLine,
    index: PriceIndex,
    verdicts: Verdicts,
    currency: str,
    steps: list[TraceStep],
) -> tuple[PriceRule | None, _Outcome | None]:
    rules = index.for_product(line.code)
    for number, rule in enumerate(rules):
        reason = verdicts.rule_failure(rule.id, rule.conditions)
        if reason is not None:
            steps.append(TraceStep("rule_skipped", rule.id, {"reason": reason}))
            continue
        result = _evaluate(rule, line.list_price, line.quantity, currency)
        if isinstance(result, _NotApplicable):
            params = {"reason_code": result.reason_code, **result.params}
            steps.append(TraceStep("rule_skipped", rule.id, params))
            continue
        steps.extend(result.steps)
        _overridden(rule, rules[number + 1 :], steps)
        return rule, result
    return None, None


def _overridden(winner: PriceRule, others: list[PriceRule], steps: list[TraceStep]) -> None:
    """The rules after the winner, in one step (a product may have many)."""
    if others:
        rules = ", ".join(rule.id for rule in others)
        params = {"rules": rules, "by": winner.id, "priority": str(winner.priority)}
        steps.append(TraceStep("rule_overridden", None, params))


def _evaluate(
    rule: PriceRule, list_price: Decimal, quantity: Decimal, currency: str
) -> _Outcome | _NotApplicable:
    if rule.unit is ValueUnit.AMOUNT and rule.currency and rule.currency != currency:
        return _NotApplicable("currency", {"rule_currency": rule.currency, "currency": currency})
    if not rule.kind.volume:
        assert rule.value is not None
        return _flat(rule, rule.value, None, list_price, quantity, currency)
    if rule.model is TierModel.FLAT:
        tier = flat_tier(rule.tiers, quantity)
        if tier is None:
            return _beyond(rule, quantity)
        return _flat(rule, tier.value, tier.to, list_price, quantity, currency)
    segments = slab_segments(rule.tiers, quantity)
    if segments is None:
        return _beyond(rule, quantity)
    return _slab(rule, segments, list_price, quantity, currency)


def _beyond(rule: PriceRule, quantity: Decimal) -> _NotApplicable:
    last = rule.tiers[-1].to
    return _NotApplicable("beyond_tiers", {"quantity": show_number(quantity), "to": str(last)})


def _flat(
    rule: PriceRule,
    value: Decimal,
    tier_to: Decimal | None,
    list_price: Decimal,
    quantity: Decimal,
    currency: str,
) -> _Outcome:
    unit, steps = _unit_price(rule, value, list_price, currency)
    shown = _value_text(rule, value, currency)
    if rule.kind.volume:
        shown = f"{rule.model} {_tier_text(tier_to)}: {shown}"
    applied = TraceStep(
        "rule_applied",
        rule.id,
        {"kind": rule.kind.value, "value": shown, "price": _money(unit, currency)},
    )
    return _Outcome(unit, round_money(unit * quantity, currency), (applied, *steps))


def _slab(
    rule: PriceRule,
    segments: list[tuple[Decimal, Tier]],
    list_price: Decimal,
    quantity: Decimal,
    currency: str,
) -> _Outcome:
    total = ZERO
    steps: list[TraceStep] = []
    for units, tier in segments:
        unit, clamped = _unit_price(rule, tier.value, list_price, currency)
        total += units * unit
        steps.extend(clamped)
        steps.append(
            TraceStep(
                "slab",
                rule.id,
                {
                    "units": show_number(units),
                    "price": _money(unit, currency),
                    "to": _tier_text(tier.to),
                },
            )
        )
    net = round_money(total, currency)
    unit_net = round_money(net / quantity, currency)
    applied = TraceStep(
        "rule_applied",
        rule.id,
        {"kind": rule.kind.value, "value": "slab", "price": _money(unit_net, currency)},
    )
    return _Outcome(unit_net, net, (applied, *steps))


def _unit_price(
    rule: PriceRule, value: Decimal, list_price: Decimal, currency: str
) -> tuple[Decimal, list[TraceStep]]:
    percent = rule.unit is ValueUnit.PERCENT
    if rule.kind.discount:
        off = list_price * value / HUNDRED if percent else value
        if off > list_price:
            shown = round_money(off, currency)
            params = {"amount": _money(shown, currency), "price": _money(list_price, currency)}
            return round_money(ZERO, currency), [TraceStep("clamped", rule.id, params)]
        return round_money(list_price - off, currency), []
    price = list_price * value / HUNDRED if percent else value
    return round_money(price, currency), []


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


def _money(amount: Decimal, currency: str) -> str:
    """An amount already rounded, with its currency (for traces)."""
    return f"{amount} {currency}"


def _value_text(rule: PriceRule, value: Decimal, currency: str) -> str:
    if rule.unit is ValueUnit.PERCENT:
        return f"{show_number(value)} %"
    return _money(value, currency)


def _tier_text(to: Decimal | None) -> str:
    return "∞" if to is None else show_number(to)
