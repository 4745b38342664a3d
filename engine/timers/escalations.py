"""Timed work of blueprints: escalations past a state's time limit, automatic transitions.

Nothing is held in memory: each scheduler tick asks the database what is due
at ``now`` (:func:`due_work`), then does each item in its own write
(:func:`fire`), which checks again that it is still due. A restart loses
nothing, and an escalation fires once per stay in a stage (a unique key on
the deal, the stage and the moment it was entered).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from engine import clock
from engine.blueprints import store as blueprint_store
from engine.blueprints.actions import person, user_target
from engine.blueprints.model import Blueprint, StateRule, leaves
from engine.blueprints.transitions import perform
from engine.durations import format_duration
from engine.i18n import translate
from engine.outbox import queue as outbox
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class Due:
    kind: Literal["escalation", "automatic"]
    deal_id: int
    blueprint_id: int
    stage_id: int
    stage_entered_at: str
    transition: str | None = None
    limit: int = 0


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
            found.extend(_due_for_deal(conn, row, version.id, version.blueprint, now))
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
    waits: list[int] = []
    for blueprint_id in ids:
        bp = blueprint_store.by_id(conn, blueprint_id).blueprint
        waits.extend(s.time_limit for s in bp.states)
        waits.extend(t.automatic_after for t in bp.transitions if t.automatic_after)
    return min(waits) if waits else None


@dataclass(frozen=True, slots=True)
class Timer:
    """Something a record has due in its state: its escalation, or an automatic transition."""

    kind: Literal["escalation", "automatic"]
    limit: int  # seconds
    transition: str | None = None


def timers_due(
    bp: Blueprint, state: str, is_open: bool, since: datetime, now: datetime,
    escalated: Callable[[], bool],
) -> list[Timer]:  # fmt: skip
    """What a record in ``state`` since ``since`` has due at ``now`` (deals and leads alike).

    The escalation once its time limit is past, unless ``escalated`` says it
    already fired for this stay; the first automatic transition leaving the
    state whose delay is past.
    """
    found: list[Timer] = []
    rule = bp.state(state)
    if rule and since + timedelta(seconds=rule.time_limit) <= now and not escalated():
        found.append(Timer("escalation", rule.time_limit))
    for t in bp.transitions:
        wait = t.automatic_after
        if wait and leaves(t, state, is_open) and since + timedelta(seconds=wait) <= now:
            found.append(Timer("automatic", wait, t.key))
            break
    return found


def _due_for_deal(
    conn: sqlite3.Connection, row: sqlite3.Row, blueprint_id: int, bp: Blueprint, now: datetime
) -> list[Due]:
    entered = clock.from_db(row["stage_entered_at"])
    timers = timers_due(
        bp, row["stage_key"], row["stage_outcome"] is None, entered, now,
        lambda: _escalated(conn, row),
    )  # fmt: skip
    base = (row["id"], blueprint_id, row["stage_id"], row["stage_entered_at"])
    return [Due(t.kind, *base, transition=t.transition, limit=t.limit) for t in timers]


def _escalated(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM escalations WHERE deal_id = ? AND stage_id = ? AND stage_entered_at = ?",
            (row["id"], row["stage_id"], row["stage_entered_at"]),
        ).fetchone()
    )


def firing(due: Due, now: datetime) -> Callable[[Tx], bool]:
    """The write that does ``due`` (for ``engine.write``)."""
    return lambda tx: fire(tx, due, now)


def fire(tx: Tx, due: Due, now: datetime) -> bool:
    """Do one due item if it is still due; returns whether anything happened."""
    tx.now = clock.to_db(now)
    deal = tx.one("SELECT * FROM deals WHERE id = ?", (due.deal_id,))
    still = deal is not None and deal["stage_id"] == due.stage_id and deal["status"] == "open"
    if deal is None or not still or deal["stage_entered_at"] != due.stage_entered_at:
        return False
    if due.kind == "automatic":
        assert due.transition is not None
        perform(tx, due.deal_id, due.transition, {}, None, automatic=True)
        return True
    return _escalate(tx, deal, due)


def _escalate(tx: Tx, deal: sqlite3.Row, due: Due) -> bool:
    cursor = tx.execute(
        "INSERT OR IGNORE INTO escalations (deal_id, blueprint_id, stage_id, stage_entered_at,"
        " time_limit, fired_at) VALUES (?, ?, ?, ?, ?, ?)",
        (deal["id"], due.blueprint_id, due.stage_id, due.stage_entered_at, due.limit, tx.now),
    )
    if cursor.rowcount == 0:
        return False
    stage = tx.one("SELECT key, name FROM stages WHERE id = ?", (due.stage_id,))
    assert stage is not None
    bp = blueprint_store.by_id(tx.conn, due.blueprint_id).blueprint
    rule = bp.state(stage["key"]) or StateRule(stage["key"], due.limit)
    limit = format_duration(due.limit)
    tx.record("deal", deal["id"], "escalated", {"stage": (stage["name"], stage["name"])},
              data={"limit": limit, "escalate_to": list(rule.escalate_to)})  # fmt: skip
    for who in rule.escalate_to:
        _notify(tx, deal, who, stage["name"], limit, rule.message)
    return True


def _notify(tx: Tx, deal: sqlite3.Row, who: str, stage: str, limit: str, message: str) -> None:
    def say(locale: str) -> str:
        return translate("escalation", locale, title=deal["title"], stage=stage, limit=limit)

    notify(tx, deal, who, say, message, deal_id=deal["id"])


def notify(
    tx: Tx, record: sqlite3.Row, who: str, say: Callable[[str], str], message: str,
    *, deal_id: int | None = None, about: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Tell ``who`` (owner, manager, a user) that ``record`` overstayed, in their language.

    ``say(locale)`` words it; the blueprint's ``message`` follows; ``about`` is
    added to the payload. Nobody to tell is recorded as a skipped message.
    """
    user = person(tx.conn, record, tx.actor, who)
    locale = "fr" if user is None else user["locale"]
    payload = {
        "to": user_target(user), "text": f"{say(locale)} {message}".strip(),
        "reason": "escalation", **(about or {}),
    }  # fmt: skip
    outbox.enqueue(
        tx,
        "notification",
        user_target(user) or who,
        payload,
        deal_id=deal_id,
        skipped=None if user is not None else f"nobody to notify ({who})",
    )


@dataclass(frozen=True, slots=True)
class TimerReport:
    escalated: int = 0
    transitioned: int = 0
    skipped: int = 0
