"""Timed work of the lead blueprint: escalations past a status's time limit, automatic transitions.

Computed as a deal's (the shared rules are in :mod:`engine.timers.stays`):
each tick asks the database what is due at ``now`` (:func:`due_work`) from the
lead's ``status_changed_at``, then does each item in its own write
(:func:`fire`), which checks again that the lead is still in that stay. A
restart loses nothing; an escalation fires once per stay in a status (a
unique key on the lead, the status and the moment it was entered), and an
automatic transition ends the stay, so it cannot fire twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from engine import clock
from engine.blueprints import lead_transitions
from engine.blueprints.lead_model import CLOSED, current, governs
from engine.blueprints.model import StateRule
from engine.durations import format_duration
from engine.i18n import lead_status_name, translate
from engine.store.db import Tx
from engine.timers import stays
from engine.timers.stays import Due

# A lead restored from a backup may have no status_changed_at: its creation stands in.
SINCE = "coalesce(status_changed_at, created_at)"
FIRED = "SELECT 1 FROM lead_escalations WHERE lead_id = ? AND status = ? AND status_since = ?"


def due_work(conn: sqlite3.Connection, now: datetime) -> list[Due]:
    """Everything due at ``now`` for the leads the lead blueprint in force governs."""
    version = current(conn)
    if version is None:
        return []
    shortest = stays.shortest_wait(version.blueprint)
    if shortest is None:
        return []
    rows = conn.execute(
        f"SELECT *, {SINCE} AS since FROM leads WHERE status <> 'converted'"
        f" AND {SINCE} <= ? ORDER BY id",
        (clock.to_db(now - timedelta(seconds=shortest)),),
    ).fetchall()
    found: list[Due] = []
    for row in rows:
        governing = governs(conn, row, now)
        if governing is not None:
            status = row["status"]
            stay = stays.Stay(row["id"], status, status not in CLOSED, status, row["since"])
            escalated = stays.already(conn, FIRED, (row["id"], status, row["since"]))
            found.extend(stays.due_in_stay(governing.blueprint, governing.id, stay, now, escalated))
    return found


def firing(due: Due, now: datetime) -> Callable[[Tx], bool]:
    """The write that does ``due`` (for ``Database.write``)."""
    return lambda tx: fire(tx, due, now)


def fire(tx: Tx, due: Due, now: datetime) -> bool:
    """Do one due item if the lead is still in the same stay; returns whether anything happened."""
    return stays.fire(tx, due, now, _in_stay, lead_transitions.perform, _escalate)


def _in_stay(tx: Tx, due: Due) -> sqlite3.Row | None:
    lead = tx.one(f"SELECT *, {SINCE} AS since FROM leads WHERE id = ?", (due.record_id,))
    if lead is None or lead["status"] != due.state or lead["since"] != due.since:
        return None
    return lead


def _escalate(tx: Tx, lead: sqlite3.Row, due: Due) -> bool:
    cursor = tx.execute(
        "INSERT OR IGNORE INTO lead_escalations (lead_id, blueprint_id, status, status_since,"
        " time_limit, fired_at) VALUES (?, ?, ?, ?, ?, ?)",
        (lead["id"], due.blueprint_id, due.state, due.since, due.limit, tx.now),
    )
    if cursor.rowcount == 0:
        return False
    status = str(due.state)
    version = current(tx.conn)
    found = None if version is None else version.blueprint.state(status)
    rule = found or StateRule(status, due.limit)
    limit = format_duration(due.limit)

    def say(locale: str) -> str:
        shown = lead_status_name(status, locale)
        return translate("lead_escalation", locale, title=lead["title"], status=shown, limit=limit)

    changes = {"status": (status, status)}
    stays.announce(tx, "lead", lead, rule, changes, limit, say, about={"lead_id": lead["id"]})
    return True
