"""Exact money: ``Decimal`` amounts, stored as integer minor units.

Rounding is explicit and single-sourced: half-up to the cent, the rule
French and most European invoices use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUNDING)


def parse_amount(text: str | int | Decimal) -> Decimal:
    """Read an amount a person typed: ``8000``, ``8 000,50``, ``8000.5 €``."""
    if isinstance(text, Decimal | int):
        return quantize(Decimal(text))
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace("€", "").replace("$", "").replace("EUR", "").replace("USD", "")
    return quantize(typed_decimal(text, cleaned, "an amount"))


def typed_decimal(text: str, cleaned: str, what: str) -> Decimal:
    """``cleaned`` (``text`` without its spaces and units) as a finite ``Decimal``.

    A comma is the decimal point when there is no dot; an error says ``not {what}: 'text'``.
    """
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not {what}: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not {what}: {text!r}")
    return value


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
