"""Stuck deals: governed, open, and no transition of their stage can be taken.

Common transitions ("mark lost" from any stage) are exits, not progress, so
they do not count: a deal is stuck when every transition specific to its
stage fails its criteria, or when its stage has none.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from engine import clock
from engine.blueprints import store as blueprint_store
from engine.blueprints.refusals import Reason
from engine.crm import criteria
from engine.crm.fields import DealValues
from engine.crm.pipelines import pipeline_row


@dataclass(frozen=True, slots=True)
class Stuck:
    deal_id: int
    title: str
    stage: str
    since: datetime
    blockers: tuple[tuple[str, tuple[Reason, ...]], ...]


def stuck_deals(conn: sqlite3.Connection, pipeline: str | None, now: datetime) -> list[Stuck]:
    pipeline_id = pipeline_row(conn, pipeline)["id"]
    if blueprint_store.current(conn, pipeline_id) is None:
        return []
    rows = conn.execute(
        "SELECT d.*, s.key AS stage_key, s.name AS stage_name FROM deals d"
        " JOIN stages s ON s.id = d.stage_id WHERE d.pipeline_id = ? AND d.status = 'open'"
        " AND d.archived = 0 ORDER BY d.id",
        (pipeline_id,),
    ).fetchall()
    found = (_stuck(conn, row, now) for row in rows)
    return [s for s in found if s is not None]


def _stuck(conn: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> Stuck | None:
    version = blueprint_store.governs(conn, row, now)
    if version is None:
        return None
    values = DealValues(conn, row, now)
    blockers: list[tuple[str, tuple[Reason, ...]]] = []
    for t in version.blueprint.transitions:
        if t.common or row["stage_key"] not in t.sources:
            continue
        unmet = criteria.unmet(t.criteria, values.get)
        if not unmet:
            return None
        reasons = tuple(
            Reason("reason_criterion", {"condition": criteria.describe(part)}) for part in unmet
        )
        blockers.append((t.name, reasons))
    since = clock.from_db(row["stage_entered_at"])
    return Stuck(row["id"], row["title"], row["stage_name"], since, tuple(blockers))
