"""Turning a stored mail into records: the domain decisions of mail ingestion.

The SMTP adapter stores the raw message and parses it; this module decides,
in one write, what the message becomes:

1. automated mail (auto-reply, bounce, list, bulk, null sender) → ``ignored``;
2. a denied sender or domain → ``ignored``;
3. a reply (deal/lead address, In-Reply-To/References, ``[#D-42]`` subject
   token, same sender and subject) → an e-mail activity on that record;
4. a suspected spam (honeypot field filled, spam score) → ``held``;
5. a sender past the creation cap (default 20 per 120 minutes) → ``held``;
6. otherwise a lead or a deal, as the recipient's route says, with its
   contact found or created by normalised e-mail.

Held and ignored mail stays stored; ``release`` re-processes a held message
past the checks of steps 4 and 5.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from engine import clock
from engine.activities import ActivityDraft, create_activity
from engine.actors import Actor
from engine.contacts import ContactDraft, EmailAddress, normalize_email, normalize_phone
from engine.db import Tx
from engine.deals import DealDraft, create_deal
from engine.inbox import mail_row
from engine.leads import LeadDraft, create_lead
from engine.users import find_user_row

Creates = Literal["lead", "deal"]
OwnerMode = Literal["none", "fixed", "round_robin", "by_domain"]
AUTOMATED_SENDERS = ("mailer-daemon", "postmaster")
MAIL_ACTOR = Actor(kind="mail", channel="mail", label="mail")
_TOKEN = re.compile(r"\[#([DL])-(\d+)\]", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|tr|aw|wg|rép|ré)\s*(\[\d+\])?\s*:\s*)+", re.I)
MAX_TITLE = 200
MAX_REFERENCES = 50


# -- what the adapter hands over -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class FormData:
    """Fields a website contact form put in its mail (see ``ingest.forms``)."""

    name: str = ""
    first_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    message: str = ""
    subject: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttachmentData:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class IncomingMail:
    """A stored mail, parsed: what the engine needs to decide, nothing of MIME or SMTP."""

    mail_id: int
    subject: str = ""
    sender: Address | None = None
    reply_to: Address | None = None
    references: tuple[str, ...] = ()  # In-Reply-To first, then References newest first
    text: str = ""  # the whole body as text
    note: str = ""  # the body without quoted replies and signature
    attachments: tuple[AttachmentData, ...] = ()
    automated: str | None = None  # auto_reply, bounce, list, bulk
    form: FormData | None = None
    spam_score: float | None = None


# -- the routing policy (built from config/routing.yaml) ----------------------------


@dataclass(frozen=True, slots=True)
class OwnerRule:
    mode: OwnerMode = "none"
    user: str | None = None
    users: tuple[str, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()
    fallback: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A capture address (``*@domain`` catches a whole domain) and what its mail creates."""

    address: str
    creates: Creates = "lead"
    pipeline: str | None = None
    stage: str | None = None
    owner: OwnerRule = field(default_factory=OwnerRule)
    origin: str | None = "email"
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientMatch:
    route: Route
    tag: str | None = None
    record: tuple[Creates, int] | None = None  # deals+42@ → ("deal", 42)


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    routes: tuple[Route, ...]
    form_senders: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    cap: int = 20
    cap_minutes: int = 120
    honeypot_fields: tuple[str, ...] = ()
    spam_threshold: float | None = None

    def match(self, address: str) -> RecipientMatch | None:
        """The route a recipient address belongs to; ``None``: not ours, refuse it."""
        local, _, domain = address.strip().casefold().rpartition("@")
        if not local or not domain:
            return None
        base, plus, tag = local.partition("+")
        for wanted in (f"{base}@{domain}", f"*@{domain}"):
            for route in self.routes:
                if route.address == wanted:
                    return _match(route, tag if plus else None)
        return None


def _match(route: Route, tag: str | None) -> RecipientMatch:
    if tag and tag.isdigit():
        return RecipientMatch(route, tag, (route.creates, int(tag)))
    return RecipientMatch(route, tag or None)


def listed(entries: frozenset[str], email: str | None) -> bool:
    """An address is listed by itself, by its domain, or by a parent domain."""
    if not email or "@" not in email:
        return False
    email = email.casefold()
    if email in entries:
        return True
    parts = email.rpartition("@")[2].split(".")
    return any(
        ".".join(parts[i:]) in entries or "@" + ".".join(parts[i:]) in entries
        for i in range(len(parts) - 1)
    )


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
class Prospect:
    email: EmailAddress | None
    name: str = ""
    phone: str | None = None
    company: str | None = None
    message: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    is_form: bool = False

    @property
    def key(self) -> str | None:
        return self.email.key if self.email else None


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
    _finish(tx, mail, prospect, outcome)
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
    if prospect.email is None and not prospect.name:
        return "no_sender"
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


# -- who the prospect is -----------------------------------------------------------------


def find_prospect(mail: IncomingMail, policy: IntakePolicy, mail_from: str = "") -> Prospect:
    """The person behind the mail: the form's fields, Reply-To, the sender, the envelope."""
    form = mail.form if _is_form(mail, policy) else None
    if form is not None:
        return _form_prospect(mail, form)
    person = mail.sender
    if mail.reply_to and _is_form_sender(mail, policy):
        person = mail.reply_to
    email = _valid_email(person.email if person else "") or _valid_email(mail_from)
    return Prospect(email, (person.name if person else "").strip(), message=mail.note)


