"""Date triggers: a date field reached, or N days before / after it.

On each scheduler tick the database is asked which records' moment (the
field's value, a day taken at the trigger's ``at`` o'clock in the workflow's
time zone, shifted by the offset) fell in ``(since, now]``, where ``since``
is the later of the workflow's activation and ``now`` minus the catch-up
window. Each (workflow, record, moment) fires once: the row written in
``workflow_date_fired`` in the same write as the run makes a second tick,
or a restart, a no-op. Moving the date makes a new moment, which fires again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import clock
from engine.workflows.model import DateTrigger
from engine.workflows.store import Indexed
from engine.workflows.values import TABLES, date_kind, moment_of

CATCH_UP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DueDate:
    entity_id: int
    moment: datetime
    owner_id: int | None


def due_dates(conn: sqlite3.Connection, item: Indexed, now: datetime) -> list[DueDate]:
    """Records of ``item``'s date trigger whose moment has come and not yet fired."""
    trigger = item.workflow.trigger
    assert isinstance(trigger, DateTrigger)
    since = max(clock.from_db(item.active_since), now - CATCH_UP)
    if since >= now:
        return []
    shift = timedelta(seconds=trigger.offset)
    rows = _candidates(conn, trigger, since - shift, now - shift, item.workflow.timezone)
    fired = _fired(conn, item.id, since, now)
    found: list[DueDate] = []
    for row in rows:
        base = moment_of(row["value"], trigger.at, item.workflow.timezone)
        if base is None:
            continue
        moment = base + shift
        if since < moment <= now and (row["id"], clock.to_db(moment)) not in fired:
            found.append(DueDate(row["id"], moment, row["owner_id"]))
    return found


def _candidates(
    conn: sqlite3.Connection, trigger: DateTrigger, low: datetime, high: datetime, tz: str
) -> list[sqlite3.Row]:
    """Rows whose field may fall in ``(low, high]``; the exact test is done in Python."""
    table = TABLES[trigger.entity]
    owner = "owner_id" if trigger.entity in ("deal", "lead", "activity") else "NULL"
    kind = date_kind(trigger.entity, trigger.field)
    if kind == "any":  # a custom value: read them all (custom values carry no index)
        name = trigger.field.removeprefix("custom.")
        sql = (
            f"SELECT id, {owner} AS owner_id, json_extract(custom, ?) AS value FROM {table}"
            " WHERE json_extract(custom, ?) IS NOT NULL"
        )
        path = f'$."{name}"'
        return conn.execute(sql, (path, path)).fetchall()
    column = trigger.field
    sql = f"SELECT id, {owner} AS owner_id, {column} AS value FROM {table} WHERE {column} > ?"
    sql += f" AND {column} <= ?"
    if kind == "date":
        zone = clock.zone(tz)
        first = (low.astimezone(zone) - timedelta(days=1)).date().isoformat()
        last = (high.astimezone(zone) + timedelta(days=1)).date().isoformat()
        return conn.execute(sql, (first, last)).fetchall()
    return conn.execute(sql, (clock.to_db(low), clock.to_db(high))).fetchall()


def _fired(
    conn: sqlite3.Connection, workflow_id: int, since: datetime, now: datetime
) -> set[tuple[int, str]]:
    rows = conn.execute(
        "SELECT entity_id, moment FROM workflow_date_fired WHERE workflow_id = ?"
        " AND moment > ? AND moment <= ?",
        (workflow_id, clock.to_db(since), clock.to_db(now)),
    )
    return {(row[0], row[1]) for row in rows}
