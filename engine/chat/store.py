"""The bot's own tables (migrations 5 and 12): journal, message links, cursor, and
the requests already answered (replays); and the bot's way into the slack lane
of the one outbox (migration 13, :mod:`engine.outbox.lanes`).

Plain functions of a transaction (writes) or a connection (reads), run
through :class:`engine.facade.chat.Chat` like every engine write:
one hop, one savepoint inside a shared commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import clock
from engine.crm.marks import START, Mark
from engine.outbox import lanes
from engine.store import claims
from engine.store.db import Tx

# -- journal --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRow:
        return cls(
            row["id"], row["kind"], json.loads(row["payload"]), row["status"], row["attempts"],
            clock.from_db(row["created_at"]),
        )  # fmt: skip


def record_job(
    tx: Tx, kind: str, payload: dict[str, Any], dedupe_key: str | None,
    request: RequestKeys | None = None,
) -> int | None:  # fmt: skip
    """Journal one request; ``None`` when ``dedupe_key`` or ``request`` was seen before.

    ``request`` (its signature and trigger_id) is claimed in the same
    transaction, answered as an empty ack: see :mod:`bot.replays`.
    """
    if request is not None and not claim_request(tx, request, Answer(200, "")):
        return None
    cursor = tx.execute(
        "INSERT OR IGNORE INTO slack_jobs (kind, dedupe_key, payload, created_at)"
        " VALUES (?, ?, ?, ?)",
        (kind, dedupe_key, json.dumps(payload), tx.now),
    )
    return cursor.lastrowid if cursor.rowcount else None


def start_job(tx: Tx, job_id: int) -> None:
    tx.execute(
        "UPDATE slack_jobs SET status = 'running', attempts = attempts + 1 WHERE id = ?",
        (job_id,),
    )


def finish_job(tx: Tx, job_id: int, error: str | None = None) -> None:
    tx.execute(
        "UPDATE slack_jobs SET status = ?, error = ?, finished_at = ? WHERE id = ?",
        ("failed" if error else "done", error, tx.now, job_id),
    )


def unfinished_jobs(conn: sqlite3.Connection) -> list[JobRow]:
    rows = conn.execute(
        "SELECT * FROM slack_jobs WHERE status IN ('pending', 'running') ORDER BY id"
    )
    return [JobRow.from_row(r) for r in rows]


def get_job(conn: sqlite3.Connection, job_id: int) -> JobRow:
    row = conn.execute("SELECT * FROM slack_jobs WHERE id = ?", (job_id,)).fetchone()
    return JobRow.from_row(row)


def expire_jobs(tx: Tx, job_ids: list[int]) -> None:
    for job_id in job_ids:
        finish_job(tx, job_id, "expired before it could be replayed")


def prune(
    tx: Tx, jobs_before: datetime, outbox_before: datetime, requests_before: datetime
) -> None:
    tx.execute(
        "DELETE FROM slack_jobs WHERE status IN ('done', 'failed') AND created_at < ?",
        (clock.to_db(jobs_before),),
    )
    lanes.prune_slack(tx, outbox_before)
    prune_requests(tx, requests_before)


# -- requests already answered (replays) -----------------------------------------

# A request's signature (``timestamp:v0=…``, HTTP only) and trigger_id, either may be None.
RequestKeys = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a request was answered: replayed as is to the same request again."""

    status: int
    body: str


def claim_request(tx: Tx, keys: RequestKeys, answer: Answer | None) -> bool:
    """Write the request down (``answer`` None: still being answered); False if seen before."""
    status, body = (None, None) if answer is None else (answer.status, answer.body)

    def insert() -> bool:
        cursor = tx.execute(
            "INSERT OR IGNORE INTO slack_requests"
            " (signature, trigger_id, status, body, received_at) VALUES (?, ?, ?, ?, ?)",
            (*keys, status, body, tx.now),
        )
        return bool(cursor.rowcount)

    # Several instances: a retry that reached another one at the same moment is its.
    return claims.contended(tx, insert, False)


