"""Reads: typed records and the summaries the board and the reps look at.

The command line's filtered lists are :mod:`engine.crm.listings`.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from engine import clock
from engine.crm.activities import activity_row
from engine.crm.leads import lead_row
from engine.crm.listings import SEARCH_MATCHES
from engine.crm.pipelines import pipeline_row
from engine.crm.records import (
    Activity,
    Contact,
    Deal,
    Lead,
    Organisation,
    StageSummary,
    TimelineEntry,
)
from engine.errors import NotFound
from engine.money import quantize
from engine.store.db import like_escaped

# A deal and its project answers (in their questions' order) in one statement: on
# PostgreSQL each statement is a round trip, and every write of a deal reads it back.
_DEAL = (
    "SELECT d.*, (SELECT json_group_object(k, v) FROM (SELECT q.key AS k, a.value AS v"
    " FROM deal_answers a JOIN project_questions q ON q.id = a.question_id"
    " WHERE a.deal_id = d.id ORDER BY q.position) AS answered) AS answers_json"
    " FROM deals d WHERE d.id = ?"
)


def get_deal(conn: sqlite3.Connection, deal_id: int) -> Deal:
    row = conn.execute(_DEAL, (deal_id,)).fetchone()
    if row is None:
        raise NotFound("deal", deal_id)
    return Deal.from_row(row, json.loads(row["answers_json"] or "{}"))


def get_lead(conn: sqlite3.Connection, lead_id: int) -> Lead:
    return Lead.from_row(lead_row(conn, lead_id))


def get_activity(conn: sqlite3.Connection, activity_id: int) -> Activity:
    return Activity.from_row(activity_row(conn, activity_id))


def get_contact(conn: sqlite3.Connection, contact_id: int) -> Contact | None:
    row = conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return None if row is None else Contact.from_row(row)


def find_contact(conn: sqlite3.Connection, email: str) -> Contact | None:
    row = conn.execute("SELECT * FROM contacts WHERE email_key = ?", (email.casefold(),)).fetchone()
    return None if row is None else Contact.from_row(row)


def get_organisation(conn: sqlite3.Connection, organisation_id: int) -> Organisation | None:
    row = conn.execute("SELECT * FROM organisations WHERE id = ?", (organisation_id,)).fetchone()
    return None if row is None else Organisation.from_row(row)


def _summaries(rows: list[sqlite3.Row]) -> list[StageSummary]:
    # revenue * probability is cents × percent: exact integers until the last step.
    return [
        StageSummary(
            r["id"],
            r["name"],
            r["position"],
            bool(r["folded"]),
            int(r["n"]),  # PostgreSQL's sum of the shards' counts is a numeric
            quantize(Decimal(r["revenue"]) / 100),
            quantize(Decimal(r["weighted"]) / 10_000),
        )
        for r in rows
    ]


# The deals are summed first, in the order of a covering index, and the
# stages attached after: joining first made SQLite push every open deal
# through a temporary GROUP BY b-tree, three times slower (bench/engine.py).
BOARD_SQL = """
SELECT s.id, s.name, s.position, s.folded,
       coalesce(t.n, 0) AS n,
       coalesce(t.revenue, 0) AS revenue,
       coalesce(t.weighted, 0) AS weighted
FROM stages s
LEFT JOIN (
    SELECT stage_id,
           count(*) AS n,
           sum(expected_revenue_cents) AS revenue,
           sum(expected_revenue_cents * probability) AS weighted
    FROM deals
    WHERE {scope} = ? AND status = 'open' AND archived = 0
    GROUP BY stage_id
) t ON t.stage_id = s.id
WHERE s.pipeline_id = ?
ORDER BY s.position
"""


# The whole pipeline's sums are kept per stage, in a few shards, as deals change
# (migration 16's triggers): summing ~50,000 open deals at each look cost 15 ms
# on PostgreSQL on a quiet machine, 100-200 ms at p99 on a loaded one.
BOARD_TOTALS_SQL = """
SELECT s.id, s.name, s.position, s.folded,
       coalesce(t.n, 0) AS n,
       coalesce(t.revenue, 0) AS revenue,
       coalesce(t.weighted, 0) AS weighted
