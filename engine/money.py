"""Exact money: ``Decimal`` amounts, stored as integer minor units.

Rounding is explicit and single-sourced: half-up to the cent, the rule
French and most European invoices use.

Bounds are single-sourced too. Every amount a person or a file supplies
(Slack forms, the command line, CSV and JSON imports) goes through
:func:`parse_amount`, which refuses more than :data:`MAX_INTEGER_DIGITS`
digits before the decimal point: far above any deal, and far below what a
64-bit integer of cents (SQLite's ``INTEGER``) or ``Decimal``'s default
precision can hold, so a typed ``1e400`` is a clear refusal, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.text.catalogue import Phrase

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
MAX_INTEGER_DIGITS = 12  # up to 999 999 999 999.99
LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
# The refusal, as a message of the catalogue: it reads as English, adapters render it.
TOO_LARGE = Phrase("amount.too_large", digits=MAX_INTEGER_DIGITS)


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUNDING)


def parse_amount(text: str | int | Decimal) -> Decimal:
    """Read an amount a person typed: ``8000``, ``8 000,50``, ``8000.5 €``.

    The result is rounded half-up to the cent; past the bounds it is a
    ``ValueError`` saying so (:data:`TOO_LARGE`).
    """
    if isinstance(text, Decimal | int):
        return bounded(Decimal(text))
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace("€", "").replace("$", "").replace("EUR", "").replace("USD", "")
    return bounded(typed_decimal(text, cleaned, "amount.what_amount"))


def bounded(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, or ``ValueError`` when it has too many digits."""
    # copy_abs() and comparisons are exact: no context, so no Overflow for 1e999999999
    if not amount.is_finite() or amount.copy_abs() >= LIMIT:
        raise ValueError(TOO_LARGE)
    rounded = quantize(amount)
    if rounded.copy_abs() >= LIMIT:  # 999 999 999 999.995 rounds up past the bound
        raise ValueError(TOO_LARGE)
    return rounded


def typed_decimal(text: str, cleaned: str, what: str) -> Decimal:
    """``cleaned`` (``text`` without its spaces and units) as a finite ``Decimal``.

    A comma is the decimal point when there is no dot; an error says ``not {what}: 'text'``
    (a :class:`Phrase`, ``what`` the key of a message such as ``amount.what_amount``).
    """
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except ArithmeticError as exc:  # InvalidOperation, or Overflow for 1e999999999999999999
        raise ValueError(_not_a(what, text)) from exc
    if not value.is_finite():
        raise ValueError(_not_a(what, text))
    return value


def _not_a(what: str, text: str) -> Phrase:
    return Phrase("amount.not_number", what=Phrase(what), value=_shown(text))


def _shown(text: str) -> str:
    """The typed text in an error, cut so that a 10,000-digit paste stays readable."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def to_cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_cents(cents: int | None) -> Decimal | None:
    return None if cents is None else quantize(Decimal(cents) / 100)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}".replace(",", "\u202f")
