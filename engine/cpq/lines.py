"""What a rep puts on a quote, and what pricing writes on each line.

* :class:`LineInput` — a line as the rep entered it (a product code and a
  quantity, or a manual line with its own name and price). Only these are
  stored as the rep's intent: lines the configurator adds are rebuilt at each
  pricing, so re-saving never adds a mandatory item twice and removing the
  base product removes what it added.
* :class:`PricedLine` / :class:`PricedQuote` — the result, with a
  :class:`TraceStep` list per line explaining every step of its price.

Quantities have one set of bounds, defined here and used by every way in
(the CLI, Slack, configurator rules): more than 0, at most
:data:`MAX_QUANTITY` (1,000,000), at most :data:`QUANTITY_DECIMALS` (3)
decimals. A quantity a person types outside them is refused with
:func:`quantity_problem`; one a configurator rule computes is rounded by
:func:`rounded_quantity` (half-up to 3 decimals: 7 ÷ 3 = 2.333, 2.0005 →
2.001) and, if still outside, the rule is skipped with a warning. In JSON,
every decimal is plain text (``"20"``, ``"5.5"``), never ``"2E+1"``
(:func:`plain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from engine.cpq.text import describe
from engine.text.catalogue import Phrase, text

MAX_QUANTITY = Decimal(1_000_000)
QUANTITY_DECIMALS = 3
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_DECIMALS)  # 0.001
QUANTITY_ROUNDING = ROUND_HALF_UP


def plain(value: Decimal) -> str:
    """A decimal as JSON text: never an exponent (``2E+1`` → ``"20"``), its digits kept."""
    return format(value, "f")


def quantity_problem(value: Decimal, locale: str | None = None) -> str | None:
    """Why ``value`` is not an acceptable quantity, or ``None``: in ``locale``, or without
    one a :class:`~engine.text.catalogue.Phrase` that each reader's adapter renders."""
    if not value.is_finite() or value <= 0:
        code = "not_positive"
    elif value > MAX_QUANTITY:
        code = "too_large"
    elif value != value.quantize(QUANTITY_STEP, rounding=QUANTITY_ROUNDING):
        code = "too_precise"
    else:
        return None
    key = f"cpq.quantity.{code}"
    if locale is None:
        return Phrase(key, quantity=plain(value))
    return text(locale, key, quantity=plain(value))


def rounded_quantity(value: Decimal) -> Decimal:
    """``value`` half-up to 3 decimals, without trailing zeros (``2.500`` → ``2.5``).

    A value past the bounds is returned as it is, for :func:`quantity_problem` to refuse.
    """
    if not value.is_finite() or abs(value) > MAX_QUANTITY:
        return value
    rounded = value.quantize(QUANTITY_STEP, rounding=QUANTITY_ROUNDING).normalize()
    exponent = rounded.as_tuple().exponent
    return rounded.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else rounded


class Source(StrEnum):
    REP = "rep"  # a catalogue product the rep chose
    MANUAL = "manual"  # a free-text line with its own price
    SUGGESTION = "suggestion"  # a suggested product the rep accepted (then it is the rep's)
    RULE = "rule"  # added by a configurator rule; rebuilt at every pricing


@dataclass(frozen=True, slots=True)
class LineInput:
    """One line as the rep entered it."""

    code: str | None
    quantity: Decimal
    description: str | None = None
    name: str | None = None
    unit_price: Decimal | None = None
    tax_rate: Decimal | None = None
    source: Source = Source.REP

    @classmethod
    def manual(
        cls,
        name: str,
        quantity: Decimal,
        unit_price: Decimal,
        tax_rate: Decimal = Decimal("20"),
        description: str | None = None,
    ) -> LineInput:
        return cls(None, quantity, description, name, unit_price, tax_rate, Source.MANUAL)

    @property
    def is_manual(self) -> bool:
        return self.code is None

    def to_json(self) -> dict[str, Any]:
        values = {
            "code": self.code,
            "quantity": plain(self.quantity),
            "description": self.description,
            "name": self.name,
            "unit_price": None if self.unit_price is None else plain(self.unit_price),
            "tax_rate": None if self.tax_rate is None else plain(self.tax_rate),
            "source": self.source.value,
        }
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineInput:
        def number(name: str) -> Decimal | None:
            return None if data.get(name) is None else Decimal(data[name])

        return cls(
            code=data.get("code"),
            quantity=Decimal(data["quantity"]),
            description=data.get("description"),
            name=data.get("name"),
            unit_price=number("unit_price"),
            tax_rate=number("tax_rate"),
            source=Source(data.get("source", "rep")),
        )


