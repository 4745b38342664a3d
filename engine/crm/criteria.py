"""Conditions on a record's fields, as data: ``field op value`` and all/any groups.

Nothing here is ever evaluated as code; a criterion is a small tree that
:func:`unmet` walks against the record's values, returning what failed so
that a refusal can say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty", "contains", "in", "not_in")
UNARY = ("empty", "not_empty")
LISTED = ("in", "not_in")
SYMBOLS = {
    "eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤", "empty": "is empty",
    "not_empty": "is not empty", "contains": "contains", "in": "in", "not_in": "not in",
}  # fmt: skip

Getter = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Group:
    mode: Literal["all", "any"]
    items: tuple[Criterion, ...]


Criterion = Condition | Group


def unmet(criterion: Criterion | None, get: Getter) -> list[Criterion]:
    """The parts of ``criterion`` the record does not meet (empty: it matches)."""
    if criterion is None:
        return []
    if isinstance(criterion, Condition):
        return [] if holds(criterion, get(criterion.field)) else [criterion]
    if criterion.mode == "all":
        return [part for item in criterion.items for part in unmet(item, get)]
    return [] if any(not unmet(item, get) for item in criterion.items) else [criterion]


def holds(condition: Condition, actual: Any) -> bool:
    op, expected = condition.op, condition.value
    if op in UNARY:
        return is_empty(actual) == (op == "empty")
    if op in LISTED:
        found = any(_equal(actual, option) for option in expected or ())
        return found == (op == "in")
    if op == "contains":
        return _contains(actual, expected)
    if op in ("eq", "ne"):
        return _equal(actual, expected) == (op == "eq")
    return _ordered(op, actual, expected)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _equal(actual: Any, expected: Any) -> bool:
    if is_empty(actual):
        return is_empty(expected)
    left, right = _comparable(actual, expected)
    return bool(left == right)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list | tuple):
        return any(_equal(item, expected) for item in actual)
    if is_empty(actual):
        return False
    return str(expected).casefold() in str(actual).casefold()


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    if is_empty(actual):
        return False
    left, right = _comparable(actual, expected)
    try:
        if op == "gt":
            return bool(left > right)
        if op == "ge":
            return bool(left >= right)
        if op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring both sides to one kind: numbers, ISO dates, or case-folded text."""
    if isinstance(left, date) or isinstance(right, date):
        return _iso(left), _iso(right)
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return a, b
    return str(left).casefold(), str(right).casefold()


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
    return None


def describe(criterion: Criterion) -> str:
    """``budget > 0``, ``(origin = web or campaign is not empty)``."""
    if isinstance(criterion, Condition):
        symbol = SYMBOLS.get(criterion.op, criterion.op)
        if criterion.op in UNARY:
            return f"{criterion.field} {symbol}"
        return f"{criterion.field} {symbol} {_shown(criterion.value)}"
    joined = f" {'and' if criterion.mode == 'all' else 'or'} ".join(
        describe(item) for item in criterion.items
    )
    return f"({joined})" if len(criterion.items) > 1 else joined


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def conditions(criterion: Criterion | None, path: str) -> Iterator[tuple[str, Condition]]:
    """Every leaf with its path, ``entry.all[1].any[0]``, for checks and messages."""
    if criterion is None:
        return
    if isinstance(criterion, Condition):
        yield path, criterion
        return
    for index, item in enumerate(criterion.items):
        yield from conditions(item, f"{path}.{criterion.mode}[{index}]")


def to_dict(criterion: Criterion) -> dict[str, Any]:
    if isinstance(criterion, Condition):
        data: dict[str, Any] = {"field": criterion.field, "op": criterion.op}
        if criterion.op not in UNARY:
            data["value"] = _plain(criterion.value)
        return data
    return {criterion.mode: [to_dict(item) for item in criterion.items]}


def from_dict(data: dict[str, Any]) -> Criterion:
    for mode in ("all", "any"):
        if mode in data:
            items = tuple(from_dict(item) for item in data[mode])
            return Group("all" if mode == "all" else "any", items)
    return Condition(str(data["field"]), str(data["op"]), data.get("value"))


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
