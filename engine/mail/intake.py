"""Turning a stored mail into records: the domain decisions of mail ingestion.

The SMTP adapter stores the raw message and parses it; this module decides,
in one write, what the message becomes:

1. automated mail (auto-reply, bounce, list, bulk, null sender) → ``ignored``;
2. a denied sender or domain → ``ignored``;
3. mail that names nobody, is binary or has nothing to read → ``held`` for
   review (:mod:`engine.mail.review`);
4. a reply (deal/lead address, In-Reply-To/References, ``[#D-42]`` subject
   token, same sender and subject) → an e-mail activity on that record
   (:mod:`engine.mail.threads`);
5. a suspected spam (honeypot field filled, spam score) → ``held``;
6. a sender past the creation cap (default 20 per 120 minutes) → ``held``;
7. otherwise a lead or a deal, as the recipient's route says, with its
   contact found or created by normalised e-mail (:mod:`engine.mail.prospect`)
   and its owner chosen by the route (:mod:`engine.mail.owners`).

Held and ignored mail stays stored; ``release`` re-processes a held message
past the checks of steps 3, 5 and 6. Allow-listed senders skip steps 5 and 6.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from engine import clock
from engine.actors import Actor
from engine.crm.activities import ActivityDraft, create_activity
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft, create_deal
from engine.crm.leads import LeadDraft, create_lead
from engine.mail.inbox import mail_row
from engine.mail.incoming import Address as Address
from engine.mail.incoming import AttachmentData as AttachmentData
from engine.mail.incoming import Creates as Creates
from engine.mail.incoming import FormData as FormData
from engine.mail.incoming import IncomingMail as IncomingMail
from engine.mail.owners import pick_owner
from engine.mail.prospect import Prospect as Prospect
from engine.mail.prospect import find_prospect as find_prospect
from engine.mail.prospect import listed as listed
from engine.mail.review import clean_line, review_reason
from engine.mail.routes import IntakePolicy, RecipientMatch
from engine.mail.threads import attached_copy, strip_reply_prefix, thread_target
from engine.mail.threads import remember_thread as remember_thread
from engine.store.db import Tx

AUTOMATED_SENDERS = ("mailer-daemon", "postmaster")
MAIL_ACTOR = Actor(kind="mail", channel="mail", label="mail")
MAX_TITLE = 200


# -- the outcome ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    outcome: str | None
    lead_id: int | None = None
    deal_id: int | None = None
    contact_id: int | None = None
    activity_id: int | None = None
    skipped: bool = False  # already processed by someone else
    received_at: datetime | None = None

    @property
    def created(self) -> bool:
        return self.outcome in ("lead", "deal")


@dataclass(frozen=True, slots=True)
class _Envelope:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    released: bool


# -- the decision -------------------------------------------------------------------------


def process(tx: Tx, mail: IncomingMail, policy: IntakePolicy) -> Outcome:
    """Decide what a received mail becomes and do it, in the caller's transaction."""
    row = mail_row(tx.conn, mail.mail_id)
    if row["status"] != "received":
        return Outcome(row["status"], row["outcome"], skipped=True)
    rcpt_tos = tuple(json.loads(row["rcpt_tos"]))
    envelope = _Envelope(row["mail_from"], rcpt_tos, bool(row["released"]))
    matches = [m for m in map(policy.match, envelope.rcpt_tos) if m is not None]
    prospect = find_prospect(mail, policy, envelope.mail_from)
    outcome = _decide(tx, mail, envelope, matches, prospect, policy)
    _finish(tx, mail, prospect, outcome, row)
    return replace(outcome, received_at=clock.from_db(row["received_at"]))


def _decide(
    tx: Tx,
    mail: IncomingMail,
    envelope: _Envelope,
    matches: list[RecipientMatch],
    prospect: Prospect,
    policy: IntakePolicy,
) -> Outcome:
    automated = automated_reason(mail, envelope.mail_from)
    if automated:
        return Outcome("ignored", automated)
    senders = _sender_addresses(mail, envelope, prospect)
    if any(listed(policy.deny, s) for s in senders):
        return Outcome("ignored", "denied")
    review = None if envelope.released else review_reason(mail, prospect)
    if review:
        return Outcome("held", review)
    target = thread_target(tx, mail, matches, prospect)
    if target is not None:
        return _attach(tx, mail, prospect, target)
    trusted = envelope.released or any(listed(policy.allow, s) for s in senders)
    hold = None if trusted else _hold_reason(tx, mail, prospect, policy)
    if hold:
        return Outcome("held", hold)
    if not matches:
        return Outcome("held", "no_route")
    return _create(tx, mail, matches[0], prospect)