def answer_request(tx: Tx, keys: RequestKeys, answer: Answer) -> None:
    tx.execute(
        "UPDATE slack_requests SET status = ?, body = ? WHERE signature = ? OR trigger_id = ?",
        (answer.status, answer.body, *keys),
    )


def answered(conn: sqlite3.Connection, keys: RequestKeys) -> Answer | None:
    """How the first of these requests was answered (None: not yet, or never known)."""
    row = conn.execute(
        "SELECT status, body FROM slack_requests WHERE (signature = ? OR trigger_id = ?)"
        " AND status IS NOT NULL ORDER BY id LIMIT 1",
        keys,
    ).fetchone()
    return None if row is None else Answer(int(row["status"]), str(row["body"] or ""))


def prune_requests(tx: Tx, before: datetime) -> None:
    tx.execute("DELETE FROM slack_requests WHERE received_at < ?", (clock.to_db(before),))


# -- outbox (the slack lane of the one outbox, engine/outbox) ---------------------


def enqueue(
    tx: Tx, lane: str, kind: str, payload: dict[str, Any] | None = None, ref: str | None = None,
    *, once: bool = False,
) -> int | None:  # fmt: skip
    """Queue one bot message to ``lane`` (a channel id or ``user:U…``) in the slack lane.

    ``kind`` is what the bot does with it (post, notice, notice_update); see
    :func:`engine.outbox.lanes.queue_slack` for ``once`` and repeated updates.
    """
    return lanes.queue_slack(tx, lanes.slack_recipient(lane), kind, payload, ref, once=once)


def record_link(tx: Tx, link: tuple[str, str, str]) -> None:
    """``(ref, channel, ts)``: the Slack message that now shows the record ``ref``."""
    tx.execute(
        "INSERT INTO slack_messages (ref, channel, ts, posted_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (ref) DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
        (*link, tx.now),
    )


def message_for(conn: sqlite3.Connection, ref: str) -> tuple[str, str] | None:
    row = conn.execute("SELECT channel, ts FROM slack_messages WHERE ref = ?", (ref,)).fetchone()
    return None if row is None else (row["channel"], row["ts"])


def notice_channels(conn: sqlite3.Connection, refs: list[str]) -> dict[str, str]:
    """``{ref: channel}`` for records that have a notice, posted or still queued."""
    return lanes.notice_channels(conn, refs)


def outbox_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """The slack lane's messages by status."""
    return lanes.counts(conn, lanes.SLACK)


# -- cursor ---------------------------------------------------------------------


def cursor(conn: sqlite3.Connection, name: str) -> Mark:
    """How far the named reader has read the timeline (engine/crm/marks.py)."""
    row = conn.execute(
        "SELECT xact, position FROM slack_cursors WHERE name = ?", (name,)
    ).fetchone()
    return START if row is None else Mark(int(row["xact"]), int(row["position"]))


def advance(tx: Tx, name: str, position: Mark, expected: Mark) -> bool:
    """Move the named cursor from ``expected`` to ``position``; False if it no longer
    stands at ``expected`` (another instance's notifier read the same entries first)."""
    moved = tx.execute(
        "UPDATE slack_cursors SET xact = ?, position = ? WHERE name = ? AND xact = ?"
        " AND position = ?",
        (*position.params, name, *expected.params),
    )
    if moved.rowcount == 0 and expected == START:  # a cursor never written: its first move
        moved = tx.execute(
            "INSERT OR IGNORE INTO slack_cursors (name, xact, position) VALUES (?, ?, ?)",
            (name, *position.params),
        )
    return bool(moved.rowcount == 1)


def enqueue_planned(
    tx: Tx, planned: Iterable[tuple[str, str, str]], cursor: str, position: Mark, expected: Mark
) -> bool:
    """Move ``cursor`` from ``expected`` past the entries read and queue each planned
    ``(lane, kind, ref)``, in one write; nothing (False) if another reader moved it first."""
    if not advance(tx, cursor, position, expected):
        return False
    for lane, kind, ref in planned:
        enqueue(tx, lane, kind, ref=ref)
    return True
