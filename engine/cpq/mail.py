"""Sending a quote to the client by e-mail, its PDF attached, through the outbox.

* **Who**: the deal's contact, unless the rep names another address; either
  is checked with email-validator (syntax only, no DNS). No address at all
  is refused, naming what is missing.
* **Language**: the one asked for, else the contact's, else the caller's
  default; the subject, the body and the PDF all use it.
* **What is sent** is the quote's version at the moment it was rendered. The
  PDF is rendered *before* the write (it is slow, and the writer is shared);
  the write checks that the quote is still at that version, then stores the
  PDF's bytes with the outbox message, so a retry re-sends the same file
  whatever happens to the quote later.
* **One write**: the e-mail and its attachment are queued, a draft becomes
  ``sent`` through the usual status path (event, snapshot, revenue), and
  ``deal.quote_emailed`` is recorded on the deal's timeline. The relay's
  acceptance is recorded later, with the other sent mail (``sent_mails``).
* A rejected quote is not sent (make a new one); an accepted or already
  sent one may be sent again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine.actors import Actor
from engine.cpq import quotes
from engine.cpq.quotes import Quote, QuoteSettings
from engine.cpq.text import word
from engine.crm.contacts import normalize_email
from engine.crm.versioning import check_version
from engine.errors import ValidationFailed
from engine.i18n import LOCALES
from engine.outbox import queue as outbox
from engine.store.db import Tx
from engine.text import formats
from engine.text.catalogue import Phrase, text

PDF = "application/pdf"


@dataclass(frozen=True, slots=True)
class Ask:
    """What the rep asked for: an address and a language, or the defaults."""

    to: str | None = None
    locale: str | None = None
    default_locale: str = "fr"


@dataclass(frozen=True, slots=True)
class Audience:
    """Whom the e-mail goes to, in which language, signed by whom."""

    to: str
    name: str | None  # the contact's name, when writing to the contact
    locale: str
    rep: str | None


@dataclass(frozen=True, slots=True)
class QuoteMail:
    """An e-mail ready to queue: composed and rendered before the write."""

    quote_id: int
    version: int
    to: str
    locale: str
    subject: str
    body: str
    attachment: outbox.Attachment


@dataclass(frozen=True, slots=True)
class Queued:
    """What :meth:`engine.facade.quotes.Quotes.send` returns."""

    quote: Quote
    outbox_id: int
    mail: QuoteMail
    marked_sent: bool  # the quote was a draft and is now sent


def check_sendable(number: str, status: str) -> None:
    if status == "rejected":
        raise ValidationFailed({"status": Phrase("quote.rejected_send", number=number)})


# -- before the write -----------------------------------------------------------------


def audience(conn: sqlite3.Connection, quote: Quote, actor: Actor, ask: Ask) -> Audience:
    """The checked recipient, the language and the rep's name (a read, before rendering)."""
    contact = conn.execute(
        "SELECT c.name, c.email, c.locale FROM deals d JOIN contacts c ON c.id = d.contact_id"
        " WHERE d.id = ?",
        (quote.deal_id,),
    ).fetchone()
    given = (ask.to or "").strip()
    address = given or (contact["email"] if contact is not None else None)
    if not address:
        raise ValidationFailed({"to": _nobody(quote, contact)})
    to = _checked(address)
    name = None
    if contact is not None and (contact["email"] or "").casefold() == to.casefold():
        name = contact["name"]
    chosen = ask.locale or (contact["locale"] if contact is not None else None)
    locale = chosen or ask.default_locale
    return Audience(to, name, locale if locale in LOCALES else "en", _rep(conn, actor, quote))


def _nobody(quote: Quote, contact: sqlite3.Row | None) -> str:
    if contact is None:
        return Phrase("quote.no_contact", deal=quote.deal_id)
    return Phrase("quote.contact_no_email", name=contact["name"], deal=quote.deal_id)


def _checked(address: str) -> str:
    try:
        return normalize_email(address).normalized
    except ValueError:
        raise ValidationFailed({"to": Phrase("value.bad_email", address=address)}) from None


def _rep(conn: sqlite3.Connection, actor: Actor, quote: Quote) -> str | None:
    """Who signs: the user sending it, else the deal's owner (the command line)."""
    row = conn.execute(
        "SELECT name FROM users WHERE id = coalesce(?, (SELECT owner_id FROM deals WHERE id = ?))",
        (actor.user_id, quote.deal_id),
    ).fetchone()
    return None if row is None else str(row["name"])


def filename(quote: Quote, locale: str) -> str:
    """``Devis-D-2026-0001-v2.pdf``: the version says which one the client has."""
    return f"{word('title', locale)}-{quote.number}-v{quote.version}.pdf"


def compose(
    quote: Quote, who: Audience, note: str | None, document: bytes, settings: QuoteSettings
) -> QuoteMail:
    subject = _say("subject", who.locale, number=quote.number, deal=quote.deal_title)
    attachment = outbox.Attachment(filename(quote, who.locale), PDF, document)
    body = _body(quote, who, note, settings)
    return QuoteMail(quote.id, quote.version, who.to, who.locale, subject, body, attachment)


def _body(quote: Quote, who: Audience, note: str | None, settings: QuoteSettings) -> str:
    locale = who.locale
    hello = _say("hello", locale, name=who.name) if who.name else _say("hello_anyone", locale)
    total = formats.money(quote.priced.totals.total, quote.currency, locale)
    offer = _say("attached", locale, number=quote.number, total=total)
    if quote.valid_until is not None:
        offer += " " + _say("valid", locale, date=formats.day(quote.valid_until, locale))
    signature = [_say("regards", locale), who.rep or "", *settings.company[:1]]
    paragraphs = [hello, offer, (note or "").strip(), _say("questions", locale)]
    paragraphs.append("\n".join(line for line in signature if line))
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def _say(key: str, locale: str, **params: str) -> str:
    """A sentence of the quote's e-mail: the catalogue's ``quote_mail.<key>``."""
    return text(locale, f"quote_mail.{key}", **params)


# -- the write ------------------------------------------------------------------------


def enqueue(tx: Tx, mail: QuoteMail) -> tuple[int, bool]:
    """Queue the e-mail with its PDF, mark a draft sent, record it on the deal.

    Returns the outbox message's id and whether the quote became ``sent``.
    """
    row = quotes.quote_row(tx.conn, mail.quote_id)
    check_version(tx, "quote", row, mail.version)  # the PDF shows this version
    check_sendable(row["number"], row["status"])
    payload = {
        "to": mail.to, "subject": mail.subject, "body": mail.body, "locale": mail.locale,
        "quote_id": mail.quote_id, "quote_version": mail.version,
    }  # fmt: skip
    outbox_id = outbox.enqueue(
        tx, "email", mail.to, payload, deal_id=row["deal_id"], attachments=(mail.attachment,)
    )
    drafted = row["status"] == "draft"
    if drafted:
        quotes.set_status(tx, row["id"], "sent", None)
    changes = {"quote": (None, row["number"]), "email": (None, mail.to)}
    # ``queued`` wakes the outbox worker at once, as a transition's messages do
    data = {"quote_id": row["id"], "outbox_id": outbox_id, "queued": 1}
    tx.record("deal", row["deal_id"], "quote_emailed", changes, data=data)
    return outbox_id, drafted
