"""Conditions of CPQ rules, and the context they are checked against.

A condition is data — ``(field, op, value)`` — never code: ``deal.region in
[nord, est]``, ``deal.origin eq employee_referral``, ``date gte 2026-11-01``.
The context is a flat mapping of names to values, built from the deal (see
:mod:`engine.cpq.quotes`); ``date`` is always the quote's date. A condition on a
field the context does not have is not met.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from engine.text.catalogue import Phrase

Scalar = str | Decimal | date | bool


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    SET = "set"
    NOT_SET = "not_set"


_ORDERED: dict[Op, Callable[[Any, Any], Any]] = {
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
}


_SYMBOL = {
    Op.EQ: "=", Op.NE: "≠", Op.IN: "∈", Op.NOT_IN: "∉", Op.GT: ">", Op.GTE: "≥",
    Op.LT: "<", Op.LTE: "≤", Op.SET: "≠ ∅", Op.NOT_SET: "= ∅",
}  # fmt: skip
_NEGATED = {
    Op.EQ: "≠", Op.NE: "=", Op.IN: "∉", Op.NOT_IN: "∈", Op.GT: "≤", Op.GTE: "<",
    Op.LT: "≥", Op.LTE: ">", Op.SET: "=", Op.NOT_SET: "≠",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PricingContext:
    """What rules may look at: the quote's date and named fields.

    Field names are dotted: ``deal.origin``, ``deal.region`` (a custom field),
    ``deal.expected_revenue``, ``customer.name``, ``quote.list_total``.
    """

    on: date
    fields: Mapping[str, Scalar] = field(default_factory=dict)
    currency: str | None = None

    def value(self, name: str) -> Scalar | None:
        if name == "date":
            return self.on
        return self.fields.get(name)

    def with_fields(self, extra: Mapping[str, Scalar]) -> PricingContext:
        return replace(self, fields={**self.fields, **extra})


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...] | None = None
    _hash: int = dataclass_field(init=False, repr=False, compare=False, default=0)

    def __hash__(self) -> int:
        return self._hash

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.field, self.op.value, self.value)))
        is_list = isinstance(self.value, tuple)
        if (self.op in (Op.IN, Op.NOT_IN)) != is_list:
            raise ValueError(Phrase("config.problem.cpq_condition_list", field=self.field))
        if self.op in (Op.SET, Op.NOT_SET) and self.value is not None:
            raise ValueError(self._refused("cpq_condition_no_value"))
        if self.op in _ORDERED and not isinstance(self.value, Decimal | date):
            raise ValueError(self._refused("cpq_condition_ordered"))

    def _refused(self, key: str) -> Phrase:
        return Phrase("config.problem." + key, field=self.field, op=f"'{self.op}'")

    def failure(self, ctx: PricingContext) -> str | None:
        """``None`` when the condition holds, else why not, in symbols any reader gets.

        ``deal.region: nord ∉ [sud, est]``, ``date: 2026-05-01 < 2026-11-01``,
        ``deal.origin: ∅`` (not set).
        """
        actual = ctx.value(self.field)
        unset = actual is None or actual == ""
        if self.op is Op.SET:
            return f"{self.field}: ∅" if unset else None
        if self.op is Op.NOT_SET:
            return None if unset else f"{self.field}: {_show(actual)} ≠ ∅"
        if actual is None or actual == "":
            return f"{self.field}: ∅"
        if _holds(self.op, actual, self.value):
            return None
        return f"{self.field}: {_show(actual)} {_NEGATED[self.op]} {_show(self.value)}"

    def describe(self) -> str:
        return f"{self.field} {_SYMBOL[self.op]} {_show(self.value)}".rstrip()


def first_failure(conditions: tuple[Condition, ...], ctx: PricingContext) -> str | None:
    """All conditions must hold; the first that does not says why."""
    for condition in conditions:
        reason = condition.failure(ctx)
        if reason is not None:
            return reason
    return None


_UNSEEN = "\0unseen"


class Verdicts:
    """Conditions checked against one context, each distinct one only once.

    A quote's context does not change while it is priced, and many rules share
    conditions (a period, a region): this memo is what keeps pricing a large
    quote against a large rule book fast.
    """

    def __init__(self, ctx: PricingContext) -> None:
        self.ctx = ctx
        self._seen: dict[Condition, str | None] = {}
        self._rules: dict[str, str | None] = {}

    def rule_failure(self, rule_id: str, conditions: tuple[Condition, ...]) -> str | None:
        """:meth:`first_failure`, remembered by rule id (ids are unique in a rule book)."""
        if not conditions:
            return None
        reason = self._rules.get(rule_id, _UNSEEN)
        if reason is _UNSEEN:
            reason = self._rules[rule_id] = self.first_failure(conditions)
        return reason

    def first_failure(self, conditions: tuple[Condition, ...]) -> str | None:
        for condition in conditions:
            reason = self._seen.get(condition, _UNSEEN)
            if reason is _UNSEEN:
                reason = self._seen[condition] = condition.failure(self.ctx)
            if reason is not None:
                return reason
        return None


def _holds(op: Op, actual: Scalar, expected: Scalar | tuple[Scalar, ...] | None) -> bool:
    if isinstance(expected, tuple):
        found = any(_equal(actual, item) for item in expected)
        return found if op is Op.IN else not found
    if op is Op.EQ:
        return _equal(actual, expected)
    if op is Op.NE:
        return not _equal(actual, expected)
    left, right = _comparable(actual, expected)
    if left is None or right is None:
        return False
    return _compare(op, left, right)


def _compare(op: Op, left: Decimal | date, right: Decimal | date) -> bool:
    if type(left) is not type(right):
        return False
    return bool(_ORDERED[op](left, right))


def _equal(actual: Scalar, expected: Scalar | None) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _truth(actual) == _truth(expected)
    if isinstance(expected, Decimal | date):
        left, right = _comparable(actual, expected)
        return left is not None and left == right
    return str(actual).strip().casefold() == str(expected).strip().casefold()


def _comparable(
    actual: Scalar, expected: Scalar | None
) -> tuple[Decimal | date | None, Decimal | date | None]:
    if isinstance(expected, Decimal):
        return _as_decimal(actual), expected
    if isinstance(expected, date):
        return _as_date(actual), expected
    return None, None


def _as_decimal(value: Scalar) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | date):
        return None
    try:
        return Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None


def _as_date(value: Scalar) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _truth(value: Scalar | None) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "oui")


def _show(value: Scalar | tuple[Scalar, ...] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
