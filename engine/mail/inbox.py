"""The raw mail store: every accepted message, kept whole before it is answered.

A message is stored as received (envelope and raw bytes) in one write, before
the SMTP ``250``; parsing and routing happen afterwards and only update its
row. The same message delivered twice is stored once: a redelivery is the
same content, Message-ID included, hashed without the trace headers each relay
adds (``Received:``…). Mail that only reuses a Message-ID (a form mailer with a
fixed one) is new mail.

Every delivery is recorded with its envelope (``mail_deliveries``). When an MTA
splits a message's recipients over several transactions, a delivery that names
a capture address the message was not stored for yet stores the message again
for those addresses only, as a row of its own: the processor then routes it for
them (``deals@`` opens its deal although ``leads@`` got the message first),
while delivering it again to addresses it already had creates nothing.

Status: ``received`` (waiting to be processed) → ``processed`` (a record was
created or a thread continued), ``ignored`` (auto-reply, bounce, list,
denied sender), ``held`` (over a cap or suspected spam; ``release`` it), or
``failed`` (kept with its error; ``retry`` it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from engine import clock
from engine.errors import NotFound, ValidationFailed
from engine.events import DomainEvent
from engine.mail.dedupe import content_hash as content_hash  # its callers know it here
from engine.mail.dedupe import dedupe_key
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled

STATUSES = ("received", "processed", "held", "ignored", "failed")


def address_key(address: str) -> str:
    """Without a routing policy, each recipient address is a capture address of its own."""
    return address.strip().casefold()


@dataclass(frozen=True, slots=True)
class RawMail:
    """What the SMTP listener hands over: the envelope and the bytes, untouched.

    ``capture_of`` names the capture address a recipient belongs to (the listener
    passes its routing's: ``leads+salon@`` is ``leads@``), so that a redelivery
    to the same capture address is recognised as such.
    """

    raw: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]
    peer: str = ""
    capture_of: Callable[[str], str] = address_key


@dataclass(frozen=True, slots=True)
class Stored:
    """Where a delivery went: ``new`` mail, a row for ``added`` addresses, or a ``duplicate``."""

    mail_id: int
    created: bool
    kind: str = "new"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One SMTP transaction that delivered a message, with its envelope."""

    id: int
    mail_id: int
    delivered_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    peer: str
    kind: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Delivery:
        return cls(
            row["id"], row["mail_id"], clock.from_db(row["delivered_at"]), row["mail_from"],
            tuple(json.loads(row["rcpt_tos"])), row["peer"], row["kind"],
        )  # fmt: skip


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


def store(tx: Tx, mail: RawMail) -> Stored:
    """Keep the message, or count it again; record this delivery's envelope either way.

    New mail for one capture address (nearly all of it) costs two statements: the
    row, inserted unless its key is taken, and the delivery. On PostgreSQL each
    statement is a round trip on the one writer connection, and the SMTP ``250``
    waits for them all. A taken key (a redelivery, a split delivery, a reused
    Message-ID) takes the careful way, which reads the copies first.
    """
    key, mid, digest = dedupe_key(mail.raw)
    stored = _new(tx, mail, key, mid, digest) if len(_by_capture(mail, mail.rcpt_tos)) < 2 else None
    if stored is None:
        stored = _stored_again(tx, mail, key, mid, digest)
    _record_delivery(tx, mail, stored)
    return stored


def _new(tx: Tx, mail: RawMail, key: str, mid: str | None, digest: str) -> Stored | None:
    """The message's row if its key is free, else ``None``.

    A free key means no copy of this content is stored: a copy's row is keyed by
    this key, by it plus a suffix (which needs the key taken first), and mail is
    never deleted.
    """
    rows = tx.all(
        "INSERT INTO mails (received_at, dedupe_key, message_id, content_hash, mail_from,"
        " rcpt_tos, peer, size, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (
            tx.now, key, mid, digest, mail.mail_from, json.dumps(list(mail.rcpt_tos)),
            mail.peer, len(mail.raw), mail.raw,
        ),
    )  # fmt: skip
    if not rows:
        return None
    mail_id = int(rows[0][0])
    tx.events.append(DomainEvent("mail", "received", mail_id, tx.actor))
    return Stored(mail_id, created=True, kind="new")


def _stored_again(tx: Tx, mail: RawMail, key: str, mid: str | None, digest: str) -> Stored:
    """The careful way: this content's stored copies, and whether the key is taken (one read)."""
    rows = tx.all(
        "SELECT id, dedupe_key, rcpt_tos, content_hash FROM mails"
        " WHERE content_hash = ? OR dedupe_key = ? ORDER BY id",
        (digest, key),
    )
    copies = [row for row in rows if row["content_hash"] == digest]
    if copies:
        return _again(tx, mail, copies, mid, digest)
    taken = any(row["dedupe_key"] == key for row in rows)
    return _first(tx, mail, f"{key} sha256:{digest}" if taken else key, mid, digest)