def _is_form_sender(mail: IncomingMail, policy: IntakePolicy) -> bool:
    return mail.sender is not None and listed(policy.form_senders, mail.sender.email)


def _is_form(mail: IncomingMail, policy: IntakePolicy) -> bool:
    """A configured form sender, or labelled fields naming someone else than the sender."""
    if mail.form is None:
        return False
    if _is_form_sender(mail, policy):
        return True
    sender = (mail.sender.email if mail.sender else "").casefold()
    other = {a.casefold() for a in (mail.form.email, mail.reply_to.email if mail.reply_to else "")}
    return bool(other - {"", sender})


def _form_prospect(mail: IncomingMail, form: FormData) -> Prospect:
    email = _valid_email(form.email) or _valid_email(mail.reply_to.email if mail.reply_to else "")
    name = " ".join(p for p in (form.first_name.strip(), form.name.strip()) if p)
    if not name and mail.reply_to:
        name = mail.reply_to.name.strip()
    custom = {label: value for label, value in form.extra.items() if value.strip()}
    phone = None
    if form.phone:
        try:
            phone = normalize_phone(form.phone)
        except ValueError:
            custom["phone"] = form.phone
    if form.subject:
        custom.setdefault("subject", form.subject)
    message = form.message.strip() or mail.note
    return Prospect(email, name, phone, form.company.strip() or None, message, custom, True)


def _valid_email(text: str) -> EmailAddress | None:
    if not text or "@" not in text:
        return None
    try:
        return normalize_email(text)
    except ValueError:
        return None


# -- threads ----------------------------------------------------------------------------------


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


# -- doing it -------------------------------------------------------------------------------


def _attach(tx: Tx, mail: IncomingMail, prospect: Prospect, target: tuple[Creates, int]) -> Outcome:
    kind, record_id = target
    lead_id, deal_id = (None, record_id) if kind == "deal" else (record_id, None)
    table = "deals" if kind == "deal" else "leads"
    row = tx.one(f"SELECT owner_id, contact_id FROM {table} WHERE id = ?", (record_id,))
    assert row is not None
    contact_id = row["contact_id"]
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
    return (subject or who or f"mail {mail.mail_id}")[:MAX_TITLE]


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
        "email", (mail.subject.strip() or "(no subject)")[:MAX_TITLE], mail.note or mail.text,
        done=True, owner=owner_id, deal_id=deal_id, lead_id=lead_id, contact_id=contact_id,
    )  # fmt: skip
    return create_activity(tx, draft)


def _finish(tx: Tx, mail: IncomingMail, prospect: Prospect, outcome: Outcome) -> None:
    tx.execute(
        "UPDATE mails SET status = ?, outcome = ?, error = NULL, attempts = attempts + 1,"
        " subject = ?, sender_key = ?, body_text = ?, lead_id = ?, deal_id = ?,"
        " contact_id = ?, activity_id = ?, processed_at = ? WHERE id = ?",
        (
            outcome.status, outcome.outcome, mail.subject[: MAX_TITLE * 5], prospect.key,
            mail.text, outcome.lead_id, outcome.deal_id, outcome.contact_id,
            outcome.activity_id, tx.now, mail.mail_id,
        ),
    )  # fmt: skip
    if outcome.lead_id is not None or outcome.deal_id is not None:
        mid = tx.scalar("SELECT message_id FROM mails WHERE id = ?", (mail.mail_id,))
        remember_thread(tx, mid, lead_id=outcome.lead_id, deal_id=outcome.deal_id)
    _keep_attachments(tx, mail, outcome)


def _keep_attachments(tx: Tx, mail: IncomingMail, outcome: Outcome) -> None:
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


# -- owners --------------------------------------------------------------------------------


def pick_owner(tx: Tx, route: Route, prospect: Prospect) -> int | None:
    rule = route.owner
    if rule.mode == "fixed":
        return _user_id(tx, rule.user)
    if rule.mode == "round_robin":
        return _round_robin(tx, route.address, rule.users)
    if rule.mode == "by_domain":
        domain = prospect.email.domain if prospect.email else ""
        for suffix, user in rule.domains:
            if domain == suffix or domain.endswith("." + suffix):
                return _user_id(tx, user)
        return _user_id(tx, rule.fallback)
    return None


def _user_id(tx: Tx, ref: str | None) -> int | None:
    if not ref:
        return None
    row = find_user_row(tx.conn, ref)
    return int(row["id"]) if row is not None and row["active"] else None


def _round_robin(tx: Tx, key: str, users: tuple[str, ...]) -> int | None:
    if users:
        candidates = [uid for uid in (_user_id(tx, u) for u in users) if uid is not None]
    else:
        rows = tx.all("SELECT id FROM users WHERE active = 1 AND role = 'rep' ORDER BY id")
        candidates = [row["id"] for row in rows]
    if not candidates:
        return None
    counter = tx.scalar("SELECT counter FROM mail_route_state WHERE route = ?", (key,)) or 0
    tx.execute(
        "INSERT INTO mail_route_state (route, counter) VALUES (?, ?)"
        " ON CONFLICT (route) DO UPDATE SET counter = excluded.counter",
        (key, counter + 1),
    )
    return candidates[counter % len(candidates)]
