"""The runner's feed: timeline entries after its cursor, with their causation depth."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.workflows.conditions import Cause
from engine.workflows.store import Index


@dataclass(frozen=True, slots=True)
class Entry:
    """A timeline entry as the runner reads it."""

    id: int
    entity: str
    entity_id: int
    action: str
    changes: dict[str, list[Any]]
    actor_kind: str
    actor_user_id: int | None
    actor_label: str
    channel: str

    def cause(self) -> Cause:
        return Cause(
            f"{self.entity}.{self.action}", self.actor_kind, self.actor_user_id,
            self.actor_label, self.channel, self.changes,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Batch:
    stored: int
    index: Index | None
    entries: list[Entry]
    depths: dict[int, int]
    last: int


def entries(conn: sqlite3.Connection, after: int, limit: int) -> list[Entry]:
    rows = conn.execute(
        "SELECT id, entity, entity_id, action, changes, actor_kind, actor_user_id, actor_label,"
        " channel FROM timeline WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8]) for r in rows]


def depths(conn: sqlite3.Connection, entries: list[Entry]) -> dict[int, int]:
    """The causation depth of the entries written by workflows."""
    caused = [e.id for e in entries if e.actor_kind == "workflow"]
    if not caused:
        return {}
    ranges = conn.execute(
        "SELECT first_id, last_id, depth FROM workflow_causes WHERE last_id >= ? AND first_id <= ?",
        (min(caused), max(caused)),
    ).fetchall()
    depths: dict[int, int] = {}
    for entry_id in caused:
        for first, last, depth in ranges:
            if first <= entry_id <= last:
                depths[entry_id] = depth
                break
    return depths
