"""The workflows' timed work, as writes and reads of their own tables.

Waiting runs whose time has come (or whose claim lapsed), date triggers
fired once per record and moment (``workflow_date_fired`` remembers), and
old runs forgotten. :class:`engine.workflows.runner.WorkflowRunner` decides
when; these functions are what each occasion reads and writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from engine import clock
from engine.crm.marks import Mark
from engine.store import claims
from engine.store.db import Tx
from engine.workflows.conditions import Cause
from engine.workflows.dates import CATCH_UP, DueDate
from engine.workflows.execute import Progress
from engine.workflows.runs import Start
from engine.workflows.store import Indexed


def due_runs(conn: sqlite3.Connection, at: str) -> list[int]:
    """Runs waiting until ``at`` or before, and running ones whose claim lapsed."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM workflow_runs WHERE status = 'waiting' AND resume_at <= ?"
            " UNION SELECT id FROM workflow_runs WHERE status = 'running'"
            " AND claimed_until <= ? ORDER BY id LIMIT 500",
            (at, at),
        )
    ]


def fire_dates(
    tx: Tx, item: Indexed, due: list[DueDate], start: Callable[[Start], Progress]
) -> list[Progress]:
    """Start ``item``'s run for each date due that has not fired yet, and remember it."""
    started: list[Progress] = []
    for date in due:
        moment = clock.to_db(date.moment)
        # Several instances: one that fired it since this transaction began has it.
        if not claims.contended(
            tx, partial(_first_firing, tx, item.id, date.entity_id, moment), False
        ):
            continue
        if item.triggered_by == "owner" and date.owner_id != item.owner_id:
            continue
        progress = start(_date_start(item, date, moment))
        tx.execute(
            "UPDATE workflow_date_fired SET run_id = ? WHERE workflow_id = ?"
            " AND entity_id = ? AND moment = ?",
            (progress.run_id, item.id, date.entity_id, moment),
        )
        started.append(progress)
    return started


def _first_firing(tx: Tx, workflow_id: int, entity_id: int, moment: str) -> bool:
    fresh = tx.execute(
        "INSERT OR IGNORE INTO workflow_date_fired (workflow_id, entity_id, moment)"
        " VALUES (?, ?, ?)",
        (workflow_id, entity_id, moment),
    )
    return fresh.rowcount == 1


def _date_start(item: Indexed, date: DueDate, moment: str) -> Start:
    trigger = item.workflow.trigger
    data = {"field": getattr(trigger, "field", ""), "moment": moment}
    cause = Cause(f"{trigger.entity}.date", "scheduler", None, "scheduler", "scheduler", {}, data)
    return Start(
        item.id, item.name, item.owner_id, item.version_id, trigger.entity, date.entity_id, cause
    )


def prune(tx: Tx, now: datetime, keep_days: int, cursor: Mark) -> int:
    """Forget finished runs older than ``keep_days``, and bookkeeping nobody needs any more."""
    before = clock.to_db(now - timedelta(days=keep_days))
    gone = tx.execute(
        "DELETE FROM workflow_runs WHERE finished_at IS NOT NULL AND finished_at < ?", (before,)
    ).rowcount
    tx.execute("DELETE FROM workflow_causes WHERE (xact, last_id) <= (?, ?)", cursor.params)
    old = clock.to_db(now - CATCH_UP - timedelta(days=1))
    tx.execute("DELETE FROM workflow_date_fired WHERE moment < ?", (old,))
    return int(gone)
