"""What a workflow reads: a record's fields, its related records, template placeholders.

Each entity exposes readable field names (``owner`` is the owner's e-mail,
``stage`` the stage key, ``expected_revenue`` a ``Decimal``, ``custom.x`` a
custom value). Related records are reached by name from the trigger record:
``deal``, ``lead``, ``contact``, ``organisation``, ``referrer`` (the contact
who brought a deal) and ``owner`` (a user). Templates name them as
``{contact.name}``, ``{deal.title}``, ``{owner.name}``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from engine import clock
from engine.crm.fields import DEAL_FIELDS, DealValues

TABLES = {
    "deal": "deals", "lead": "leads", "contact": "contacts", "organisation": "organisations",
    "activity": "activities", "quote": "quotes",
}  # fmt: skip
_USER = "SELECT coalesce(email, slack_id, name) FROM users WHERE id = ?"
_CONTACT = "SELECT coalesce(email, name) FROM contacts WHERE id = ?"
# Id columns shown as something readable: column → (field name, lookup).
REFS: dict[str, tuple[str, str]] = {
    "owner_id": ("owner", _USER),
    "created_by": ("created_by", _USER),
    "contact_id": ("contact", _CONTACT),
    "referred_by_id": ("referred_by", _CONTACT),
    "organisation_id": ("organisation", "SELECT name FROM organisations WHERE id = ?"),
    "stage_id": ("stage", "SELECT key FROM stages WHERE id = ?"),
    "pipeline_id": ("pipeline", "SELECT key FROM pipelines WHERE id = ?"),
}
REF_COLUMNS = {name: column for column, (name, _) in REFS.items()}
_STAMPS = ("id", "created_at", "updated_at")
FIELDS: dict[str, tuple[str, ...]] = {
    "deal": (
        *_STAMPS, *DEAL_FIELDS, "pipeline", "currency", "archived", "referred_by", "lead_id",
        "stage_entered_at", "closed_at", "version",
    ),
    "lead": (
        *_STAMPS, "title", "contact", "organisation", "owner", "status", "disqualify_reason",
        "note", "origin", "campaign", "deal_id", "version",
    ),
    "contact": (*_STAMPS, "name", "email", "phone", "organisation", "locale", "version"),
    "organisation": (*_STAMPS, "name", "domain", "phone", "address", "version"),
    "activity": (
        *_STAMPS, "kind", "subject", "note", "due_at", "done", "done_at", "owner", "deal_id",
        "lead_id", "contact_id", "version",
    ),
    "quote": (
        *_STAMPS, "number", "deal_id", "status", "currency", "quote_date", "valid_until",
        "notes", "line_count", "subtotal", "discount", "net", "tax", "total", "created_by",
        "sent_at", "decided_at", "version",
    ),
}  # fmt: skip
HAS_CUSTOM = frozenset({"deal", "lead"})
# Date fields a date trigger, a wait or a due date may use: ``date`` (a day) or ``time``.
DATE_FIELDS: dict[str, dict[str, str]] = {
    "deal": {"expected_close": "date", "stage_entered_at": "time", "closed_at": "time"},
    "lead": {},
    "contact": {},
    "organisation": {},
    "activity": {"due_at": "time", "done_at": "time"},
    "quote": {"quote_date": "date", "valid_until": "date", "sent_at": "time", "decided_at": "time"},
}
for _dates in DATE_FIELDS.values():
    _dates.update(created_at="time", updated_at="time")
USER_FIELDS = ("id", "name", "email", "slack_id", "locale", "timezone")
# What a template or a target may name, from each kind of trigger record.
RELATED: dict[str, tuple[str, ...]] = {
    "deal": ("deal", "lead", "contact", "organisation", "referrer", "owner"),
    "lead": ("lead", "deal", "contact", "organisation", "owner"),
    "contact": ("contact", "organisation"),
    "organisation": ("organisation",),
    "activity": ("activity", "deal", "lead", "contact", "owner"),
    "quote": ("quote", "deal", "contact", "organisation", "owner"),
}
KIND_OF = {"referrer": "contact", "owner": "user"}
BOOLEANS = frozenset({"done", "archived"})


def field_known(entity: str, name: str) -> bool:
    if name.startswith("custom."):
        return entity in HAS_CUSTOM and len(name) > len("custom.")
    return name in FIELDS[entity]


def date_kind(entity: str, name: str) -> str | None:
    """``date``, ``time`` or None (not a date field); custom values are read as either."""
    if name.startswith("custom.") and entity in HAS_CUSTOM:
        return "any"
    return DATE_FIELDS[entity].get(name)


def load_row(conn: sqlite3.Connection, entity: str, record_id: int | None) -> sqlite3.Row | None:
    """The row of ``entity`` (or of ``user``) with this id, or None."""
    if record_id is None:
        return None
    table = "users" if entity == "user" else TABLES[entity]
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM {table} WHERE id = ?", (record_id,)
    ).fetchone()
    return row


class Record:
    """One record's readable values, looked up lazily."""

    def __init__(
        self, conn: sqlite3.Connection, entity: str, row: sqlite3.Row, now: datetime
    ) -> None:
        self.conn = conn
        self.entity = entity
        self.row = row
        self.now = now
        self.keys = frozenset(row.keys())
        self._deal = DealValues(conn, row, now) if entity == "deal" else None

    @property
    def id(self) -> int:
        return int(self.row["id"])

    def get(self, name: str) -> Any:
        if self._deal is not None and (name in DEAL_FIELDS or name.startswith("custom.")):
            return self._deal.get(name)
        if name.startswith("custom."):
            return self.custom().get(name.removeprefix("custom."))
        return self._column(name)

    def _column(self, name: str) -> Any:
        keys = self.keys
        column = REF_COLUMNS.get(name)
        if column is not None and column in keys:
            return lookup(self.conn, REFS[column][1], self.row[column])
        if f"{name}_cents" in keys:
            cents = self.row[f"{name}_cents"]
            return None if cents is None else Decimal(cents) / 100
        if name not in keys:
            return None
        value = self.row[name]
        return bool(value) if name in BOOLEANS and value is not None else value

    def custom(self) -> dict[str, Any]:
        if "custom" not in self.keys:
            return {}
        loaded: dict[str, Any] = json.loads(self.row["custom"] or "{}")
        return loaded

    def ref(self, column: str) -> int | None:
        return self.row[column] if column in self.keys else None


