"""The outbox: messages to the outside world, written in the transaction that causes them.

A transition enqueues its webhooks, e-mails and notifications here, so they
exist if and only if it committed. One table, three *lanes*: ``slack`` (the
engine's notifications and the bot's own cards, notices and updates),
``email`` and ``webhook``. Delivery happens after the commit: a deliverer
(the service for e-mail and webhooks, the Slack bot for its lane) *claims*
due messages (a lease, so a crash mid-delivery only delays them), tries
them, and *settles* each attempt — delivered, or retried later (exponential
backoff, or the delay the receiver asked for: Slack's ``Retry-After``), or
failed for good: a dead letter, kept with its reason until retried. Every
attempt is recorded.

A message with an ``order_key`` (a Slack channel, one person's direct
messages) is claimed only once every earlier message of its lane and key is
settled, so an update never overtakes the message it updates.

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
from engine.store import claims, notify
from engine.store.db import Tx
from engine.text.catalogue import revive, stored

KINDS = ("webhook", "email", "notification")
LANES = ("slack", "email", "webhook")
LANE_OF_KIND = {"webhook": "webhook", "email": "email", "notification": "slack"}
UNSETTLED = "('pending', 'sending')"
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
    lane: str = "webhook"
    order_key: str | None = None
    form: str | None = None  # slack lane: notification, post, notice, notice_update
    ref: str | None = None  # slack lane: the record a notice shows ('lead:12')
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
            last_error=revive(row["last_error"]),  # a Phrase when it was written as one
            created_at=clock.from_db(row["created_at"]),
            delivered_at=None if delivered is None else clock.from_db(delivered),
            lane=row["lane"] or LANE_OF_KIND[row["kind"]],
            order_key=row["order_key"],
            form=row["form"],
            ref=row["ref"],
        )

    @property
    def waiting_for(self) -> str | None:
        """Why a pending message is not being delivered by this service yet."""
        return WAITING.get(self.kind) if self.status == "pending" else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One delivery attempt. ``retry=False`` marks a permanent refusal (a 4xx, say).

    ``retry_after``: the receiver said when to try again (Slack's ``Retry-After``,
    or the deliverer's own backoff); the message then waits that long and is
    never given up for it.
    """

    ok: bool
    detail: str = ""
    status_code: int | None = None
    duration_ms: int | None = None
    retry: bool = True
    retry_after: float | None = None


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
    form: str | None = None,
    ref: str | None = None,
) -> int:
    """Queue a message; ``skipped`` records one that cannot be sent (no address).

    A notification goes to the slack lane, ordered per recipient (a channel or
    a person) with the bot's own messages to the same place.
    """
    lane = LANE_OF_KIND[kind]
    slack = lane == "slack"
    message_id = tx.insert(
        "outbox",
        {
            "kind": kind, "deal_id": deal_id, "transition_id": transition_id,
            "recipient": recipient, "payload": json.dumps(payload, ensure_ascii=False),
            "status": "skipped" if skipped else "pending", "last_error": stored(skipped),
            "next_attempt_at": tx.now, "created_at": tx.now, "lane": lane,
            "order_key": recipient if slack else None,
            "form": (form or "notification") if slack else None, "ref": ref,
        },
    )  # fmt: skip
    for position, item in enumerate(attachments, start=1):
        tx.insert(
            "outbox_attachments",
            {"outbox_id": message_id, "position": position, "filename": item.filename,
             "content_type": item.content_type, "data": item.data},
        )  # fmt: skip
    if not skipped:  # other instances' deliverers wake when this commits
        notify.send(tx, notify.OUTBOX, lane)
    return message_id


# Due now: pending and its time has come, or claimed by a deliverer whose lease ran out.
DUE = (
    "((o.status = 'pending' AND o.next_attempt_at <= ?)"
    " OR (o.status = 'sending' AND o.claimed_until <= ?))"
)
# No earlier message of the same lane and key is still unsettled (a lease running
# out does not let a later one pass: the earlier one is due again first).
HEAD = (
    "(o.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane"
    f" AND e.order_key = o.order_key AND e.id < o.id AND e.status IN {UNSETTLED}))"
)


@dataclass(frozen=True, slots=True)
class Lease:
    """A claim's terms: how long it lasts and whose it is (an instance's name, or None)."""

    seconds: float = LEASE
    owner: str | None = None


NAMELESS = Lease()  # a claim of the default length in no instance's name


