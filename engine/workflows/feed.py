"""The runner's feed: timeline entries after its cursor, with their causation depth."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.crm.marks import IN_ORDER, PAST, Mark
from engine.store.db import Tx
from engine.workflows.conditions import Cause
from engine.workflows.store import Index

CURSOR = "runner"


@dataclass(frozen=True, slots=True)
class Entry:
    """A timeline entry as the runner reads it."""

    id: int
    xact: int
    entity: str
    entity_id: int
    action: str
    changes: dict[str, list[Any]]
    actor_kind: str
    actor_user_id: int | None
    actor_label: str
    channel: str

    @property
    def mark(self) -> Mark:
        return Mark(self.xact, self.id)

    def cause(self) -> Cause:
        return Cause(
            f"{self.entity}.{self.action}", self.actor_kind, self.actor_user_id,
            self.actor_label, self.channel, self.changes,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Batch:
    stored: Mark
    index: Index | None
    entries: list[Entry]
    depths: dict[int, int]
    last: Mark
    held: bool = False  # entries past ``last`` wait for an older transaction still running


def entries(conn: sqlite3.Connection, after: Mark, limit: int) -> list[Entry]:
    """The settled entries past ``after``, in feed order (engine/crm/marks.py)."""
    rows = conn.execute(
        "SELECT id, xact, entity, entity_id, action, changes, actor_kind, actor_user_id,"
        f" actor_label, channel FROM timeline WHERE {PAST} {IN_ORDER} LIMIT ?",
        (*after.params, limit),
    ).fetchall()
    return [
        Entry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], r[9]) for r in rows
    ]


def last_settled(conn: sqlite3.Connection, after: Mark) -> Mark:
    """The newest settled entry's mark (``after`` if none is newer): where a feed with
    nothing to look for may jump to."""
    row = conn.execute(
        f"SELECT xact, id FROM timeline WHERE {PAST} ORDER BY xact DESC, id DESC LIMIT 1",
        after.params,
    ).fetchone()
    return after if row is None else Mark(int(row[0]), int(row[1]))


def depths(conn: sqlite3.Connection, entries: list[Entry]) -> dict[int, int]:
    """The causation depth of the entries written by workflows.

    A range of ids is its run's only within the run's transaction (``xact``): other
    transactions draw ids inside it at the same time.
    """
    caused = [e for e in entries if e.actor_kind == "workflow"]
    if not caused:
        return {}
    ranges = conn.execute(
        "SELECT first_id, last_id, xact, depth FROM workflow_causes"
        " WHERE last_id >= ? AND first_id <= ?",
        (min(e.id for e in caused), max(e.id for e in caused)),
    ).fetchall()
    depths: dict[int, int] = {}
    for entry in caused:
        for first, last, xact, depth in ranges:
            if first <= entry.id <= last and xact == entry.xact:
                depths[entry.id] = depth
                break
    return depths


def stored_mark(conn: sqlite3.Connection) -> Mark:
    """How far the runners (of every instance) have read, as last written down."""
    row = conn.execute(
        "SELECT xact, position FROM workflow_cursor WHERE name = ?", (CURSOR,)
    ).fetchone()
    return Mark(int(row[0]), int(row[1]))


def move_mark(tx: Tx, to: Mark, expected: Mark | None) -> bool:
    """Write the cursor down at ``to`` if it still stands at ``expected`` (False: another
    runner moved it first)."""
    expected = expected or Mark(-1, -1)
    moved = tx.execute(
        "UPDATE workflow_cursor SET xact = ?, position = ?"
        " WHERE name = ? AND xact = ? AND position = ?",
        (*to.params, CURSOR, *expected.params),
    )
    return moved.rowcount == 1
