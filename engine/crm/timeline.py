"""What changed on a record past a version: who, and which fields.

An out-of-date click or form is refused with a :class:`~engine.errors.Conflict`
that carries the version the person saw. Saying *who* changed *what* since then
is a question about the timeline, so it is answered here, in the engine, and an
adapter only renders the answer in the reader's language.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    """One change recorded past the version seen: its author and the fields it touched."""

    user_id: int | None  # the Relais user who made it; None for mail, the CLI, a timer
    name: str | None  # that user's name when still known
    actor_label: str  # how the timeline labels the actor (e.g. ``slack:U123``)
    fields: list[str]  # the fields the change touched, in the order it recorded them


def changes_since(
    conn: sqlite3.Connection, entity: str, entity_id: int, version: int
) -> list[Edit]:
    """Every change to ``entity`` ``entity_id`` recorded past ``version``, the last one first."""
    rows = conn.execute(
        "SELECT t.actor_user_id, t.actor_label, t.changes, u.name FROM timeline t "
        "LEFT JOIN users u ON u.id = t.actor_user_id "
        "WHERE t.entity = ? AND t.entity_id = ? AND t.version IS NOT NULL AND t.version > ? "
        "ORDER BY t.id DESC",
        (entity, entity_id, version),
    )
    return [
        Edit(r["actor_user_id"], r["name"], r["actor_label"], _fields(r["changes"])) for r in rows
    ]


def _fields(changes: str | None) -> list[str]:
    """The field names of a timeline entry's ``changes`` (a JSON object of old/new pairs)."""
    decoded = json.loads(changes) if changes else {}
    return list(decoded) if isinstance(decoded, dict) else []
