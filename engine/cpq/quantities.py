"""A configurator rule's quantity: a number, or one computed from the base line.

Absolute (``quantity: 2``) or dynamic: base quantity ×, + or ÷ a number that
is given or read from a numeric field of the base product, then formatted:

* ``absolute`` — made non-negative and rounded **half-up to 3 decimals**
  (``7 ÷ 3`` gives ``2.333``; ``2.0005`` gives ``2.001``);
* ``ceil`` / ``floor`` — the whole number above / below.

A rule's own number follows the quantity bounds of :mod:`engine.cpq.lines`
(more than 0, at most 1,000,000, at most 3 decimals): a rule breaking them is
refused when it is built, that is when ``pricing.yaml`` is loaded. A computed
quantity is checked against the same bounds by the configurator, which skips
the rule with a warning when it falls outside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from engine.cpq.catalogue import Product
from engine.cpq.lines import plain, quantity_problem, rounded_quantity
from engine.text.catalogue import Phrase


class QuantityOp(StrEnum):
    MULTIPLY = "multiply"
    ADD = "add"
    DIVIDE = "divide"


class QuantityFormat(StrEnum):
    ABSOLUTE = "absolute"
    CEIL = "ceil"
    FLOOR = "floor"


SYMBOLS = {QuantityOp.MULTIPLY: "×", QuantityOp.ADD: "+", QuantityOp.DIVIDE: "÷"}


@dataclass(frozen=True, slots=True)
class QuantitySpec:
    """``number`` alone is an absolute quantity; with ``from_base`` it is dynamic:
    ``base quantity <from_base> (number | base product's field)``."""

    number: Decimal = Decimal(1)
    from_base: QuantityOp | None = None
    field: str | None = None
    format: QuantityFormat = QuantityFormat.ABSOLUTE

    def __post_init__(self) -> None:
        if self.field is not None and self.from_base is None:
            raise ValueError(Phrase("config.problem.cpq_quantity_field_dynamic"))
        if quantity_problem(self.number) is not None:
            bounds = Phrase("config.problem.cpq_quantity_bounds", number=plain(self.number))
            raise ValueError(bounds)

    @property
    def dynamic(self) -> bool:
        return self.from_base is not None

    def compute(self, base_quantity: Decimal, base: Product | None) -> tuple[Decimal, str]:
        """The quantity and how it was obtained (``"10 × 2 = 20"``).

        Raises ``LookupError`` when the base product lacks the field.
        """
        if self.from_base is None:
            value = _format(self.number, self.format)
            return value, plain(value)
        operand = self._operand(base)
        raw = _apply(self.from_base, base_quantity, operand)
        value = _format(raw, self.format)
        shown = f"{plain(base_quantity)} {SYMBOLS[self.from_base]} {plain(operand)}"
        return value, f"{shown} = {plain(value)}"

    def _operand(self, base: Product | None) -> Decimal:
        if self.field is None:
            return self.number
        value = None if base is None else base.number(self.field)
        if value is None:
            raise LookupError(self.field)
        return value


def _apply(op: QuantityOp, quantity: Decimal, operand: Decimal) -> Decimal:
    if op is QuantityOp.MULTIPLY:
        return quantity * operand
    if op is QuantityOp.ADD:
        return quantity + operand
    if operand == 0:
        return Decimal(0)
    return quantity / operand


def _format(value: Decimal, how: QuantityFormat) -> Decimal:
    """The quantity a rule gives: whole for ceil and floor, else rounded to 3 decimals."""
    if how is QuantityFormat.CEIL:
        return Decimal(math.ceil(value))
    if how is QuantityFormat.FLOOR:
        return Decimal(math.floor(value))
    return rounded_quantity(abs(value))
