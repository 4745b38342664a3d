"""What a write job sees: :class:`Tx`, its SQL helpers, its actor and its timeline.

Apart from the store's machinery (``db.py``, ``batches.py``) because every
engine module that writes imports it, and nothing else of the store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine import clock
from engine.actors import Actor
from engine.events import DomainEvent

__all__ = ["Exclusive", "Params", "Tx", "like_escaped"]

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


class Tx:
    """One job's view of the write transaction: SQL helpers, actor, timeline."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        self.now = clock.now_db()
        self.events: list[DomainEvent] = []

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        cursor = self.conn.execute(_insert_sql(table, values), list(values.values()))
        # PostgreSQL: RETURNING id (engine/store/dialect.py); 0 for a table keyed otherwise.
        return int(cursor.lastrowid or 0)

    def insert_row(self, table: str, values: dict[str, Any]) -> sqlite3.Row:
        """Insert and answer the row as stored, its defaults too (``RETURNING *``: on
        PostgreSQL the read-back costs no round trip of its own)."""
        sql = _insert_sql(table, values) + " RETURNING *"
        # all the rows: SQLite ends the statement only once they are read
        rows: list[sqlite3.Row] = self.conn.execute(sql, list(values.values())).fetchall()
        return rows[0]  # an INSERT … VALUES answers its one row, or raises

    def ids_taken(self, table: str) -> None:
        """Rows went in with their own ids (a restore): new rows get ids past them.

        SQLite picks max(id) + 1 by itself; PostgreSQL's identity counter is moved
        (never back: another writer may have drawn ids past the restored rows).
        """
        if hasattr(self.conn, "script"):
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" greatest(coalesce(max(id), 0) + 1,"
                f" nextval(pg_get_serial_sequence('{table}', 'id'))), false) FROM {table}"
            )

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """One row's new values. Nobody reads the answer: on PostgreSQL the statement goes
        with the job's next one (``execute_later``), its failure still the job's."""
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.later(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])

    def later(self, sql: str, params: Params = ()) -> None:
        """A write whose answer nobody reads: on PostgreSQL it goes with the job's next
        statement (``execute_later``), its failure still the job's; on SQLite, now."""
        write = getattr(self.conn, "execute_later", self.conn.execute)
        write(sql, params)

    def record(
        self,
        entity: str,
        entity_id: int,
        action: str,
        changes: dict[str, tuple[Any, Any]] | None = None,
        *,
        version: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> DomainEvent:
        """Write a timeline entry and queue the matching domain event."""
        changes = changes or {}
        # PostgreSQL sends the entry with the job's next statement (nobody reads its answer).
        self.later(
            "INSERT INTO timeline (at, actor_kind, actor_user_id, actor_label, channel,"
            " entity, entity_id, action, changes, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.now,
                self.actor.kind,
                self.actor.user_id,
                self.actor.label,
                self.actor.channel,
                entity,
                entity_id,
                action,
                json.dumps({k: [_plain(o), _plain(n)] for k, (o, n) in changes.items()}),
                version,
            ),
        )
        event = DomainEvent(entity, action, entity_id, self.actor, changes, data or {})
        self.events.append(event)
        return event


def _insert_sql(table: str, values: dict[str, Any]) -> str:
    marks = ", ".join("?" for _ in values)
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})"


def like_escaped(text: str) -> str:
    """``text`` in a pattern of ``LIKE … ESCAPE '\\'``: ``%``, ``_``, ``\\`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass(frozen=True)
class Exclusive(Generic[T]):
    """A write that must not interleave with another of the same ``key`` on any instance.

    PostgreSQL: it runs alone on a connection of its own, which first takes the
    session advisory lock ``key`` and only then begins its transaction, so that
    its snapshot is taken after the previous holder's commit: a second ``config
    apply`` waits for the first and applies on what the first left, instead of
    failing as a conflict. Meanwhile the instance's other writes go on. SQLite
    (one writer): an ordinary write.
    """

    key: int
    fn: Callable[[Tx], T]

    def __call__(self, tx: Tx) -> T:
        return self.fn(tx)
