"""Activity reminders and the morning digest, as outbox notifications.

Nothing is scheduled in memory: on each tick the database says what is due.
A reminder goes to the activity's owner a configurable time before it is due
and when it is due; a digest goes to each active user once a day, at the
configured hour of their own time zone (what is due today, what is overdue,
deals idle for too long). Each is keyed in ``reminders`` in the same write
as its notification, so nothing fires twice — and what fell due while the
service was down fires once when it is back (up to a day late; older
activities are in the digest's overdue list instead).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine import clock
from engine.outbox import queue as outbox
from engine.store import claims
from engine.store.db import Tx
from engine.text import formats
from engine.text.catalogue import text

MAX_LATE = timedelta(hours=24)
LISTED = 8


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    before: int = 900
    digest_hour: int = 8
    idle_days: int = 14
    locale: str = "fr"


@dataclass(frozen=True, slots=True)
class Reminder:
    key: str
    kind: str
    activity_id: int
    due_at: str


@dataclass(frozen=True, slots=True)
class Digest:
    key: str
    user_id: int
    day_start: datetime
    day_end: datetime


@dataclass
class ReminderReport:
    reminders: int = 0
    digests: int = 0


# -- activity reminders ----------------------------------------------------------


def due_reminders(
    conn: sqlite3.Connection, now: datetime, settings: ReminderSettings
) -> list[Reminder]:
    """The reminders whose moment has come and that were not sent yet."""
    lead = timedelta(seconds=settings.before)
    rows = conn.execute(
        "SELECT id, due_at, created_at FROM activities WHERE done = 0 AND due_at > ?"
        " AND due_at <= ? AND owner_id IS NOT NULL",
        (clock.to_db(now - MAX_LATE), clock.to_db(now + lead)),
    ).fetchall()
    found: list[Reminder] = []
    for row in rows:
        due = clock.from_db(row["due_at"])
        created = clock.from_db(row["created_at"])
        if due <= now and created < due:
            key = f"due:{row['id']}:{row['due_at']}"
            found.append(Reminder(key, "due", row["id"], row["due_at"]))
        elif settings.before and now < due and created < due - lead:
            key = f"before:{row['id']}:{row['due_at']}"
            found.append(Reminder(key, "before", row["id"], row["due_at"]))
    return [r for r in found if not _sent(conn, r.key)]


def _sent(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("SELECT 1 FROM reminders WHERE key = ?", (key,)).fetchone() is not None


def send_reminders(tx: Tx, due: list[Reminder], settings: ReminderSettings) -> int:
    """Queue each reminder still valid, exactly once; returns how many were queued."""
    sent = 0
    for reminder in due:
        row = tx.one(
            "SELECT a.*, u.slack_id, u.email AS user_email, u.locale, u.timezone, u.id AS uid"
            " FROM activities a JOIN users u ON u.id = a.owner_id WHERE a.id = ?",
            (reminder.activity_id,),
        )
        if row is None or row["done"] or row["due_at"] != reminder.due_at:
            continue
        if not _claim(tx, reminder.key, reminder.kind, row["uid"], row["id"]):
            continue
        message = _reminder_text(tx.conn, row, reminder.kind)
        _notify(tx, reminder.key, row, message, row["deal_id"], "reminder")
        sent += 1
    return sent


def _reminder_text(conn: sqlite3.Connection, row: sqlite3.Row, kind: str) -> str:
    locale = row["locale"]
    when = clock.from_db(row["due_at"]).astimezone(clock.zone(row["timezone"]))
    return text(
        locale, f"reminder.{kind}", subject=row["subject"],
        time=formats.time_of_day(when, row["timezone"], locale),
        record=_record(conn, row, locale),
    )  # fmt: skip


def _record(conn: sqlite3.Connection, row: sqlite3.Row, locale: str) -> str:
    for kind, column, table in (("deal", "deal_id", "deals"), ("lead", "lead_id", "leads")):
        if row[column] is not None:
            found = conn.execute(f"SELECT title FROM {table} WHERE id = ?", (row[column],))
            title = found.fetchone()
            if title is not None:
                return text(locale, f"reminder.{kind}", title=title[0])
    return ""


# -- the morning digest -------------------------------------------------------------


def due_digests(
    conn: sqlite3.Connection, now: datetime, settings: ReminderSettings
) -> list[Digest]:
    """Users whose digest hour has come today (their time) and who have not had it."""
    found: list[Digest] = []
    for user in conn.execute("SELECT id, timezone FROM users WHERE active = 1"):
        local = now.astimezone(clock.zone(user["timezone"]))
        if local.hour < settings.digest_hour:
            continue
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        key = f"digest:{user['id']}:{start.date().isoformat()}"
        if not _sent(conn, key):
            found.append(Digest(key, user["id"], start, start + timedelta(days=1)))
    return found


def send_digests(tx: Tx, due: list[Digest], now: datetime, settings: ReminderSettings) -> int:
    sent = 0
    for digest in due:
        user = tx.one("SELECT * FROM users WHERE id = ?", (digest.user_id,))
        if user is None or not _claim(tx, digest.key, "digest", user["id"], None):
            continue
        body = digest_text(tx.conn, user, digest, now, settings.idle_days)
        if body is not None:
            row = {"uid": user["id"], "slack_id": user["slack_id"], "user_email": user["email"]}
            _notify(tx, digest.key, row, body, None, "digest")
            sent += 1
    return sent


def digest_text(
    conn: sqlite3.Connection, user: sqlite3.Row, digest: Digest, now: datetime, idle_days: int
) -> str | None:
    """The digest for ``user``, or None when there is nothing to say."""
    locale = user["locale"]
    start, end = clock.to_db(digest.day_start), clock.to_db(digest.day_end)
    mine = "SELECT subject, due_at FROM activities WHERE owner_id = ? AND done = 0"
    today = conn.execute(
        f"{mine} AND due_at >= ? AND due_at < ? ORDER BY due_at", (user["id"], start, end)
    ).fetchall()
    overdue = conn.execute(f"{mine} AND due_at < ? ORDER BY due_at", (user["id"], start)).fetchall()
    idle = conn.execute(
        "SELECT title, updated_at FROM deals WHERE owner_id = ? AND status = 'open'"
        " AND archived = 0 AND updated_at < ? ORDER BY updated_at",
        (user["id"], clock.to_db(now - timedelta(days=idle_days))),
    ).fetchall()
    if not (today or overdue or idle):
        return None
    lines = [text(locale, "reminder.digest", name=user["name"])]
    due_today = text(locale, "reminder.today", count=len(today))
    lines += _section(due_today, today, user["timezone"], "time", locale)
    late = text(locale, "reminder.overdue", count=len(overdue))
    lines += _section(late, overdue, user["timezone"], "day", locale)
    title = text(locale, "reminder.idle", days=idle_days, count=len(idle))
    lines += _section(title, idle, user["timezone"], "day", locale)
    return "\n".join(lines)


def _section(title: str, rows: list[sqlite3.Row], tz: str, shape: str, locale: str) -> list[str]:
    """A digest's section; each row's moment as its ``time`` (14:30) or ``day`` (03/12)."""
    if not rows:
        return []
    lines = [f"*{title}*"]
    for row in rows[:LISTED]:
        at = clock.from_db(row[1])
        when = (
            formats.time_of_day(at, tz, locale)
            if shape == "time"
            else formats.short_day(at, tz, locale)
        )
        lines.append(f"• {row[0]} ({when})")
    if len(rows) > LISTED:
        lines.append(text(locale, "reminder.more", count=len(rows) - LISTED))
    return lines


# -- shared --------------------------------------------------------------------------


def _claim(tx: Tx, key: str, kind: str, user_id: int, activity_id: int | None) -> bool:
    """The key is this write's (another instance that keyed it first has it)."""

    def insert() -> bool:
        cursor = tx.execute(
            "INSERT OR IGNORE INTO reminders (key, kind, user_id, activity_id, fired_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (key, kind, user_id, activity_id, tx.now),
        )
        return cursor.rowcount == 1

    return claims.contended(tx, insert, False)


def _notify(tx: Tx, key: str, row: Any, message: str, deal_id: int | None, reason: str) -> None:
    target = f"user:{row['slack_id'] or row['user_email'] or row['uid']}"
    payload = {"to": target, "text": message, "reason": reason}
    outbox_id = outbox.enqueue(tx, "notification", target, payload, deal_id=deal_id)
    tx.execute("UPDATE reminders SET outbox_id = ? WHERE key = ?", (outbox_id, key))
