"""Quotes on deals: priced by the rules, numbered per year, versioned, stored.

* **Numbers** are ``<prefix>-<year>-<sequence>`` (``D-2026-0001``), the year
  of the quote's date, the sequence running per year.
* **Saving** prices the rep's lines (see :mod:`engine.cpq.pricing`) against the
  deal's context, stores the lines with their traces and a snapshot of the
  whole version, records ``quote.created`` / ``quote.updated`` on the
  timeline, updates the deal's expected revenue and, by default, moves the
  deal to the *Devis* stage through :func:`engine.crm.deals.move_stage`. When a
  blueprint governs the deal the move is refused there; the quote is saved
  all the same and :class:`StageOutcome` names the transitions the rep must
  perform. A deal already at or past that stage, or closed, is left alone.
* **Status** runs draft → sent → accepted | rejected (``quote.status_changed``).
  Editing a sent quote puts it back to draft; an accepted or rejected quote
  is final (make a new one).
* **Expected revenue** of the deal follows the net total (excluding tax) of
  its latest accepted quote, or else of its latest quote not rejected.

This module holds what a quote is and the operations on it; how a version
becomes rows is :mod:`engine.cpq.quote_rows`, what a quote reads from and does
to its deal (context, revenue, stage) is :mod:`engine.cpq.quote_deal`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine import clock
from engine.cpq import quote_rows
from engine.cpq.catalogue import Product
from engine.cpq.lines import PricedLine, PricedQuote, QuoteDraft, Suggestion
from engine.cpq.price_rules import RuleBook
from engine.cpq.pricing import price_quote, totals
from engine.cpq.products import load_products
from engine.cpq.quote_deal import StageOutcome, deal_context, move_deal, refresh_revenue
from engine.cpq.seller import DealFields, Seller
from engine.crm import deals
from engine.crm.records import ADDRESS_PARTS, PostalAddress
from engine.crm.versioning import check_version, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled

STATUSES = ("draft", "sent", "accepted", "rejected")
STATUS_LABEL = "cpq.document."  # a status's label: cpq.document.sent
NEXT_STATUS: dict[str, tuple[str, ...]] = {
    "draft": ("sent",),
    "sent": ("accepted", "rejected"),
    "accepted": (),
    "rejected": (),
}


@dataclass(frozen=True, slots=True)
class QuoteSettings:
    """How quotes are numbered, dated and what saving one does to the deal."""

    number_prefix: str = "D"
    move_deal_to: str | None = "devis"
    validity_days: int = 30
    company: tuple[str, ...] = ()
    footer: str = ""
    seller: Seller = field(default_factory=Seller)
    deal_fields: DealFields = field(default_factory=DealFields)


@dataclass(frozen=True)
class CpqSetup:
    """The rules and settings the engine prices and saves quotes with."""

    book: RuleBook = field(default_factory=RuleBook)
    settings: QuoteSettings = field(default_factory=QuoteSettings)


@dataclass(frozen=True, slots=True)
class Quote:
    id: int
    number: str
    deal_id: int
    deal_title: str
    organisation: str | None
    contact_name: str | None
    contact_email: str | None
    address: str | None
    status: str
    quote_date: date
    valid_until: date | None
    priced: PricedQuote
    created_by: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None
    custom: dict[str, Any] = field(default_factory=dict, compare=False)  # the deal's

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        return self.priced.lines

    @property
    def customer(self) -> str | None:
        return self.organisation or self.contact_name

    @property
    def currency(self) -> str:
        return self.priced.currency

    def draft(self) -> QuoteDraft:
        return self.priced.draft()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "deal_id": self.deal_id,
            "deal_title": self.deal_title,
            "customer": self.customer,
            "status": self.status,
            "quote_date": self.quote_date.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "version": self.version,
            **self.priced.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    quote_id: int
    created: bool
    changed: bool
    stage: StageOutcome


@dataclass(frozen=True, slots=True)
class Saved:
    """What :meth:`engine.facade.quotes.Quotes.save` returns."""

    quote: Quote
    created: bool
    changed: bool
    stage: StageOutcome


# -- pricing against a deal ------------------------------------------------------


def catalogue_for(
    conn: sqlite3.Connection, draft: QuoteDraft, book: RuleBook
) -> dict[str, Product]:
    """The products this draft and the rules its products trigger may need."""
    codes = {line.code for line in draft.lines if line.code is not None}
    return load_products(conn, book.codes_needed(codes))


def price(
    conn: sqlite3.Connection, draft: QuoteDraft, book: RuleBook, deal_id: int | None, on: date
) -> PricedQuote:
    """Price without saving (the rep's preview, an admin testing rules)."""
    return price_quote(
        draft, catalogue_for(conn, draft, book), book, deal_context(conn, deal_id, on)
    )


# -- saving -------------------------------------------------------------------------


def save_quote(
    tx: Tx,
    deal_id: int | None,
    draft: QuoteDraft,
    setup: CpqSetup,
    on: date,
    quote_id: int | None = None,
    expected_version: int | None = None,
) -> SaveOutcome:
    """Create a quote on ``deal_id``, or a new version of ``quote_id``."""
    row = None
    if quote_id is not None:
        row = quote_row(tx.conn, quote_id)
        check_version(tx, "quote", row, expected_version)
        _check_editable(row)
        deal_id = row["deal_id"]
    if deal_id is None:
        raise ValidationFailed({"deal": Phrase("quote.deal_required")})
    deals.deal_row(tx.conn, deal_id)
    if not draft.lines:
        raise ValidationFailed({"lines": Phrase("quote.lines_required")})
    priced = price(tx.conn, draft, setup.book, deal_id, on)
    columns = quote_rows.columns(priced, on, setup.settings.validity_days)
    if row is None:
        quote_id = quote_rows.create(tx, deal_id, priced, columns, on, setup.settings.number_prefix)
        changed = created = True
    else:
        changed, created = quote_rows.update(tx, row, priced, columns), False
    assert quote_id is not None
    if changed:
        _snapshot(tx, quote_id)
        refresh_revenue(tx, deal_id)
    stage = move_deal(tx, deal_id, setup.settings.move_deal_to, quote_id)
    return SaveOutcome(quote_id, created, changed, stage)


def _check_editable(row: sqlite3.Row) -> None:
    if row["status"] in ("accepted", "rejected"):
        status = labelled((row["status"],), STATUS_LABEL)[0]
        raise ValidationFailed(
            {"status": Phrase("quote.closed", number=row["number"], status=status)}
        )


def _refused_status(was: str, wanted: str) -> Phrase:
    """Why ``was`` cannot become ``wanted``: the statuses it can become, or none (final)."""
    allowed = labelled(NEXT_STATUS[was], STATUS_LABEL)
    current, asked = labelled((was, wanted), STATUS_LABEL)
    if not allowed:
        return Phrase("quote.status_final", status=current, wanted=asked)
    return Phrase("quote.cannot_become", status=current, allowed=allowed, wanted=asked)


def _snapshot(tx: Tx, quote_id: int) -> None:
    quote = get_quote(tx.conn, quote_id)
    tx.execute(
        "INSERT INTO quote_versions (quote_id, version, status, snapshot, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            quote_id,
            quote.version,
            quote.status,
            json.dumps(quote.to_json(), ensure_ascii=False),
            tx.now,
        ),
    )


