"""Criteria are data: each operator, groups, and what a refusal says."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from engine.crm.criteria import Condition, Group, describe, from_dict, holds, to_dict, unmet

VALUES: dict[str, Any] = {
    "budget": Decimal("7500.00"),
    "origin": "Salon de l'habitat",
    "campaign": None,
    "expected_close": date(2026, 5, 1),
    "custom.types": ["Insert", "Poêle à bois"],
    "custom.visits": "2",
}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("budget", "gt", 7000, True),
        ("budget", "le", "7500", True),
        ("budget", "lt", 100, False),
        ("origin", "eq", "salon de l'habitat", True),
        ("origin", "contains", "salon", True),
        ("origin", "ne", "web", True),
        ("campaign", "empty", None, True),
        ("campaign", "not_empty", None, False),
        ("campaign", "gt", 1, False),
        ("expected_close", "ge", "2026-04-30", True),
        ("expected_close", "lt", date(2026, 5, 1), False),
        ("custom.types", "contains", "insert", True),
        ("custom.visits", "ge", 2, True),
        ("origin", "in", ["web", "Salon de l'habitat"], True),
        ("origin", "not_in", ["web"], True),
    ],
)
def test_operators(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(Condition(field, op, value), VALUES[field]) is expected


def test_groups_report_what_failed() -> None:
    rule = Group(
        "all",
        (
            Condition("budget", "gt", 0),
            Group("any", (Condition("origin", "eq", "web"), Condition("campaign", "not_empty"))),
            Condition("campaign", "not_empty"),
        ),
    )
    failed = unmet(rule, VALUES.get)
    assert [describe(part) for part in failed] == [
        "(origin = web or campaign is not empty)",
        "campaign is not empty",
    ]
    assert unmet(None, VALUES.get) == []
    assert from_dict(to_dict(rule)) == rule
