"""Money and numbers people supply have bounds: past them, a clear refusal, never a crash.

One rule (``engine.money``) for every amount read from a person or a file:
Slack forms, the command line, CSV and JSON imports; ``number`` inputs of a
transition have their own (``engine.blueprints.inputs``).
"""

from __future__ import annotations

import io
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from engine import money
from engine.actors import Actor
from engine.blueprints import inputs
from engine.blueprints.inputs import Refused
from engine.blueprints.model import InputField
from engine.core import Engine

HUGE = ["12345678901234567890", "1" * 40, "1e400", "1e999999999999999999", "-1e13", "1" * 5000]


@pytest.mark.parametrize("text", HUGE)
def test_an_amount_past_twelve_digits_is_refused_with_the_bound(text: str) -> None:
    with pytest.raises(ValueError, match="at most 12 digits before the decimal point"):
        money.parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("999999999999.99", "999999999999.99"),
        ("999 999 999 999,994", "999999999999.99"),
        ("8000.555", "8000.56"),  # rounded half-up to the cent
        ("1e-400", "0.00"),
        ("-999999999999", "-999999999999.00"),
    ],
)
def test_amounts_within_the_bounds_are_read_and_rounded(text: str, expected: str) -> None:
    assert money.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("value", [Decimal("1e12"), 10**12, Decimal("999999999999.995")])
def test_typed_values_past_the_bound_are_refused_too(value: Decimal | int) -> None:
    with pytest.raises(ValueError, match="at most 12 digits"):
        money.parse_amount(value)


@pytest.mark.parametrize("text", ["abc", "NaN", "sNaN", "Infinity", "1e", "--1"])
def test_what_is_not_a_number_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        money.parse_amount(text)


def test_a_pasted_page_is_cut_in_the_error() -> None:
    with pytest.raises(ValueError) as caught:
        money.parse_amount("x" * 10_000)
    assert len(str(caught.value)) < 80


def field(kind: str) -> InputField:
    return InputField("value", "Value", kind, required=False)


def refusal(kind: str, raw: Any) -> tuple[str, dict[str, Any]]:
    conn = sqlite3.connect(":memory:")
    with pytest.raises(Refused) as caught:
        inputs.parse(conn, field(kind), raw, "Europe/Paris")
    return caught.value.reason.code, caught.value.reason.params


@pytest.mark.parametrize("raw", ["1e400", "1" * 40, "1e999999999999999999"])
def test_money_inputs_past_the_bound_name_the_largest_amount(raw: str) -> None:
    assert refusal("money", raw) == ("input_max", {"limit": "999999999999.99"})


@pytest.mark.parametrize(
    ("raw", "code", "limit"),
    [("1e400", "input_max", "999999999999999"), ("-1" + "0" * 15, "input_min", "-999999999999999")],
)
def test_number_inputs_have_fifteen_integer_digits(raw: str, code: str, limit: str) -> None:
    assert refusal("number", raw) == (code, {"limit": limit})


@pytest.mark.parametrize("raw", ["1e999999999999999999", "1e400", "NaN", "1e-400"])
def test_percentages_and_numbers_never_crash(raw: str) -> None:
    assert refusal("percentage", raw)[0] == "input_not_percentage"


async def test_an_import_refuses_the_row_and_keeps_the_others(engine: Engine, admin: Actor) -> None:
    text = "title,expected_revenue,budget\nGros,1e400,\nÉnorme,,123456789012345678901\nBon,900,\n"
    report = await engine.data.import_csv("deals", io.StringIO(text), admin)
    assert report.created == 1
    assert [(r.line, r.errors) for r in report.rejected] == [
        (2, {"expected_revenue": money.TOO_LARGE}),
        (3, {"budget": money.TOO_LARGE}),
    ]
