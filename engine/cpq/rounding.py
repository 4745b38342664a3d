"""Money rounding for quotes: one rule (half-up to the currency's minor unit).

Every amount pricing computes goes through here, so a quote's lines and
totals always agree; the minor unit is looked up once per quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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
class QuoteCurrency:
    """A quote's currency with its minor unit, looked up once per quote.

    Pricing a line rounds half a dozen amounts: this keeps :func:`round_money`'s
    rule without looking the minor unit up for each of them.
    """

    currency: str
    quantum: Decimal

    @classmethod
    def of(cls, currency: str) -> QuoteCurrency:
        return cls(currency, minor_unit(currency))

    def round(self, amount: Decimal) -> Decimal:
        # Positional: Decimal.quantize parses a keyword argument slower than the rounding itself.
        return amount.quantize(self.quantum, ROUND_HALF_UP)

    def show(self, amount: Decimal) -> str:
        """An amount already rounded, with its currency (for traces)."""
        # !s: the text format() gives a Decimal without a spec, at half the cost.
        return f"{amount!s} {self.currency}"


def show_number(value: Decimal) -> str:
    """``20``, ``7.5``: a quantity without a trailing ``.0`` or an exponent."""
    text = format(value.normalize(), "f")
    return text