def claim(
    tx: Tx, kinds: Sequence[str], now: datetime, limit: int = 20, lease: Lease = NAMELESS
) -> list[Message]:
    """Take up to ``limit`` due messages of ``kinds`` for delivery (leased, not locked)."""
    return _claim(tx, "o.kind", kinds, now, limit, lease)


def claim_lanes(
    tx: Tx, lanes: Sequence[str], now: datetime, limit: int = 20, lease: Lease = NAMELESS
) -> list[Message]:
    """The same by lane: the Slack bot claims its whole lane."""
    return _claim(tx, "o.lane", lanes, now, limit, lease)


def release_claims(tx: Tx, owner: str) -> int:
    """Give back the messages ``owner`` was sending: due again at once.

    Called when an instance starts under its name (one live process per name): what
    the name still holds was its predecessor's, which died before settling it. That
    message may have gone out just before the death; sending it again is what the
    lease's end would have done anyway, only minutes later.
    """
    return tx.execute(
        "UPDATE outbox SET status = 'pending', claimed_until = NULL, claimed_by = NULL"
        " WHERE status = 'sending' AND claimed_by = ?",
        (owner,),
    ).rowcount


def _claim(
    tx: Tx, column: str, values: Sequence[str], now: datetime, limit: int, lease: Lease
) -> list[Message]:
    at = clock.to_db(now)
    marks = ", ".join("?" for _ in values)
    # Several instances: rows another one is claiming are passed over (PostgreSQL),
    # and one it claimed since this transaction began makes this claim take nothing.
    sql = (
        f"SELECT o.* FROM outbox o WHERE {column} IN ({marks}) AND {DUE} AND {HEAD}"
        f" ORDER BY o.next_attempt_at, o.id LIMIT ?{claims.skip_locked(tx.conn, 'o')}"
    )
    params = (*values, at, at, limit)
    return claims.contended(
        tx, lambda: [lease_row(tx, row, now, lease) for row in tx.all(sql, params)], []
    )


def lease_row(tx: Tx, row: sqlite3.Row, now: datetime, lease: Lease) -> Message:
    """Mark one due row as being sent by ``lease.owner`` until its end; the message as claimed."""
    until = clock.to_db(now + timedelta(seconds=lease.seconds))
    tx.execute(
        "UPDATE outbox SET status = 'sending', claimed_until = ?, claimed_by = ? WHERE id = ?",
        (until, lease.owner, row["id"]),
    )
    return _with_files(tx.conn, _with_body(tx.conn, Message.from_row(row)))


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
        " claimed_by = NULL, last_error = ?, delivered_at = ? WHERE id = ?",
        (status, attempts, clock.to_db(next_at), error, at if outcome.ok else None, message_id),
    )
    return status


def _next(outcome: Outcome, attempts: int, now: datetime) -> tuple[str, datetime]:
    if outcome.ok:
        return "delivered", now
    if outcome.retry and outcome.retry_after is not None:
        return "pending", now + timedelta(seconds=max(0.0, outcome.retry_after))
    if not outcome.retry or attempts >= MAX_ATTEMPTS:
        return "failed", now
    return "pending", now + timedelta(seconds=backoff(attempts))


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: 10, 20, 40 … up to an hour."""
    return float(min(FIRST_DELAY * 2 ** (attempts - 1), MAX_DELAY))


def messages(
    conn: sqlite3.Connection, deal_id: int | None = None, status: str | None = None,
    lane: str | None = None,
) -> list[Message]:  # fmt: skip
    """The outbox, oldest first, optionally one deal's, one status's, one lane's."""
    sql, params = "SELECT * FROM outbox WHERE 1 = 1", list[object]()
    for column, value in (("deal_id", deal_id), ("status", status), ("lane", lane)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    return [Message.from_row(row) for row in rows]


def message(conn: sqlite3.Connection, message_id: int) -> Message:
    """One message, whatever its lane and status."""
    row = conn.execute("SELECT * FROM outbox WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise NotFound("outbox message", message_id)
    return Message.from_row(row)


def attempts(conn: sqlite3.Connection, message_id: int) -> list[Attempt]:
    rows = conn.execute(
        "SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (message_id,)
    ).fetchall()
    return [
        Attempt(
            clock.from_db(r["at"]),
            bool(r["ok"]),
            r["status_code"],
            revive(r["detail"]) or "",
            r["duration_ms"],
        )
        for r in rows
    ]