FROM stages s
LEFT JOIN (
    SELECT stage_id, sum(n) AS n, sum(revenue_cents) AS revenue, sum(weighted) AS weighted
    FROM board_totals
    WHERE pipeline_id = ?
    GROUP BY stage_id
) t ON t.stage_id = s.id
WHERE s.pipeline_id = ?
ORDER BY s.position
"""


def board(conn: sqlite3.Connection, pipeline: str | int | None = None) -> list[StageSummary]:
    """Open deals by stage with count, revenue and probability-weighted revenue."""
    pipeline_id = pipeline_row(conn, pipeline)["id"]
    return _summaries(conn.execute(BOARD_TOTALS_SQL, (pipeline_id, pipeline_id)).fetchall())


def my_pipeline(
    conn: sqlite3.Connection, owner_id: int, pipeline: str | int | None = None
) -> list[StageSummary]:
    """One rep's open deals grouped by stage."""
    pipeline_id = pipeline_row(conn, pipeline)["id"]
    sql = BOARD_SQL.format(scope="owner_id")  # index deals_owner_open
    return _summaries(conn.execute(sql, (owner_id, pipeline_id)).fetchall())


def my_open_deals(conn: sqlite3.Connection, owner_id: int, limit: int = 200) -> list[Deal]:
    rows = conn.execute(
        "SELECT d.* FROM deals d JOIN stages s ON s.id = d.stage_id"
        " WHERE d.owner_id = ? AND d.status = 'open' AND d.archived = 0"
        " ORDER BY s.position, d.priority DESC, d.id LIMIT ?",
        (owner_id, limit),
    ).fetchall()
    return [Deal.from_row(r) for r in rows]


def search_deals(conn: sqlite3.Connection, text: str, limit: int = 20) -> list[Deal]:
    """Deals whose title, contact or organisation matches ``text`` (or whose id is it)."""
    term = text.strip().lstrip("#")
    if term.isdigit():
        rows = conn.execute("SELECT * FROM deals WHERE id = ?", (int(term),)).fetchall()
        if rows:
            return [Deal.from_row(r) for r in rows]
    rows = conn.execute(
        "SELECT d.* FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id"
        f" LEFT JOIN organisations o ON o.id = d.organisation_id WHERE {SEARCH_MATCHES}"
        " ORDER BY d.archived, d.status != 'open', d.updated_at DESC LIMIT :limit",
        {"like": f"%{like_escaped(term)}%", "limit": limit},
    ).fetchall()
    return [Deal.from_row(r) for r in rows]


def list_leads(conn: sqlite3.Connection, status: str | None = "new", limit: int = 50) -> list[Lead]:
    if status is None:
        rows = conn.execute("SELECT * FROM leads ORDER BY id DESC LIMIT ?", (limit,))
    else:
        rows = conn.execute(
            "SELECT * FROM leads WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit)
        )
    return [Lead.from_row(r) for r in rows]


def my_activities(
    conn: sqlite3.Connection, owner_id: int, *, include_done: bool = False, limit: int = 100
) -> list[Activity]:
    """A rep's activities, the oldest due first, undated ones last."""
    done_filter = "" if include_done else "AND done = 0"
    rows = conn.execute(
        f"SELECT * FROM activities WHERE owner_id = ? {done_filter}"
        " ORDER BY due_at IS NULL, due_at, id LIMIT ?",
        (owner_id, limit),
    )
    return [Activity.from_row(r) for r in rows]


def overdue_activities(conn: sqlite3.Connection, owner_id: int | None = None) -> list[Activity]:
    now = clock.now_db()
    if owner_id is None:
        rows = conn.execute(
            "SELECT * FROM activities WHERE done = 0 AND due_at < ? ORDER BY due_at", (now,)
        )
    else:
        rows = conn.execute(
            "SELECT * FROM activities WHERE owner_id = ? AND done = 0 AND due_at < ?"
            " ORDER BY due_at",
            (owner_id, now),
        )
    return [Activity.from_row(r) for r in rows]


def record_activities(conn: sqlite3.Connection, entity: str, record_id: int) -> list[Activity]:
    column = {"deal": "deal_id", "lead": "lead_id", "contact": "contact_id"}[entity]
    rows = conn.execute(
        f"SELECT * FROM activities WHERE {column} = ? ORDER BY done, due_at IS NULL, due_at, id",
        (record_id,),
    )
    return [Activity.from_row(r) for r in rows]


def timeline(conn: sqlite3.Connection, entity: str, entity_id: int) -> list[TimelineEntry]:
    rows = conn.execute(
        "SELECT * FROM timeline WHERE entity = ? AND entity_id = ? ORDER BY id",
        (entity, entity_id),
    )
    return [TimelineEntry.from_row(r) for r in rows]
