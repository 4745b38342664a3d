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

The rules themselves are :mod:`engine.cpq.price_rules`, the arithmetic of one
rule :mod:`engine.cpq.rule_prices`, the rounding :mod:`engine.cpq.rounding`;
this module picks the winning rule for each line and sums the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from engine.cpq.catalogue import Catalogue
from engine.cpq.conditions import PricingContext, Verdicts
from engine.cpq.configurator import WorkLine, configure
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
from engine.cpq.price_rules import PriceIndex, PriceRule, RuleBook
from engine.cpq.rounding import HUNDRED, ZERO, QuoteCurrency, round_money
from engine.cpq.rule_prices import Prices, evaluate
from engine.errors import ValidationFailed
from engine.text.catalogue import Phrase, reason_of


def price_quote(
    draft: QuoteDraft, catalogue: Catalogue, book: RuleBook, ctx: PricingContext
) -> PricedQuote:
    """Configure, then price every line; raises ``ValidationFailed`` on bad lines."""
    currency = ctx.currency or _first_currency(draft, catalogue)
    money = QuoteCurrency.of(currency)
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
            errors[f"line {number}"] = reason_of(exc)
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
        raise ValueError(Phrase("quote.line.unknown_product", code=line.code))
    if not product.active:
        raise ValueError(Phrase("quote.line.not_sold", code=line.code))
    if product.currency != currency:
        raise ValueError(
            Phrase(
                "quote.line.currency", code=line.code, priced=product.currency, currency=currency
            )
        )
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
        raise ValueError(Phrase("quote.line.name_required"))
    if line.unit_price is None or line.unit_price < 0:
        raise ValueError(Phrase("quote.line.price_required"))
    tax_rate = Decimal(20) if line.tax_rate is None else line.tax_rate
    if not 0 <= tax_rate <= 100:
        raise ValueError(Phrase("quote.line.tax_rate"))
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


def _price_line(
    position: int, line: WorkLine, index: PriceIndex, verdicts: Verdicts, money: QuoteCurrency
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
    outcome: Prices | None,
    list_total: Decimal,
    money: QuoteCurrency,
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
    money: QuoteCurrency,
    steps: list[TraceStep],
) -> tuple[PriceRule | None, Prices | None]:
    """The first rule that holds and applies, and its prices; each rule tried adds its steps."""
    if line.code is None:
        return None, None
    rules = index.for_product(line.code)
    for number, rule in enumerate(rules):
        reason = verdicts.rule_failure(rule.id, rule.conditions)
        if reason is not None:
            steps.append(TraceStep("rule_skipped", rule.id, {"reason": reason}))
            continue
        result = evaluate(rule, line.list_price, line.quantity, money, steps)
        if result is None:
            continue
        overridden = index.overridden(line.code, number)
        if overridden is not None:
            steps.append(overridden)
        return rule, result
    return None, None


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
