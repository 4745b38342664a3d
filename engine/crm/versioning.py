"""Optimistic concurrency and the timeline entry of every update.

Each record carries a ``version``. A caller that read version *n* passes it
back; if the record has moved on, the update is refused with the fields that
changed meanwhile, instead of silently overwriting them.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from engine.errors import Conflict
from engine.money import from_cents
from engine.store.db import Tx


def field_name(column: str) -> str:
    return column.removesuffix("_cents")


def field_value(column: str, value: Any) -> Any:
    if column.endswith("_cents") and value is not None:
        return str(from_cents(value))
    return value


def check_version(tx: Tx, entity: str, row: sqlite3.Row, expected: int | None) -> None:
    if expected is None or row["version"] == expected:
        return
    changed = changed_since(tx, entity, row["id"], expected)
    raise Conflict(entity, row["id"], expected, row["version"], changed)


def changed_since(tx: Tx, entity: str, entity_id: int, version: int) -> list[str]:
    names: list[str] = []
    for (changes,) in tx.all(
        "SELECT changes FROM timeline WHERE entity = ? AND entity_id = ? AND version > ?",
        (entity, entity_id, version),
    ):
        names.extend(name for name in json.loads(changes) if name not in names)
    return names


def update_record(
    tx: Tx,
    table: str,
    entity: str,
    row: sqlite3.Row,
    columns: dict[str, Any],
    expected_version: int | None,
    *,
    action: str = "updated",
    data: dict[str, Any] | None = None,
    extra: dict[str, tuple[Any, Any]] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Apply ``columns`` to ``row``; record and return what really changed.

    ``extra`` holds changes already written elsewhere (a deal's answers, say)
    that belong to the same new version of the record.
    """
    check_version(tx, entity, row, expected_version)
    changed = {name: value for name, value in columns.items() if row[name] != value}
    if not changed and not extra:
        return {}
    version = row["version"] + 1
    tx.update(table, row["id"], {**changed, "updated_at": tx.now, "version": version})
    changes = {
        field_name(name): (field_value(name, row[name]), field_value(name, value))
        for name, value in changed.items()
    } | (extra or {})
    tx.record(entity, row["id"], action, changes, version=version, data=data)
    return changes


def record_created(
    tx: Tx, entity: str, entity_id: int, columns: dict[str, Any], data: dict[str, Any] | None = None
) -> None:
    changes = {
        field_name(name): (None, field_value(name, value))
        for name, value in columns.items()
        if value is not None and name not in ("created_at", "updated_at", "version")
    }
    tx.record(entity, entity_id, "created", changes, version=1, data=data)