def automated_reason(mail: IncomingMail, mail_from: str) -> str | None:
    """Why a message is machine-sent (never a lead, never answered), or ``None``."""
    if mail.automated:
        return mail.automated
    if mail_from in ("", "<>"):
        return "bounce"
    sender = (mail.sender.email if mail.sender else mail_from).casefold()
    if sender.partition("@")[0] in AUTOMATED_SENDERS:
        return "bounce"
    return None


def _sender_addresses(mail: IncomingMail, envelope: _Envelope, prospect: Prospect) -> list[str]:
    found = [envelope.mail_from, mail.sender.email if mail.sender else ""]
    if prospect.email:
        found.append(prospect.email.normalized)
    return [s for s in found if s]


def _hold_reason(
    tx: Tx, mail: IncomingMail, prospect: Prospect, policy: IntakePolicy
) -> str | None:
    if _looks_like_spam(mail, prospect, policy):
        return "spam"
    if prospect.key and _over_cap(tx, prospect.key, mail.mail_id, policy):
        return "capped"
    return None


def _looks_like_spam(mail: IncomingMail, prospect: Prospect, policy: IntakePolicy) -> bool:
    honeypots = {name.casefold() for name in policy.honeypot_fields}
    if any(key.casefold() in honeypots and value.strip() for key, value in prospect.custom.items()):
        return True
    threshold = policy.spam_threshold
    return threshold is not None and mail.spam_score is not None and mail.spam_score >= threshold


def _over_cap(tx: Tx, sender_key: str, mail_id: int, policy: IntakePolicy) -> bool:
    since = clock.to_db(clock.utcnow() - timedelta(minutes=policy.cap_minutes))
    created = tx.scalar(
        "SELECT count(*) FROM mails WHERE sender_key = ? AND outcome IN ('lead', 'deal')"
        " AND received_at >= ? AND id != ?",
        (sender_key, since, mail_id),
    )
    return int(created) >= policy.cap


# -- doing it -------------------------------------------------------------------------------


def _attach(tx: Tx, mail: IncomingMail, prospect: Prospect, target: tuple[Creates, int]) -> Outcome:
    kind, record_id = target
    lead_id, deal_id = (None, record_id) if kind == "deal" else (record_id, None)
    table = "deals" if kind == "deal" else "leads"
    row = tx.one(f"SELECT owner_id, contact_id FROM {table} WHERE id = ?", (record_id,))
    assert row is not None
    contact_id = row["contact_id"]
    copied = attached_copy(tx, mail.mail_id, kind, record_id)
    if copied is not None:  # the same message, to another capture address: on it already
        return Outcome("processed", "thread", lead_id, deal_id, contact_id, copied)
    activity_id = _log_email(
        tx, mail, row["owner_id"], contact_id, lead_id=lead_id, deal_id=deal_id
    )
    return Outcome("processed", "thread", lead_id, deal_id, contact_id, activity_id)


def _create(tx: Tx, mail: IncomingMail, match: RecipientMatch, prospect: Prospect) -> Outcome:
    route = match.route
    owner_id = pick_owner(tx, route, prospect)
    contact = _contact_draft(prospect)
    title = _title(mail, prospect)
    campaign = route.campaign or match.tag
    if route.creates == "deal":
        draft = DealDraft(
            title, contact, owner=owner_id, pipeline=route.pipeline, stage=route.stage,
            origin=route.origin, campaign=campaign, custom=dict(prospect.custom),
        )  # fmt: skip
        deal_id = create_deal(tx, draft)
        contact_id = tx.scalar("SELECT contact_id FROM deals WHERE id = ?", (deal_id,))
        activity_id = _log_email(tx, mail, owner_id, contact_id, deal_id=deal_id)
        return Outcome("processed", "deal", None, deal_id, contact_id, activity_id)
    lead = LeadDraft(
        title, contact, owner=owner_id, note=prospect.message, origin=route.origin,
        campaign=campaign, custom=dict(prospect.custom),
    )  # fmt: skip
    lead_id = create_lead(tx, lead)
    contact_id = tx.scalar("SELECT contact_id FROM leads WHERE id = ?", (lead_id,))
    activity_id = _log_email(tx, mail, owner_id, contact_id, lead_id=lead_id)
    return Outcome("processed", "lead", lead_id, None, contact_id, activity_id)


