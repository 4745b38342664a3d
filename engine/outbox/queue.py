"""The outbox: messages to the outside world, written in the transaction that causes them.

A transition enqueues its webhooks, e-mails and notifications here, so they
exist if and only if it committed. Delivery happens after the commit in the
service: a worker *claims* due messages (a lease, so a crash mid-delivery
only delays them), tries them, and *settles* each attempt — delivered, or
retried later with exponential backoff, or failed for good. Every attempt
is recorded.

An e-mail may carry attachments (a quote's PDF): their bytes are stored with
the message, in the same transaction, and loaded when it is claimed, so
every attempt sends exactly what was queued.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from engine import clock
from engine.blueprints import webhooks
from engine.errors import NotFound
from engine.store.db import Tx

KINDS = ("webhook", "email", "notification")
MAX_ATTEMPTS = 8
FIRST_DELAY = 10.0  # seconds before the first retry; doubles each time
MAX_DELAY = 3600.0
LEASE = 300.0  # a claimed message comes back if not settled within this
WAITING = {
    "email": "waiting for an SMTP relay (outbound mail is not configured yet)",
    "notification": "waiting for Slack (sent once the Slack bot is configured)",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an e-mail, kept as the bytes queued (never re-rendered)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    kind: str
    deal_id: int | None
    transition_id: int | None
    recipient: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attachments: tuple[Attachment, ...] = ()  # loaded by claim() only

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Message:
        delivered = row["delivered_at"]
        return cls(
            id=row["id"],
            kind=row["kind"],
            deal_id=row["deal_id"],
            transition_id=row["transition_id"],
            recipient=row["recipient"],
            payload=json.loads(row["payload"]),
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=clock.from_db(row["next_attempt_at"]),
            last_error=row["last_error"],
            created_at=clock.from_db(row["created_at"]),
            delivered_at=None if delivered is None else clock.from_db(delivered),
        )

    @property
    def waiting_for(self) -> str | None:
        """Why a pending message is not being delivered by this service yet."""
        return WAITING.get(self.kind) if self.status == "pending" else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One delivery attempt. ``retry=False`` marks a permanent refusal (a 4xx, say)."""

    ok: bool
    detail: str = ""
    status_code: int | None = None
    duration_ms: int | None = None
    retry: bool = True


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    ok: bool
    status_code: int | None
    detail: str
    duration_ms: int | None


def enqueue(
    tx: Tx,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    *,
    deal_id: int | None = None,
    transition_id: int | None = None,
    skipped: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> int:
    """Queue a message; ``skipped`` records one that cannot be sent (no address)."""
    message_id = tx.insert(
        "outbox",
        {
            "kind": kind, "deal_id": deal_id, "transition_id": transition_id,
            "recipient": recipient, "payload": json.dumps(payload, ensure_ascii=False),
            "status": "skipped" if skipped else "pending", "last_error": skipped,
            "next_attempt_at": tx.now, "created_at": tx.now,
        },
    )  # fmt: skip
    for position, item in enumerate(attachments, start=1):
        tx.insert(
            "outbox_attachments",
            {"outbox_id": message_id, "position": position, "filename": item.filename,
             "content_type": item.content_type, "data": item.data},
        )  # fmt: skip
    return message_id


def claim(
    tx: Tx, kinds: Sequence[str], now: datetime, limit: int = 20, lease: float = LEASE
) -> list[Message]:
    """Take up to ``limit`` due messages of ``kinds`` for delivery (leased, not locked)."""
    at = clock.to_db(now)
    marks = ", ".join("?" for _ in kinds)
    rows = tx.all(
        f"SELECT * FROM outbox WHERE kind IN ({marks}) AND ((status = 'pending'"
        " AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?))"
        " ORDER BY next_attempt_at, id LIMIT ?",
        (*kinds, at, at, limit),
    )
    until = clock.to_db(now + timedelta(seconds=lease))
    for row in rows:
        tx.execute(
            "UPDATE outbox SET status = 'sending', claimed_until = ? WHERE id = ?",
            (until, row["id"]),
        )
    return [_with_files(tx.conn, _with_body(tx.conn, Message.from_row(row))) for row in rows]


def _with_body(conn: sqlite3.Connection, message: Message) -> Message:
    """A webhook's body is rendered from the transition log when it is sent."""
    if message.kind != "webhook" or "body" in message.payload:
        return message
    rendered = webhooks.body(conn, message.transition_id, message.deal_id)
    return replace(message, payload={**message.payload, "body": rendered})


def _with_files(conn: sqlite3.Connection, message: Message) -> Message:
    if message.kind != "email":
        return message
    return replace(message, attachments=tuple(attachments(conn, message.id)))


def attachments(conn: sqlite3.Connection, message_id: int) -> list[Attachment]:
    """A message's files, in the order they were queued."""
    rows = conn.execute(
        "SELECT filename, content_type, data FROM outbox_attachments WHERE outbox_id = ?"
        " ORDER BY position",
        (message_id,),
    )
    return [Attachment(r["filename"], r["content_type"], bytes(r["data"])) for r in rows]


def settle(tx: Tx, message_id: int, outcome: Outcome, now: datetime) -> str:
    """Record one attempt and decide what comes next; returns the new status."""
    row = tx.one("SELECT attempts FROM outbox WHERE id = ?", (message_id,))
    if row is None:
        raise NotFound("outbox message", message_id)
    attempts = row["attempts"] + 1
    at = clock.to_db(now)
    tx.insert(
        "outbox_attempts",
        {
            "outbox_id": message_id, "at": at, "ok": int(outcome.ok),
            "status_code": outcome.status_code, "detail": outcome.detail[:500],
            "duration_ms": outcome.duration_ms,
        },
    )  # fmt: skip
    status, next_at = _next(outcome, attempts, now)
    error = None if outcome.ok else outcome.detail[:500]
    tx.execute(
        "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, claimed_until = NULL,"
        " last_error = ?, delivered_at = ? WHERE id = ?",
        (status, attempts, clock.to_db(next_at), error, at if outcome.ok else None, message_id),
    )
    return status


def _next(outcome: Outcome, attempts: int, now: datetime) -> tuple[str, datetime]:
    if outcome.ok:
        return "delivered", now
    if not outcome.retry or attempts >= MAX_ATTEMPTS:
        return "failed", now
    return "pending", now + timedelta(seconds=backoff(attempts))


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: 10, 20, 40 … up to an hour."""
    return float(min(FIRST_DELAY * 2 ** (attempts - 1), MAX_DELAY))


def messages(
    conn: sqlite3.Connection, deal_id: int | None = None, status: str | None = None
) -> list[Message]:
    sql, params = "SELECT * FROM outbox WHERE 1 = 1", list[object]()
    if deal_id is not None:
        sql += " AND deal_id = ?"
        params.append(deal_id)
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    return [Message.from_row(row) for row in rows]


def attempts(conn: sqlite3.Connection, message_id: int) -> list[Attempt]:
    rows = conn.execute(
        "SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (message_id,)
    ).fetchall()
    return [
        Attempt(
            clock.from_db(r["at"]), bool(r["ok"]), r["status_code"], r["detail"], r["duration_ms"]
        )
        for r in rows
    ]
