"""Timed work of deal blueprints: escalations past a stage's time limit, automatic transitions.

Nothing is held in memory: each scheduler tick asks the database what is due
at ``now`` (:func:`due_work`), then does each item in its own write
(:func:`fire`), which checks again that it is still due. A restart loses
nothing, and an escalation fires once per stay in a stage (a unique key on
the deal, the stage and the moment it was entered). The rules shared with
leads are in :mod:`engine.timers.stays`; here is where a deal's stay is read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from engine import clock
from engine.blueprints import store as blueprint_store
from engine.blueprints.model import StateRule
from engine.blueprints.transitions import perform
from engine.durations import format_duration
from engine.i18n import translate
from engine.store.db import Tx
from engine.timers import stays
from engine.timers.stays import Due
from engine.timers.stays import TimerReport as TimerReport  # re-exported for the facade

FIRED = "SELECT 1 FROM escalations WHERE deal_id = ? AND stage_id = ? AND stage_entered_at = ?"


def due_work(conn: sqlite3.Connection, now: datetime) -> list[Due]:
    """Everything due at ``now`` across the pipelines that have a blueprint in force."""
    found: list[Due] = []
    for (pipeline_id,) in conn.execute(
        "SELECT DISTINCT pipeline_id FROM blueprints WHERE active = 1"
    ).fetchall():
        found.extend(_due_in_pipeline(conn, pipeline_id, now))
    return found


def _due_in_pipeline(conn: sqlite3.Connection, pipeline_id: int, now: datetime) -> list[Due]:
    shortest = _shortest_wait(conn, pipeline_id)
    if shortest is None:
        return []
    rows = conn.execute(
        "SELECT d.*, s.key AS stage_key, s.outcome AS stage_outcome FROM deals d"
        " JOIN stages s ON s.id = d.stage_id WHERE d.pipeline_id = ? AND d.status = 'open'"
        " AND d.archived = 0 AND d.stage_entered_at <= ? ORDER BY d.id",
        (pipeline_id, clock.to_db(now - timedelta(seconds=shortest))),
    ).fetchall()
    found: list[Due] = []
    for row in rows:
        version = blueprint_store.governs(conn, row, now)
        if version is not None:
            entered, is_open = row["stage_entered_at"], row["stage_outcome"] is None
            stay = stays.Stay(row["id"], row["stage_key"], is_open, row["stage_id"], entered)
            escalated = stays.already(conn, FIRED, (row["id"], row["stage_id"], entered))
            found.extend(stays.due_in_stay(version.blueprint, version.id, stay, now, escalated))
    return found


def _shortest_wait(conn: sqlite3.Connection, pipeline_id: int) -> int | None:
    """The shortest time limit or automatic delay of any version deals may follow."""
    ids = {
        r[0]
        for r in conn.execute(
            "SELECT b.id FROM blueprints b WHERE b.pipeline_id = ? AND b.active = 1"
            " AND b.version = (SELECT max(version) FROM blueprints WHERE pipeline_id = ?"
            " AND active = 1) UNION SELECT p.blueprint_id FROM blueprint_pins p"
            " JOIN deals d ON d.id = p.deal_id WHERE d.pipeline_id = ?",
            (pipeline_id, pipeline_id, pipeline_id),
        )
    }
    waits = [stays.shortest_wait(blueprint_store.by_id(conn, i).blueprint) for i in ids]
    found = [w for w in waits if w is not None]
    return min(found) if found else None


def firing(due: Due, now: datetime) -> Callable[[Tx], bool]:
    """The write that does ``due`` (for ``Database.write``)."""
    return lambda tx: fire(tx, due, now)


def fire(tx: Tx, due: Due, now: datetime) -> bool:
    """Do one due item if it is still due; returns whether anything happened."""
    return stays.fire(tx, due, now, _in_stay, perform, _escalate)


def _in_stay(tx: Tx, due: Due) -> sqlite3.Row | None:
    deal = tx.one("SELECT * FROM deals WHERE id = ?", (due.record_id,))
    still = deal is not None and deal["stage_id"] == due.state and deal["status"] == "open"
    if deal is None or not still or deal["stage_entered_at"] != due.since:
        return None
    return deal


def _escalate(tx: Tx, deal: sqlite3.Row, due: Due) -> bool:
    cursor = tx.execute(
        "INSERT OR IGNORE INTO escalations (deal_id, blueprint_id, stage_id, stage_entered_at,"
        " time_limit, fired_at) VALUES (?, ?, ?, ?, ?, ?)",
        (deal["id"], due.blueprint_id, due.state, due.since, due.limit, tx.now),
    )
    if cursor.rowcount == 0:
        return False
    stage = tx.one("SELECT key, name FROM stages WHERE id = ?", (due.state,))
    assert stage is not None
    bp = blueprint_store.by_id(tx.conn, due.blueprint_id).blueprint
    rule = bp.state(stage["key"]) or StateRule(stage["key"], due.limit)
    limit = format_duration(due.limit)

    def say(locale: str) -> str:
        return translate(
            "escalation", locale, title=deal["title"], stage=stage["name"], limit=limit
        )

    changes = {"stage": (stage["name"], stage["name"])}
    stays.announce(tx, "deal", deal, rule, changes, limit, say, deal_id=deal["id"])
    return True