def _contact_draft(prospect: Prospect) -> ContactDraft | None:
    if prospect.email is None and not prospect.name:
        return None
    return ContactDraft(
        prospect.name,
        prospect.email.normalized if prospect.email else None,
        prospect.phone,
        prospect.company,
    )


def _title(mail: IncomingMail, prospect: Prospect) -> str:
    subject = strip_reply_prefix(mail.subject) if mail.subject else ""
    who = prospect.company or prospect.name or (prospect.email.normalized if prospect.email else "")
    if prospect.is_form and who:
        subject = f"{subject} — {who}" if subject else who
    return clean_line(subject, MAX_TITLE) or clean_line(who, MAX_TITLE) or f"mail {mail.mail_id}"


def _log_email(
    tx: Tx,
    mail: IncomingMail,
    owner_id: int | None,
    contact_id: int | None,
    *,
    lead_id: int | None = None,
    deal_id: int | None = None,
) -> int:
    draft = ActivityDraft(
        "email", clean_line(mail.subject, MAX_TITLE) or "(no subject)", mail.note or mail.text,
        done=True, owner=owner_id, deal_id=deal_id, lead_id=lead_id, contact_id=contact_id,
    )  # fmt: skip
    return create_activity(tx, draft)


def _finish(
    tx: Tx, mail: IncomingMail, prospect: Prospect, outcome: Outcome, row: sqlite3.Row
) -> None:
    """Write the outcome on the mail's row; ``row`` is that row as this write first read it.

    On PostgreSQL every statement is a round trip in the one write turn the SMTP
    ``250`` waits for: what ``row`` already says is not read again.
    """
    tx.execute(
        "UPDATE mails SET status = ?, outcome = ?, error = NULL, attempts = attempts + 1,"
        " subject = ?, sender_key = ?, body_text = ?, lead_id = ?, deal_id = ?,"
        " contact_id = ?, activity_id = ?, processed_at = ? WHERE id = ?",
        (
            outcome.status, outcome.outcome, clean_line(mail.subject, MAX_TITLE * 5),
            prospect.key,
            mail.text, outcome.lead_id, outcome.deal_id, outcome.contact_id,
            outcome.activity_id, tx.now, mail.mail_id,
        ),
    )  # fmt: skip
    if outcome.lead_id is not None or outcome.deal_id is not None:
        mid = row["message_id"]
        remember_thread(tx, mid, lead_id=outcome.lead_id, deal_id=outcome.deal_id)
    if _kept_by_copy(tx, mail, outcome):  # its files are kept, on the record once
        outcome = replace(outcome, lead_id=None, deal_id=None)
    _keep_attachments(tx, mail, outcome, first=row["attempts"] == 0)


def _kept_by_copy(tx: Tx, mail: IncomingMail, outcome: Outcome) -> bool:
    """The record's e-mail activity is another row's (the same message), and so its files.

    A lead or a deal made by this mail has an activity of its own: nothing to look up.
    """
    if outcome.activity_id is None or outcome.created:
        return False
    other = tx.one(
        "SELECT id FROM mails WHERE activity_id = ? AND id != ? LIMIT 1",
        (outcome.activity_id, mail.mail_id),
    )
    return other is not None


def _keep_attachments(tx: Tx, mail: IncomingMail, outcome: Outcome, *, first: bool) -> None:
    """The mail's files; a retry (not its ``first`` processing) replaces those kept before."""
    if not first:
        tx.execute("DELETE FROM mail_attachments WHERE mail_id = ?", (mail.mail_id,))
    for item in mail.attachments:
        tx.insert(
            "mail_attachments",
            {
                "mail_id": mail.mail_id, "filename": item.filename,
                "content_type": item.content_type, "size": len(item.content),
                "content": item.content, "lead_id": outcome.lead_id, "deal_id": outcome.deal_id,
            },
        )  # fmt: skip


def oldest_waiting(conn: sqlite3.Connection) -> datetime | None:
    """When the first mail still waiting to be processed was received; ``None``: none waits."""
    row = conn.execute(
        "SELECT received_at FROM mails WHERE status = 'received' ORDER BY id LIMIT 1"
    ).fetchone()
    return None if row is None else clock.from_db(row[0])
