"""Whether a received mail continues an existing lead or deal, and how replies find it.

A reply names its record by its address (``deals+42@``), a Message-ID it
answers (``In-Reply-To`` / ``References``), a ``[#D-42]`` token in its subject,
or a ``Re:`` from the same contact to one of their open records' titles.
"""

from __future__ import annotations

import re
import sqlite3

from engine.crm.records import MAX_RECORD_ID
from engine.mail.incoming import Creates, IncomingMail
from engine.mail.prospect import Prospect
from engine.mail.routes import RecipientMatch
from engine.store.db import Tx

_TOKEN = re.compile(r"\[#([DL])-(\d+)\]", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|tr|aw|wg|rép|ré)\s*(\[\d+\])?\s*:\s*)+", re.I)
MAX_REFERENCES = 50


def thread_target(
    tx: Tx, mail: IncomingMail, matches: list[RecipientMatch], prospect: Prospect
) -> tuple[Creates, int] | None:
    """The existing lead or deal this mail continues, if any."""
    for match in matches:
        if match.record is not None and _exists(tx, *match.record):
            return _current(tx, *match.record)
    for finder in (_by_references, _by_token, _by_subject):
        found = finder(tx, mail, prospect)
        if found is not None:
            return _current(tx, *found)
    return None


def attached_copy(tx: Tx, mail_id: int, kind: Creates, record_id: int) -> int | None:
    """The e-mail activity a copy of this message already put on the record, if any.

    A message sent to two capture addresses (``leads@`` and ``deals@``) is stored
    once per address, each routed for its own; when both lead to the same record,
    the e-mail is on its timeline once: the second copy finds the first's activity.
    """
    column = "deal_id" if kind == "deal" else "lead_id"
    row = tx.one(
        f"SELECT o.activity_id FROM mails o JOIN mails m ON m.id = ?"
        f" WHERE o.content_hash = m.content_hash AND o.id != m.id"
        f" AND o.status = 'processed' AND o.{column} = ?"
        " AND o.activity_id IS NOT NULL ORDER BY o.id LIMIT 1",
        (mail_id, record_id),
    )
    return None if row is None else int(row["activity_id"])


def _by_references(tx: Tx, mail: IncomingMail, prospect: Prospect) -> tuple[Creates, int] | None:
    for ref in mail.references[:MAX_REFERENCES]:
        row = tx.one("SELECT lead_id, deal_id FROM mail_threads WHERE message_id = ?", (ref,))
        if row is not None:
            found = _record_of(row)
            if found is not None and _exists(tx, *found):
                return found
    return None


def _by_token(tx: Tx, mail: IncomingMail, prospect: Prospect) -> tuple[Creates, int] | None:
    for letter, number in _TOKEN.findall(mail.subject):
        kind: Creates = "deal" if letter.upper() == "D" else "lead"
        if _exists(tx, kind, int(number)):
            return kind, int(number)
    return None


def _by_subject(tx: Tx, mail: IncomingMail, prospect: Prospect) -> tuple[Creates, int] | None:
    """A reply (``Re:``) from a known contact to one of their open records' titles."""
    if not prospect.key or not _REPLY_PREFIX.match(mail.subject):
        return None
    title = strip_reply_prefix(mail.subject)
    contact = tx.one("SELECT id FROM contacts WHERE email_key = ?", (prospect.key,))
    if not title or contact is None:
        return None
    deal = tx.one(
        "SELECT id FROM deals WHERE contact_id = ? AND status = 'open' AND title = ?"
        " COLLATE NOCASE ORDER BY id DESC LIMIT 1",
        (contact["id"], title),
    )
    if deal is not None:
        return "deal", deal["id"]
    lead = tx.one(
        "SELECT id FROM leads WHERE contact_id = ? AND status NOT IN ('disqualified')"
        " AND title = ? COLLATE NOCASE ORDER BY id DESC LIMIT 1",
        (contact["id"], title),
    )
    return None if lead is None else ("lead", lead["id"])


def strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX.sub("", _TOKEN.sub("", subject)).strip()


def _record_of(row: sqlite3.Row) -> tuple[Creates, int] | None:
    if row["deal_id"] is not None:
        return "deal", row["deal_id"]
    if row["lead_id"] is not None:
        return "lead", row["lead_id"]
    return None


def _exists(tx: Tx, kind: Creates, record_id: int) -> bool:
    if not 0 < record_id <= MAX_RECORD_ID:  # ``[#D-99999999999999999999]`` names nothing
        return False
    table = "deals" if kind == "deal" else "leads"
    return tx.one(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)) is not None


def _current(tx: Tx, kind: Creates, record_id: int) -> tuple[Creates, int]:
    """A converted lead's mail goes to the deal it became."""
    if kind == "lead":
        deal_id = tx.scalar("SELECT deal_id FROM leads WHERE id = ?", (record_id,))
        if deal_id is not None and _exists(tx, "deal", deal_id):
            return "deal", deal_id
    return kind, record_id


def remember_thread(
    tx: Tx, message_id: str | None, *, lead_id: int | None = None, deal_id: int | None = None
) -> None:
    """Let replies to ``message_id`` find their record (inbound mail, and mail Relais sends)."""
    if not message_id:
        return
    tx.execute(
        "INSERT INTO mail_threads (message_id, lead_id, deal_id, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (message_id) DO NOTHING",
        (message_id, lead_id, deal_id, tx.now),
    )
