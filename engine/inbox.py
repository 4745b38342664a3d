"""The raw mail store: every accepted message, kept whole before it is answered.

A message is stored as received (envelope and raw bytes) in one write, before
the SMTP ``250``; parsing and routing happen afterwards and only update its
row. The same message delivered twice is stored once: the key is its
Message-ID, or, when it has none, a hash of its content without the trace
headers each relay adds (``Received:``…).

Status: ``received`` (waiting to be processed) → ``processed`` (a record was
created or a thread continued), ``ignored`` (auto-reply, bounce, list,
denied sender), ``held`` (over a cap or suspected spam; ``release`` it), or
``failed`` (kept with its error; ``retry`` it).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from engine import clock
from engine.db import Tx
from engine.errors import NotFound, ValidationFailed
from engine.events import DomainEvent

STATUSES = ("received", "processed", "held", "ignored", "failed")
MAX_MESSAGE_ID = 998
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
_ANGLE = re.compile(rb"<([^<>\s]+)>")
_TRACE_NAMES = rb"received|return-path|delivered-to|x-original-to|x-received"
_TRACE = re.compile(rb"^(" + _TRACE_NAMES + rb")[ \t]*:.*(?:\r?\n[ \t].*)*\r?\n?", re.I | re.M)


@dataclass(frozen=True, slots=True)
class RawMail:
    """What the SMTP listener hands over: the envelope and the bytes, untouched."""

    raw: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]
    peer: str = ""


@dataclass(frozen=True, slots=True)
class Stored:
    mail_id: int
    created: bool


@dataclass(frozen=True, slots=True)
class MailRecord:
    id: int
    received_at: datetime
    message_id: str | None
    mail_from: str
    rcpt_tos: tuple[str, ...]
    peer: str
    size: int
    status: str
    outcome: str | None
    error: str | None
    attempts: int
    deliveries: int
    released: bool
    subject: str | None
    body_text: str | None
    lead_id: int | None
    deal_id: int | None
    contact_id: int | None
    activity_id: int | None
    processed_at: datetime | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MailRecord:
        return cls(
            row["id"], clock.from_db(row["received_at"]), row["message_id"], row["mail_from"],
            tuple(json.loads(row["rcpt_tos"])), row["peer"], row["size"], row["status"],
            row["outcome"], row["error"], row["attempts"], row["deliveries"],
            bool(row["released"]), row["subject"], row["body_text"], row["lead_id"],
            row["deal_id"], row["contact_id"], row["activity_id"],
            None if row["processed_at"] is None else clock.from_db(row["processed_at"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attachment:
    id: int
    mail_id: int
    filename: str
    content_type: str
    size: int
    lead_id: int | None
    deal_id: int | None


def header_block(raw: bytes) -> bytes:
    match = _HEADER_END.search(raw)
    return raw if match is None else raw[: match.start()]


def message_id(raw: bytes) -> str | None:
    """The Message-ID without its angle brackets, read without a full MIME parse."""
    match = _MESSAGE_ID.search(header_block(raw))
    if match is None:
        return None
    value = match.group(1)
    angle = _ANGLE.search(value)
    token = angle.group(1) if angle else value.strip()
    text = token.decode("ascii", errors="replace").strip()
    return text[:MAX_MESSAGE_ID] or None


def content_hash(raw: bytes) -> str:
    """SHA-256 of the message without the trace headers relays add on the way."""
    match = _HEADER_END.search(raw)
    headers, body = (raw, b"") if match is None else (raw[: match.start()], raw[match.end() :])
    stable = _TRACE.sub(b"", headers.replace(b"\r\n", b"\n") + b"\n")
    return hashlib.sha256(stable + b"\n\n" + body.replace(b"\r\n", b"\n")).hexdigest()


def dedupe_key(raw: bytes) -> tuple[str, str | None, str]:
    """``(key, message_id, content_hash)``: one message, one key, however often delivered."""
    digest = content_hash(raw)
    mid = message_id(raw)
    return (f"mid:{mid}" if mid else f"sha256:{digest}"), mid, digest


def store(tx: Tx, mail: RawMail) -> Stored:
    """Keep the message; a second delivery of the same message only counts itself."""
    key, mid, digest = dedupe_key(mail.raw)
    existing = tx.one("SELECT id FROM mails WHERE dedupe_key = ?", (key,))
    if existing is not None:
        tx.execute("UPDATE mails SET deliveries = deliveries + 1 WHERE id = ?", (existing["id"],))
        return Stored(existing["id"], created=False)
    mail_id = tx.insert(
        "mails",
        {
            "received_at": tx.now, "dedupe_key": key, "message_id": mid,
            "content_hash": digest, "mail_from": mail.mail_from,
            "rcpt_tos": json.dumps(list(mail.rcpt_tos)), "peer": mail.peer,
            "size": len(mail.raw), "raw": mail.raw,
        },
    )  # fmt: skip
    tx.events.append(DomainEvent("mail", "received", mail_id, tx.actor))
    return Stored(mail_id, created=True)


def mail_row(conn: sqlite3.Connection, mail_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM mails WHERE id = ?", (mail_id,)
    ).fetchone()
    if row is None:
        raise NotFound("mail", mail_id)
    return row


def get_mail(conn: sqlite3.Connection, mail_id: int) -> MailRecord:
    return MailRecord.from_row(mail_row(conn, mail_id))


def get_raw(conn: sqlite3.Connection, mail_id: int) -> bytes:
    raw: bytes = mail_row(conn, mail_id)["raw"]
    return raw


def list_mails(
    conn: sqlite3.Connection, status: str | None = None, limit: int = 50
) -> list[MailRecord]:
    if status is not None and status not in STATUSES:
        raise ValidationFailed({"status": f"choose one of {', '.join(STATUSES)}"})
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = conn.execute(
        f"SELECT * FROM mails {where} ORDER BY id DESC LIMIT ?", [*params, limit]
    ).fetchall()
    return [MailRecord.from_row(r) for r in rows]


def pending(conn: sqlite3.Connection, limit: int = 1000) -> list[int]:
    """Messages stored but not processed yet (a crash or a restart left them)."""
    rows = conn.execute(
        "SELECT id FROM mails WHERE status = 'received' ORDER BY id LIMIT ?", (limit,)
    )
    return [row[0] for row in rows]


def attachments(conn: sqlite3.Connection, mail_id: int) -> list[Attachment]:
    rows = conn.execute(
        "SELECT id, mail_id, filename, content_type, size, lead_id, deal_id"
        " FROM mail_attachments WHERE mail_id = ? ORDER BY id",
        (mail_id,),
    )
    return [Attachment(*row) for row in rows]


def mark_failed(tx: Tx, mail_id: int, error: str) -> None:
    """Processing failed: the message stays, with its error, for ``retry``."""
    row = mail_row(tx.conn, mail_id)
    if row["status"] != "received":
        return
    tx.execute(
        "UPDATE mails SET status = 'failed', error = ?, attempts = attempts + 1 WHERE id = ?",
        (error[:2000], mail_id),
    )


def requeue(tx: Tx, mail_id: int, *, release: bool = False) -> None:
    """Back to ``received``: a failed message to retry, or a held one released."""
    row = mail_row(tx.conn, mail_id)
    allowed = ("held",) if release else ("failed", "received")
    if row["status"] not in allowed:
        wanted = "held" if release else "failed"
        raise ValidationFailed({"status": f"mail {mail_id} is {row['status']}, not {wanted}"})
    tx.execute(
        "UPDATE mails SET status = 'received', error = NULL, released = released OR ? WHERE id = ?",
        (int(release), mail_id),
    )
    tx.events.append(DomainEvent("mail", "received", mail_id, tx.actor))


def failed_ids(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM mails WHERE status = 'failed' ORDER BY id")]