def set_status(
    tx: Tx, quote_id: int, status: str, expected_version: int | None
) -> dict[str, tuple[Any, Any]]:
    """draft → sent → accepted | rejected; the deal's revenue follows."""
    row = quote_row(tx.conn, quote_id)
    check_version(tx, "quote", row, expected_version)
    if status not in STATUSES:
        raise ValidationFailed(
            {"status": Phrase("value.choose", choices=labelled(STATUSES, STATUS_LABEL))}
        )
    if status == row["status"]:
        return {}
    if status not in NEXT_STATUS[row["status"]]:
        raise ValidationFailed({"status": _refused_status(row["status"], status)})
    moment = {"sent": "sent_at"}.get(status, "decided_at")
    columns = {"status": status, moment: tx.now}
    data = {"number": row["number"], "deal_id": row["deal_id"], "from": row["status"], "to": status}
    changes = update_record(
        tx, "quotes", "quote", row, columns, None, action="status_changed", data=data
    )
    _snapshot(tx, quote_id)
    refresh_revenue(tx, row["deal_id"])
    return changes


# -- reading ------------------------------------------------------------------------


def quote_row(conn: sqlite3.Connection, ref: int | str) -> sqlite3.Row:
    """A quote by id or by number (``D-2026-0001``)."""
    column = "id" if isinstance(ref, int) or str(ref).isdigit() else "number"
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM quotes WHERE {column} = ?", (ref,)
    ).fetchone()
    if row is None:
        raise NotFound("quote", ref)
    return row


