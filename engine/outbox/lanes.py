"""What the slack lane needs beyond claim and settle, and dead letters of any lane.

The Slack bot delivers the slack lane: the engine's notifications (rendered
when sent) and its own cards, notices and updates, ordered per recipient.
A reply in a record's thread may have been queued before the record's notice
(a workflow reacting to a new lead): the bot then pulls that notice ahead
(:func:`claim_one`) rather than announcing the lead twice. A dead letter
(failed for good) stays with its reason until someone retries it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from engine import clock
from engine.errors import NotFound, ValidationFailed
from engine.outbox.queue import DUE, HEAD, NAMELESS, Lease, Message, enqueue, lease_row
from engine.store import claims
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled

SLACK = "slack"
BOT_FORMS = ("post", "notice", "notice_update")


def slack_recipient(lane: str) -> str:
    """The bot's old lanes as recipients: a channel id, or ``user:U…`` (a person's DMs)."""
    return lane if lane.startswith(("user:", "channel:")) else f"channel:{lane}"


def queue_slack(
    tx: Tx, recipient: str, form: str, payload: dict[str, Any] | None = None,
    ref: str | None = None, *, once: bool = False,
) -> int | None:  # fmt: skip
    """Queue one of the bot's messages; an update already waiting for the record is enough.

    ``once``: nothing is queued if a message for ``ref`` was ever queued before.
    """
    if once and tx.one("SELECT 1 FROM outbox WHERE lane = ? AND ref = ?", (SLACK, ref)):
        return None
    if form == "notice_update" and tx.one(
        "SELECT 1 FROM outbox WHERE lane = ? AND status = 'pending' AND form = ? AND ref = ?"
        " AND attempts = 0",
        (SLACK, form, ref),
    ):
        return None
    return enqueue(tx, "notification", recipient, payload or {}, form=form, ref=ref)


def pending_notice(conn: sqlite3.Connection, recipient: str, ref: str) -> Message | None:
    """The notice for ``ref`` still queued for ``recipient``, if any."""
    row = conn.execute(
        "SELECT * FROM outbox WHERE lane = ? AND status = 'pending' AND form = 'notice'"
        " AND order_key = ? AND ref = ? ORDER BY id LIMIT 1",
        (SLACK, recipient, ref),
    ).fetchone()
    return None if row is None else Message.from_row(row)


def claim_one(tx: Tx, message_id: int, now: datetime, lease: Lease = NAMELESS) -> Message | None:
    """Claim this pending message out of its turn (a notice its reply waits for)."""
    at = clock.to_db(now)
    sql = (
        "SELECT o.* FROM outbox o WHERE o.id = ? AND (o.status = 'pending'"
        f" OR (o.status = 'sending' AND o.claimed_until <= ?)){claims.skip_locked(tx.conn, 'o')}"
    )

    def take() -> Message | None:
        row = tx.one(sql, (message_id, at))
        return None if row is None else lease_row(tx, row, now, lease)

    return claims.contended(tx, take, None)


def notice_channels(conn: sqlite3.Connection, refs: list[str]) -> dict[str, str]:
    """``{ref: channel}`` for records that have a notice, posted or still queued."""
    if not refs:
        return {}
    marks = ", ".join("?" for _ in refs)
    queued = conn.execute(
        f"SELECT ref, recipient FROM outbox WHERE lane = ? AND form = 'notice'"
        f" AND status IN ('pending', 'sending') AND ref IN ({marks})",
        (SLACK, *refs),
    ).fetchall()
    posted = conn.execute(
        f"SELECT ref, channel FROM slack_messages WHERE ref IN ({marks})", refs
    ).fetchall()
    found = {r[0]: str(r[1]).removeprefix("channel:") for r in queued}
    return found | {r[0]: r[1] for r in posted}


def next_due(conn: sqlite3.Connection, lane: str) -> datetime | None:
    """When the lane's next message may be claimed (a head's time, or a lease's end)."""
    waiting = conn.execute(
        f"SELECT min(o.next_attempt_at) FROM outbox o WHERE o.lane = ? AND o.status = 'pending'"
        f" AND {HEAD}",
        (lane,),
    ).fetchone()[0]
    leased = conn.execute(
        "SELECT min(claimed_until) FROM outbox WHERE lane = ? AND status = 'sending'", (lane,)
    ).fetchone()[0]
    times = [clock.from_db(text) for text in (waiting, leased) if text is not None]
    return min(times) if times else None


def due_count(conn: sqlite3.Connection, lane: str, now: datetime) -> int:
    """How many of the lane's messages a deliverer could claim right now."""
    at = clock.to_db(now)
    row = conn.execute(
        f"SELECT count(*) FROM outbox o WHERE o.lane = ? AND {DUE} AND {HEAD}", (lane, at, at)
    ).fetchone()
    return int(row[0])


def counts(conn: sqlite3.Connection, lane: str | None = None) -> dict[str, int]:
    """``{status: how many}``, of one lane or all."""
    sql, params = "SELECT status, count(*) AS n FROM outbox", tuple[str, ...]()
    if lane is not None:
        sql, params = sql + " WHERE lane = ?", (lane,)
    rows = conn.execute(sql + " GROUP BY status", params)
    return {r["status"]: r["n"] for r in rows}


def retry(tx: Tx, message_id: int) -> None:
    """A dead letter goes back to pending, due now, with a fresh count of attempts.

    The attempts already made stay in the history (``outbox_attempts``); the
    counter restarts so the message gets the whole backoff schedule again.
    """
    row = tx.one("SELECT status FROM outbox WHERE id = ?", (message_id,))
    if row is None:
        raise NotFound("outbox message", message_id)
    if row["status"] != "failed":
        status = labelled((row["status"],), "cli.outbox.status.")[0]
        not_dead = Phrase("outbox.not_dead", id=message_id, status=status)
        raise ValidationFailed({"id": not_dead})
    tx.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
        " claimed_until = NULL, claimed_by = NULL WHERE id = ?",
        (tx.now, message_id),
    )


def prune_slack(tx: Tx, before: datetime) -> None:
    """The bot's own delivered messages go after a while; dead letters and the engine's stay."""
    marks = ", ".join("?" for _ in BOT_FORMS)
    tx.execute(
        f"DELETE FROM outbox WHERE lane = ? AND status = 'delivered' AND form IN ({marks})"
        " AND created_at < ?",
        (SLACK, *BOT_FORMS, clock.to_db(before)),
    )
