"""The record of every e-mail handed to the outbound SMTP relay.

A message about a deal is also entered in the mail threads, so that the
customer's reply (``In-Reply-To`` our Message-ID) lands on that deal.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from engine import clock
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class SentMail:
    message_id: str
    recipient: str
    subject: str
    sent_at: datetime
    outbox_id: int | None = None
    deal_id: int | None = None
    response: str = ""


def record(tx: Tx, mail: SentMail) -> None:
    """Keep one sent message (the same Message-ID twice is kept once)."""
    deal_id = mail.deal_id
    if deal_id is not None and tx.one("SELECT 1 FROM deals WHERE id = ?", (deal_id,)) is None:
        deal_id = None
    tx.execute(
        "INSERT OR IGNORE INTO sent_mails (outbox_id, message_id, recipient, subject, deal_id,"
        " response, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (mail.outbox_id, mail.message_id, mail.recipient, mail.subject, deal_id,
         mail.response[:500], clock.to_db(mail.sent_at)),
    )  # fmt: skip
    if deal_id is not None:
        tx.execute(
            "INSERT INTO mail_threads (message_id, deal_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (message_id) DO NOTHING",
            (mail.message_id.strip("<>"), deal_id, tx.now),
        )


def sent(conn: sqlite3.Connection, limit: int = 50) -> list[SentMail]:
    rows = conn.execute("SELECT * FROM sent_mails ORDER BY id DESC LIMIT ?", (limit,))
    return [
        SentMail(
            r["message_id"],
            r["recipient"],
            r["subject"],
            clock.from_db(r["sent_at"]),
            r["outbox_id"],
            r["deal_id"],
            r["response"],
        )
        for r in rows
    ]