@dataclass(frozen=True, slots=True)
class QuoteDraft:
    """The rep's lines (in order) and free notes printed on the document."""

    lines: tuple[LineInput, ...]
    notes: str = ""


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of a line's price: ``kind`` names it, ``rule`` says which rule.

    ``params`` are plain strings; :meth:`text` renders the step in French or
    English (adapters show it to the rep on request).
    """

    kind: str
    rule: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        return describe(self.kind, self.rule, self.params, locale)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "rule": self.rule, "params": self.params, "text": self.text()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraceStep:
        return cls(data["kind"], data.get("rule"), dict(data.get("params", {})))


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A priced line. Amounts are rounded to the currency's minor unit.

    ``unit_net`` is ``net ÷ quantity`` for a slab rule (the trace then lists
    each tier's units and price); otherwise ``net = unit_net × quantity``.
    """

    position: int
    code: str | None
    name: str
    description: str
    quantity: Decimal
    list_price: Decimal
    unit_net: Decimal
    list_total: Decimal
    discount: Decimal
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    free: bool
    source: Source
    added_by: str | None
    price_rule: str | None
    trace: tuple[TraceStep, ...]
    input: LineInput | None

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "quantity": plain(self.quantity),
            "list_price": plain(self.list_price),
            "unit_net": plain(self.unit_net),
            "list_total": plain(self.list_total),
            "discount": plain(self.discount),
            "net": plain(self.net),
            "tax_rate": plain(self.tax_rate),
            "tax": plain(self.tax),
            "free": self.free,
            "source": self.source.value,
            "added_by": self.added_by,
            "price_rule": self.price_rule,
            "input": None if self.input is None else self.input.to_json(),
            "trace": [step.to_json() for step in self.trace],
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A product a configurator rule suggests; the rep may add it (in a batch)."""

    code: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    rule: str
    base: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "quantity": plain(self.quantity),
            "unit_price": plain(self.unit_price),
            "rule": self.rule,
            "base": self.base,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestion:
        return cls(
            data["code"],
            data["name"],
            Decimal(data["quantity"]),
            Decimal(data["unit_price"]),
            data["rule"],
            data.get("base"),
        )


@dataclass(frozen=True, slots=True)
class TaxLine:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """``subtotal − discounts = net``; ``net + taxes = total`` (all sums of lines)."""

    subtotal: Decimal
    discounts: Decimal
    net: Decimal
    taxes: Decimal
    total: Decimal
    by_rate: tuple[TaxLine, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "subtotal": plain(self.subtotal),
            "discounts": plain(self.discounts),
            "net": plain(self.net),
            "taxes": plain(self.taxes),
            "total": plain(self.total),
            "by_rate": [
                {"rate": plain(t.rate), "base": plain(t.base), "tax": plain(t.tax)}
                for t in self.by_rate
            ],
        }


@dataclass(frozen=True, slots=True)
class PricedQuote:
    currency: str
    lines: tuple[PricedLine, ...]
    suggestions: tuple[Suggestion, ...]
    totals: Totals
    warnings: tuple[str, ...] = ()
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [line.to_json() for line in self.lines],
            "suggestions": [s.to_json() for s in self.suggestions],
            "totals": self.totals.to_json(),
            "warnings": list(self.warnings),
            "notes": self.notes,
        }

    def draft(self) -> QuoteDraft:
        """The rep's own lines back, to price again (the result is the same)."""
        return QuoteDraft(
            tuple(line.input for line in self.lines if line.input is not None), self.notes
        )


def accept_suggestions(
    draft: QuoteDraft, suggestions: tuple[Suggestion, ...] | list[Suggestion]
) -> QuoteDraft:
    """The draft with the chosen suggestions added as the rep's own lines, in one batch."""
    present = {line.code for line in draft.lines}
    added = tuple(
        LineInput(s.code, s.quantity, source=Source.SUGGESTION)
        for s in suggestions
        if s.code not in present
    )
    return QuoteDraft(draft.lines + added, draft.notes)
