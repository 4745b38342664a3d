"""Timed work of the lead blueprint: escalations past a status's time limit, automatic transitions.

The lead counterpart of :mod:`engine.timers.escalations`, computed the same way: each
tick asks the database what is due at ``now`` (:func:`due_work`) from the
lead's ``status_changed_at``, then does each item in its own write
(:func:`fire`), which checks again that the lead is still in that stay. A
restart loses nothing; an escalation fires once per stay in a status (a
unique key on the lead, the status and the moment it was entered), and an
automatic transition ends the stay, so it cannot fire twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from engine import clock
from engine.blueprints import lead_transitions
from engine.blueprints.lead_model import CLOSED, current, governs
from engine.blueprints.model import Blueprint, StateRule
from engine.durations import format_duration
from engine.i18n import lead_status_name, translate
from engine.store.db import Tx
from engine.timers.escalations import notify, timers_due

# A lead restored from a backup may have no status_changed_at: its creation stands in.
SINCE = "coalesce(status_changed_at, created_at)"


@dataclass(frozen=True, slots=True)
class LeadDue:
    kind: Literal["escalation", "automatic"]
    lead_id: int
    blueprint_id: int
    status: str
    status_since: str
    transition: str | None = None
    limit: int = 0


def due_work(conn: sqlite3.Connection, now: datetime) -> list[LeadDue]:
    """Everything due at ``now`` for the leads the lead blueprint in force governs."""
    version = current(conn)
    if version is None:
        return []
    shortest = shortest_wait(version.blueprint)
    if shortest is None:
        return []
    rows = conn.execute(
        f"SELECT *, {SINCE} AS since FROM leads WHERE status <> 'converted'"
        f" AND {SINCE} <= ? ORDER BY id",
        (clock.to_db(now - timedelta(seconds=shortest)),),
    ).fetchall()
    found: list[LeadDue] = []
    for row in rows:
        governing = governs(conn, row, now)
        if governing is not None:
            found.extend(_due_for_lead(conn, row, governing.id, governing.blueprint, now))
    return found


def shortest_wait(bp: Blueprint) -> int | None:
    """The shortest time limit or automatic delay of the blueprint (None: no timers)."""
    waits = [s.time_limit for s in bp.states]
    waits.extend(t.automatic_after for t in bp.transitions if t.automatic_after)
    return min(waits) if waits else None


def _due_for_lead(
    conn: sqlite3.Connection, row: sqlite3.Row, blueprint_id: int, bp: Blueprint, now: datetime
) -> list[LeadDue]:
    status = row["status"]
    timers = timers_due(
        bp, status, status not in CLOSED, clock.from_db(row["since"]), now,
        lambda: _escalated(conn, row),
    )  # fmt: skip
    base = (row["id"], blueprint_id, status, row["since"])
    return [LeadDue(t.kind, *base, transition=t.transition, limit=t.limit) for t in timers]


def _escalated(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM lead_escalations WHERE lead_id = ? AND status = ? AND status_since = ?",
            (row["id"], row["status"], row["since"]),
        ).fetchone()
    )


def firing(due: LeadDue, now: datetime) -> Callable[[Tx], bool]:
    """The write that does ``due`` (for ``engine.write``)."""
    return lambda tx: fire(tx, due, now)


def fire(tx: Tx, due: LeadDue, now: datetime) -> bool:
    """Do one due item if the lead is still in the same stay; returns whether anything happened."""
    tx.now = clock.to_db(now)
    lead = tx.one(f"SELECT *, {SINCE} AS since FROM leads WHERE id = ?", (due.lead_id,))
    if lead is None or lead["status"] != due.status or lead["since"] != due.status_since:
        return False
    if due.kind == "automatic":
        assert due.transition is not None
        lead_transitions.perform(tx, due.lead_id, due.transition, {}, None, automatic=True)
        return True
    return _escalate(tx, lead, due)


def _escalate(tx: Tx, lead: sqlite3.Row, due: LeadDue) -> bool:
    cursor = tx.execute(
        "INSERT OR IGNORE INTO lead_escalations (lead_id, blueprint_id, status, status_since,"
        " time_limit, fired_at) VALUES (?, ?, ?, ?, ?, ?)",
        (lead["id"], due.blueprint_id, due.status, due.status_since, due.limit, tx.now),
    )
    if cursor.rowcount == 0:
        return False
    version = current(tx.conn)
    found = None if version is None else version.blueprint.state(due.status)
    rule = found or StateRule(due.status, due.limit)
    limit = format_duration(due.limit)
    tx.record("lead", lead["id"], "escalated", {"status": (due.status, due.status)},
              data={"limit": limit, "escalate_to": list(rule.escalate_to)})  # fmt: skip
    for who in rule.escalate_to:
        _notify(tx, lead, who, due.status, limit, rule.message)
    return True


def _notify(tx: Tx, lead: sqlite3.Row, who: str, status: str, limit: str, message: str) -> None:
    def say(locale: str) -> str:
        shown = lead_status_name(status, locale)
        return translate("lead_escalation", locale, title=lead["title"], status=shown, limit=limit)

    notify(tx, lead, who, say, message, about={"lead_id": lead["id"]})