def lookup(conn: sqlite3.Connection, sql: str, key: Any) -> Any:
    if key is None:
        return None
    found = conn.execute(sql, (key,)).fetchone()
    return None if found is None else found[0]


# -- related records ------------------------------------------------------------------


def related(record: Record, name: str) -> tuple[str, sqlite3.Row] | None:
    """The record called ``name`` from ``record`` (``contact`` of a deal…), or None."""
    if name == record.entity:
        return record.entity, record.row
    kind = KIND_OF.get(name, name)
    row = load_row(record.conn, kind, _related_id(record, name))
    return None if row is None else (kind, row)


def _related_id(record: Record, name: str) -> int | None:
    entity, conn = record.entity, record.conn
    if entity == "quote" and name in ("contact", "organisation", "owner"):
        deal = load_row(conn, "deal", record.ref("deal_id"))
        return None if deal is None else _related_id(Record(conn, "deal", deal, record.now), name)
    if name == "referrer":
        return record.ref("referred_by_id")
    if name == "owner":
        return record.ref("owner_id")
    if name == "organisation" and entity == "activity":
        contact = load_row(conn, "contact", record.ref("contact_id"))
        return None if contact is None else contact["organisation_id"]
    return record.ref(f"{name}_id")


def related_record(record: Record, name: str) -> Record | None:
    found = related(record, name)
    if found is None or found[0] == "user":
        return None
    return Record(record.conn, found[0], found[1], record.now)


def user_row(record: Record, who: str) -> sqlite3.Row | None:
    """The ``owner`` of the record (a users row), or None."""
    found = related(record, who)
    return None if found is None else found[1]


# -- templates -------------------------------------------------------------------------


class Placeholders(Mapping[str, object]):
    """``{contact.name}``-style values for :func:`engine.templates.render`, read on demand."""

    def __init__(self, record: Record | None, extra: Mapping[str, object]) -> None:
        self.record = record
        self.extra = dict(extra)
        self._cache: dict[str, object] = {}

    def __getitem__(self, key: str) -> object:
        if key in self.extra:
            return self.extra[key]
        if key not in self._cache:
            self._cache[key] = self._resolve(key)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.extra)

    def __len__(self) -> int:
        return len(self.extra)

    def _resolve(self, key: str) -> object:
        name, _, field = key.partition(".")
        if self.record is None or not field:
            return None
        if name not in RELATED[self.record.entity]:
            return None
        found = related(self.record, name)
        if found is None:
            return None
        kind, row = found
        if kind == "user":
            return row[field] if field in USER_FIELDS else None
        return shown(Record(self.record.conn, kind, row, self.record.now).get(field))


def shown(value: Any) -> object:
    """A value as a person reads it in a message."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def placeholder_known(entity: str, key: str) -> bool:
    """Whether ``{key}`` can be filled for a workflow on ``entity`` (checked at load time)."""
    if key in ("workflow", "actor", "event", "run"):
        return True
    name, _, field = key.partition(".")
    if name not in RELATED[entity] or not field:
        return False
    kind = KIND_OF.get(name, name)
    if kind == "user":
        return field in USER_FIELDS
    return field_known(kind, field)


# -- dates --------------------------------------------------------------------------------


def moment_of(value: Any, at: str, tz: str) -> datetime | None:
    """A stored date or time as a moment; a day is taken at ``at`` o'clock in ``tz``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.zone(tz))
    if isinstance(value, date):
        return datetime.combine(value, _clock_time(at), clock.zone(tz))
    text = str(value).strip()
    try:
        if len(text) == 10:
            return moment_of(date.fromisoformat(text), at, tz)
        return moment_of(datetime.fromisoformat(text.replace("Z", "+00:00")), at, tz)
    except ValueError:
        return None


def _clock_time(at: str) -> time:
    hours, _, minutes = at.partition(":")
    return time(int(hours), int(minutes or 0))


def shifted(moment: datetime | None, seconds: int) -> datetime | None:
    return None if moment is None else moment + timedelta(seconds=seconds)