def _by_capture(mail: RawMail, recipients: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The recipients grouped by capture address, in the order the envelope names them."""
    groups: dict[str, list[str]] = {}
    for address in recipients:
        groups.setdefault(mail.capture_of(address), []).append(address)
    return [tuple(group) for group in groups.values()]


def _first(tx: Tx, mail: RawMail, key: str, mid: str | None, digest: str) -> Stored:
    """New mail: one row per capture address it names, so each is routed for its own."""
    first, *others = _by_capture(mail, mail.rcpt_tos) or [mail.rcpt_tos]
    stored = _insert(tx, replace(mail, rcpt_tos=first), key, mid, digest, "new")
    _add_rows(tx, mail, key, others, mid, digest)
    return stored


def _add_rows(
    tx: Tx, mail: RawMail, key: str, groups: list[tuple[str, ...]], mid: str | None, digest: str
) -> Stored | None:
    """A row for each further capture address, keyed by the message and that address."""
    stored = None
    for group in groups:
        row_key = f"{key} to:{mail.capture_of(group[0])}"
        added = _insert(tx, replace(mail, rcpt_tos=group), row_key, mid, digest, "added")
        stored = stored or added
    return stored


def _again(
    tx: Tx, mail: RawMail, copies: list[sqlite3.Row], mid: str | None, digest: str
) -> Stored:
    """A message already stored: a row for the capture addresses it lacks, else a count."""
    routed = {mail.capture_of(address) for row in copies for address in _rcpts(row)}
    added = tuple(a for a in mail.rcpt_tos if mail.capture_of(a) not in routed)
    stored = _add_rows(tx, mail, copies[0]["dedupe_key"], _by_capture(mail, added), mid, digest)
    if stored is not None:
        return stored
    mail_id = _copy_for(mail, copies)
    tx.execute("UPDATE mails SET deliveries = deliveries + 1 WHERE id = ?", (mail_id,))
    return Stored(mail_id, created=False, kind="duplicate")


def _rcpts(row: sqlite3.Row) -> list[str]:
    rcpt_tos: list[str] = json.loads(row["rcpt_tos"])
    return rcpt_tos


def _copy_for(mail: RawMail, copies: list[sqlite3.Row]) -> int:
    """The first row stored for one of this delivery's capture addresses."""
    wanted = {mail.capture_of(address) for address in mail.rcpt_tos}
    for row in copies:
        if wanted & {mail.capture_of(address) for address in _rcpts(row)}:
            return int(row["id"])
    return int(copies[0]["id"])


def _insert(tx: Tx, mail: RawMail, key: str, mid: str | None, digest: str, kind: str) -> Stored:
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
    return Stored(mail_id, created=True, kind=kind)


def _record_delivery(tx: Tx, mail: RawMail, stored: Stored) -> None:
    tx.insert(
        "mail_deliveries",
        {
            "mail_id": stored.mail_id, "delivered_at": tx.now, "mail_from": mail.mail_from,
            "rcpt_tos": json.dumps(list(mail.rcpt_tos)), "peer": mail.peer, "kind": stored.kind,
        },
    )  # fmt: skip


def deliveries(conn: sqlite3.Connection, mail_id: int) -> list[Delivery]:
    """Every delivery of the message stored as ``mail_id``, its other rows' included."""
    rows = conn.execute(
        "SELECT d.* FROM mail_deliveries d JOIN mails m ON m.id = d.mail_id"
        " WHERE m.content_hash = (SELECT content_hash FROM mails WHERE id = ?) ORDER BY d.id",
        (mail_id,),
    )
    return [Delivery.from_row(row) for row in rows]


def copies(conn: sqlite3.Connection, mail_id: int) -> list[int]:
    """The rows of the same message (split deliveries), ``mail_id`` included."""
    rows = conn.execute(
        "SELECT id FROM mails WHERE content_hash = (SELECT content_hash FROM mails WHERE id = ?)"
        " ORDER BY id",
        (mail_id,),
    )
    return [row[0] for row in rows]


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
        choices = labelled(STATUSES, "cli.mail.status.")
        raise ValidationFailed({"status": Phrase("value.choose", choices=choices)})
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
        status, wanted = labelled((row["status"], wanted), "cli.mail.status.")
        refused = Phrase("mail.wrong_status", id=mail_id, status=status, wanted=wanted)
        raise ValidationFailed({"status": refused})
    tx.execute(
        "UPDATE mails SET status = 'received', error = NULL, claimed_by = NULL,"
        " claimed_until = NULL, released = CASE WHEN ? = 1 THEN 1 ELSE released END WHERE id = ?",
        (int(release), mail_id),
    )
    tx.events.append(DomainEvent("mail", "received", mail_id, tx.actor))


def failed_ids(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM mails WHERE status = 'failed' ORDER BY id")]