def get_quote(conn: sqlite3.Connection, ref: int | str) -> Quote:
    row = quote_row(conn, ref)
    deal = conn.execute(
        "SELECT d.title, d.custom, o.name AS org, o.address, c.name AS contact, c.email,"
        " c.street, c.postcode, c.city, c.country"
        " FROM deals d LEFT JOIN organisations o ON o.id = d.organisation_id"
        " LEFT JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?",
        (row["deal_id"],),
    ).fetchone()
    lines = tuple(
        quote_rows.line_from_row(r)
        for r in conn.execute(
            "SELECT * FROM quote_lines WHERE quote_id = ? ORDER BY position", (row["id"],)
        )
    )
    priced = PricedQuote(
        row["currency"],
        lines,
        tuple(Suggestion.from_json(s) for s in json.loads(row["suggestions"])),
        totals(lines),
        tuple(json.loads(row["warnings"])),
        row["notes"],
    )
    return Quote(
        id=row["id"],
        number=row["number"],
        deal_id=row["deal_id"],
        deal_title=deal["title"],
        organisation=deal["org"],
        contact_name=deal["contact"],
        contact_email=deal["email"],
        address=_client_address(deal),
        status=row["status"],
        quote_date=date.fromisoformat(row["quote_date"]),
        valid_until=None if row["valid_until"] is None else date.fromisoformat(row["valid_until"]),
        priced=priced,
        created_by=row["created_by"],
        version=row["version"],
        created_at=clock.from_db(row["created_at"]),
        updated_at=clock.from_db(row["updated_at"]),
        sent_at=None if row["sent_at"] is None else clock.from_db(row["sent_at"]),
        decided_at=None if row["decided_at"] is None else clock.from_db(row["decided_at"]),
        custom=json.loads(deal["custom"] or "{}"),
    )


def _client_address(deal: sqlite3.Row) -> str | None:
    """The client's postal address: the contact's, else the organisation's (one text)."""
    contact = PostalAddress(*(deal[part] or "" for part in ADDRESS_PARTS))
    return contact.text() or deal["address"] or None


def deal_quotes(conn: sqlite3.Connection, deal_id: int) -> list[Quote]:
    ids = conn.execute("SELECT id FROM quotes WHERE deal_id = ? ORDER BY id", (deal_id,))
    return [get_quote(conn, row["id"]) for row in ids.fetchall()]


def quote_version(conn: sqlite3.Connection, quote_id: int, version: int) -> dict[str, Any]:
    """A saved version of a quote as it was priced then (JSON, as stored)."""
    row = conn.execute(
        "SELECT snapshot FROM quote_versions WHERE quote_id = ? AND version = ?",
        (quote_id, version),
    ).fetchone()
    if row is None:
        raise NotFound("quote version", f"{quote_id} v{version}")
    snapshot: dict[str, Any] = json.loads(row["snapshot"])
    return snapshot
