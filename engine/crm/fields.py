"""The deal fields a blueprint may read (criteria) and write (inputs, field updates).

Each field has a type; a blueprint is checked against this catalogue so an
unknown field or a type mismatch is caught when the YAML is loaded, not when
a rep clicks. ``custom.<name>`` addresses the deal's free-form custom values.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine import clock
from engine.money import from_cents
from engine.text.catalogue import Phrase

CUSTOM = "custom."
INPUT_TYPES = (
    "text", "long_text", "number", "money", "percentage", "date", "datetime", "choice",
    "multi_choice", "email", "phone", "url", "contact", "file",
)  # fmt: skip
TEXTUAL = frozenset({"text", "long_text", "choice", "email", "phone", "url", "file"})
# Which input types may be saved into a deal field of each type.
ACCEPTS: dict[str, frozenset[str]] = {
    "text": TEXTUAL,
    "money": frozenset({"money", "number"}),
    "number": frozenset({"number"}),
    "percentage": frozenset({"percentage", "number"}),
    "date": frozenset({"date"}),
    "user": frozenset({"email", "text", "choice"}),
    "contact": frozenset({"contact", "email"}),
    "any": frozenset(INPUT_TYPES),
}


@dataclass(frozen=True, slots=True)
class DealField:
    name: str
    type: str
    writable: bool
    read: Callable[[DealValues], Any]
    help: str = ""


class DealValues:
    """A deal's field values, read lazily (only what a criterion asks for)."""

    def __init__(self, conn: sqlite3.Connection, row: sqlite3.Row, now: datetime | str) -> None:
        self.conn = conn
        self.row = row
        self._now = now
        self._cache: dict[str, Any] = {}
        self._custom: dict[str, Any] | None = None

    def get(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> Any:
        if name.startswith(CUSTOM):
            return self.custom().get(name.removeprefix(CUSTOM))
        known = self.fields().get(name)
        return None if known is None else known.read(self)

    def fields(self) -> dict[str, DealField]:
        """The catalogue of the record's named fields."""
        return DEAL_FIELDS

    def custom(self) -> dict[str, Any]:
        if self._custom is None:
            self._custom = json.loads(self.row["custom"])
        return self._custom

    @property
    def now(self) -> datetime:
        """The moment of evaluation (parsed only when a field needs it)."""
        return moment(self._now)

    def lookup(self, sql: str, key: Any) -> Any:
        if key is None:
            return None
        found = self.conn.execute(sql, (key,)).fetchone()
        return None if found is None else found[0]


def _column(name: str) -> Callable[[DealValues], Any]:
    return lambda v: v.row[name]


def _money(name: str) -> Callable[[DealValues], Any]:
    return lambda v: from_cents(v.row[f"{name}_cents"])


def _day(values: DealValues) -> date | None:
    text = values.row["expected_close"]
    return None if text is None else date.fromisoformat(text)


def _owner(values: DealValues) -> Any:
    return values.lookup(
        "SELECT coalesce(email, slack_id) FROM users WHERE id = ?", values.row["owner_id"]
    )


def _contact(values: DealValues) -> Any:
    return values.lookup(
        "SELECT coalesce(email, name) FROM contacts WHERE id = ?", values.row["contact_id"]
    )


def _organisation(values: DealValues) -> Any:
    return values.lookup(
        "SELECT name FROM organisations WHERE id = ?", values.row["organisation_id"]
    )


def _days_in_stage(values: DealValues) -> int:
    return (values.now - moment(values.row["stage_entered_at"])).days


def _quote_count(values: DealValues) -> int:
    """Quotes on the deal: the CPQ ``quotes`` table when there is one, else the
    deal's custom value ``quote_count`` (set by hand or an import); the larger wins."""
    try:
        custom = int(values.custom().get("quote_count") or 0)
    except (TypeError, ValueError):
        custom = 0
    try:
        found = values.conn.execute(
            "SELECT count(*) FROM quotes WHERE deal_id = ? AND status != 'rejected'",
            (values.row["id"],),
        ).fetchone()
    except sqlite3.OperationalError:  # no quotes table yet
        return custom
    return max(custom, int(found[0]))


def _fields(*fields: DealField) -> dict[str, DealField]:
    return {f.name: f for f in fields}


DEAL_FIELDS = _fields(
    DealField("title", "text", True, _column("title")),
    DealField("owner", "user", True, _owner),
    DealField("contact", "contact", True, _contact),
    DealField("organisation", "text", True, _organisation),
    DealField("expected_revenue", "money", True, _money("expected_revenue")),
    DealField("budget", "money", True, _money("budget")),
    DealField("priority", "number", True, _column("priority")),
    DealField("probability", "percentage", True, _column("probability")),
    DealField("expected_close", "date", True, _day),
    DealField("origin", "text", True, _column("origin")),
    DealField("campaign", "text", True, _column("campaign")),
    DealField("lost_reason", "text", True, _column("lost_reason"),
              "written only by a transition into a lost stage"),
    DealField("status", "text", False, _column("status"), "open, won or lost"),
    DealField("stage", "text", False, lambda v: v.lookup(
        "SELECT key FROM stages WHERE id = ?", v.row["stage_id"]), "the stage key"),
    DealField("days_in_stage", "number", False, _days_in_stage,
              "whole days since the deal entered its stage"),
    DealField("quote_count", "number", False, _quote_count,
              "quotes on the deal (custom value quote_count until CPQ lands)"),
)  # fmt: skip


def moment(value: datetime | str) -> datetime:
    """A stored UTC timestamp (``…Z``) or a datetime, as an aware datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def field_type(name: str, catalogue: dict[str, DealField] | None = None) -> str | None:
    """The type of a deal (or ``catalogue``) field, ``any`` for custom values, None if unknown."""
    if name.startswith(CUSTOM):
        return "any" if len(name) > len(CUSTOM) else None
    known = (DEAL_FIELDS if catalogue is None else catalogue).get(name)
    return None if known is None else known.type


def is_writable(name: str, catalogue: dict[str, DealField] | None = None) -> bool:
    if name.startswith(CUSTOM):
        return True
    known = (DEAL_FIELDS if catalogue is None else catalogue).get(name)
    return known is not None and known.writable


# Why a blueprint's literal cannot be a field's value (engine.blueprints.check says it).
NOT_NUMBER, NOT_DATE = "config.problem.bp_not_number", "config.problem.bp_not_date"
NOT_SINGLE = "config.problem.bp_not_single"


def literal_problem(kind: str, value: Any) -> str | None:
    """Why ``value`` (from the YAML) cannot be a value of a field of type ``kind``."""
    if kind in ("money", "number", "percentage"):
        return None if to_decimal(value) is not None else Phrase(NOT_NUMBER, value=repr(value))
    if kind == "date":
        return None if to_date(value) is not None else Phrase(NOT_DATE, value=repr(value))
    if isinstance(value, dict | list):
        return Phrase(NOT_SINGLE, value=repr(value))
    return None


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if str(value).strip().lower() == "today":
        return clock.utcnow().date()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


# -- leads (lead blueprints) ----------------------------------------------------


class LeadValues(DealValues):
    """A lead's field values, for a lead blueprint's criteria and forms."""

    def fields(self) -> dict[str, DealField]:
        return LEAD_FIELDS


LEAD_FIELDS = _fields(
    DealField("title", "text", True, _column("title")),
    DealField("owner", "user", True, _owner),
    DealField("contact", "contact", False, _contact),
    DealField("organisation", "text", False, _organisation),
    DealField("note", "text", True, _column("note")),
    DealField("origin", "text", True, _column("origin")),
    DealField("campaign", "text", True, _column("campaign")),
    DealField("disqualify_reason", "text", True, _column("disqualify_reason"),
              "written by a transition into disqualified"),
    DealField("status", "text", False, _column("status"), "the lead status"),
)  # fmt: skip
