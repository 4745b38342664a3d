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
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine import clock, money
from engine.cpq.catalogue import Product
from engine.cpq.conditions import PricingContext, Scalar
from engine.cpq.lines import (
    LineInput,
    PricedLine,
    PricedQuote,
    QuoteDraft,
    Source,
    Suggestion,
    TraceStep,
    plain,
)
from engine.cpq.pricing import RuleBook, price_quote, totals
from engine.cpq.products import load_products
from engine.crm import deals
from engine.crm.versioning import check_version, update_record
from engine.errors import NotFound, RelaisError, TransitionRefused, ValidationFailed
from engine.store.db import Tx

STATUSES = ("draft", "sent", "accepted", "rejected")
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


@dataclass(frozen=True)
class CpqSetup:
    """The rules and settings the engine prices and saves quotes with."""

    book: RuleBook = field(default_factory=RuleBook)
    settings: QuoteSettings = field(default_factory=QuoteSettings)


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """What saving did to the deal's stage.

    ``status``: ``moved``; ``unchanged`` (already there or further, or
    closed); ``needs_transition`` (a blueprint governs the deal: the rep must
    perform one of ``transitions``); ``refused`` (another reason, in
    ``message``); ``no_stage`` (the pipeline has no such stage); ``off``.
    """

    status: str
    stage: str | None = None
    transitions: tuple[str, ...] = ()
    message: str = ""


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
    """What :meth:`engine.core.Engine.save_quote` returns."""

    quote: Quote
    created: bool
    changed: bool
    stage: StageOutcome


# -- pricing against a deal ------------------------------------------------------


def deal_context(conn: sqlite3.Connection, deal_id: int | None, on: date) -> PricingContext:
    """What rules may test: the deal's fields (``deal.*``) and its customer (``customer.*``)."""
    if deal_id is None:
        return PricingContext(on)
    row = conn.execute(
        "SELECT d.*, s.key AS stage_key, p.key AS pipeline_key, o.name AS org_name,"
        " o.domain AS org_domain, c.name AS contact_name, c.email AS contact_email"
        " FROM deals d JOIN stages s ON s.id = d.stage_id JOIN pipelines p ON p.id = d.pipeline_id"
        " LEFT JOIN organisations o ON o.id = d.organisation_id"
        " LEFT JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?",
        (deal_id,),
    ).fetchone()
    if row is None:
        raise NotFound("deal", deal_id)
    return PricingContext(on, _deal_fields(row), row["currency"])


def _deal_fields(row: sqlite3.Row) -> dict[str, Scalar]:
    raw: dict[str, Any] = {
        "deal.origin": row["origin"],
        "deal.campaign": row["campaign"],
        "deal.expected_revenue": money.from_cents(row["expected_revenue_cents"]),
        "deal.budget": money.from_cents(row["budget_cents"]),
        "deal.priority": Decimal(row["priority"]),
        "deal.probability": Decimal(row["probability"]),
        "deal.stage": row["stage_key"],
        "deal.pipeline": row["pipeline_key"],
        "deal.referred": row["referred_by_id"] is not None,
        "customer.organisation": row["org_name"],
        "customer.domain": row["org_domain"],
        "customer.contact": row["contact_name"],
        "customer.email": row["contact_email"],
    }
    for name, value in json.loads(row["custom"]).items():
        raw[f"deal.{name}"] = value
    return {name: _scalar(value) for name, value in raw.items() if value is not None}


def _scalar(value: Any) -> Scalar:
    if isinstance(value, bool | Decimal | date | str):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return str(value)


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
        raise ValidationFailed({"deal": "a quote belongs to a deal"})
    deals.deal_row(tx.conn, deal_id)
    if not draft.lines:
        raise ValidationFailed({"lines": "a quote needs at least one line"})
    priced = price(tx.conn, draft, setup.book, deal_id, on)
    columns = _columns(priced, on, setup.settings)
    if row is None:
        quote_id = _create(tx, deal_id, priced, columns, on, setup.settings)
        changed = created = True
    else:
        changed, created = _update(tx, row, priced, columns), False
    assert quote_id is not None
    if changed:
        _snapshot(tx, quote_id)
        refresh_revenue(tx, deal_id)
    stage = move_deal(tx, deal_id, setup.settings.move_deal_to, quote_id)
    return SaveOutcome(quote_id, created, changed, stage)


def _check_editable(row: sqlite3.Row) -> None:
    if row["status"] in ("accepted", "rejected"):
        raise ValidationFailed(
            {"status": f"quote {row['number']} is {row['status']}: make a new quote instead"}
        )


def _columns(priced: PricedQuote, on: date, settings: QuoteSettings) -> dict[str, Any]:
    sums = priced.totals
    return {
        "status": "draft",
        "currency": priced.currency,
        "quote_date": on.isoformat(),
        "valid_until": (on + timedelta(days=settings.validity_days)).isoformat(),
        "notes": priced.notes,
        "line_count": len(priced.lines),
        "subtotal_cents": money.to_cents(sums.subtotal),
        "discount_cents": money.to_cents(sums.discounts),
        "net_cents": money.to_cents(sums.net),
        "tax_cents": money.to_cents(sums.taxes),
        "total_cents": money.to_cents(sums.total),
        "suggestions": json.dumps([s.to_json() for s in priced.suggestions]),
        "warnings": json.dumps(list(priced.warnings)),
    }


def _event_data(number: str, deal_id: int, priced: PricedQuote) -> dict[str, Any]:
    return {
        "number": number,
        "deal_id": deal_id,
        "currency": priced.currency,
        "net": str(priced.totals.net),
        "total": str(priced.totals.total),
        "lines": len(priced.lines),
    }


def _create(
    tx: Tx,
    deal_id: int,
    priced: PricedQuote,
    columns: dict[str, Any],
    on: date,
    settings: QuoteSettings,
) -> int:
    sequence = 1 + int(
        tx.scalar("SELECT coalesce(max(sequence), 0) FROM quotes WHERE year = ?", (on.year,))
    )
    number = f"{settings.number_prefix}-{on.year}-{sequence:04d}"
    values = {
        "number": number,
        "year": on.year,
        "sequence": sequence,
        "deal_id": deal_id,
        **columns,
        "created_by": tx.actor.user_id,
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    quote_id = tx.insert("quotes", values)
    _write_lines(tx, quote_id, priced)
    changes = {
        "number": (None, number),
        "deal": (None, deal_id),
        "status": (None, "draft"),
        "net": (None, str(priced.totals.net)),
        "total": (None, str(priced.totals.total)),
        "lines": (None, len(priced.lines)),
    }
    tx.record(
        "quote", quote_id, "created", changes, version=1, data=_event_data(number, deal_id, priced)
    )
    return quote_id


def _update(tx: Tx, row: sqlite3.Row, priced: PricedQuote, columns: dict[str, Any]) -> bool:
    before = _stored_lines(tx.conn, row["id"])
    after = _line_rows(row["id"], priced)
    extra = {}
    if before != after:
        _write_lines(tx, row["id"], priced)
        extra["lines"] = (f"{len(before)} line(s)", f"{len(after)} line(s)")
    data = _event_data(row["number"], row["deal_id"], priced)
    changes = update_record(tx, "quotes", "quote", row, columns, None, data=data, extra=extra)
    return bool(changes)


_LINE_COLUMNS = (
    "quote_id", "position", "code", "name", "description", "quantity", "list_price_cents",
    "unit_net_cents", "list_total_cents", "discount_cents", "net_cents", "tax_rate", "tax_cents",
    "free", "source", "added_by", "price_rule", "input", "trace",
)  # fmt: skip


def _line_rows(quote_id: int, priced: PricedQuote) -> list[tuple[Any, ...]]:
    return [
        (
            quote_id,
            line.position,
            line.code,
            line.name,
            line.description,
            plain(line.quantity),
            money.to_cents(line.list_price),
            money.to_cents(line.unit_net),
            money.to_cents(line.list_total),
            money.to_cents(line.discount),
            money.to_cents(line.net),
            plain(line.tax_rate),
            money.to_cents(line.tax),
            int(line.free),
            line.source.value,
            line.added_by,
            line.price_rule,
            None if line.input is None else json.dumps(line.input.to_json()),
            json.dumps([step.to_json() for step in line.trace], ensure_ascii=False),
        )
        for line in priced.lines
    ]


def _stored_lines(conn: sqlite3.Connection, quote_id: int) -> list[tuple[Any, ...]]:
    columns = ", ".join(_LINE_COLUMNS)
    rows = conn.execute(
        f"SELECT {columns} FROM quote_lines WHERE quote_id = ? ORDER BY position", (quote_id,)
    )
    return [tuple(r) for r in rows]


def _write_lines(tx: Tx, quote_id: int, priced: PricedQuote) -> None:
    tx.execute("DELETE FROM quote_lines WHERE quote_id = ?", (quote_id,))
    marks = ", ".join("?" for _ in _LINE_COLUMNS)
    tx.conn.executemany(
        f"INSERT INTO quote_lines ({', '.join(_LINE_COLUMNS)}) VALUES ({marks})",
        _line_rows(quote_id, priced),
    )


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
        raise ValidationFailed({"status": f"one of {', '.join(STATUSES)}"})
    if status == row["status"]:
        return {}
    if status not in NEXT_STATUS[row["status"]]:
        allowed = ", ".join(NEXT_STATUS[row["status"]]) or "nothing: it is final"
        raise ValidationFailed(
            {"status": f"a {row['status']} quote can become {allowed}, not {status}"}
        )
    moment = {"sent": "sent_at"}.get(status, "decided_at")
    columns = {"status": status, moment: tx.now}
    data = {"number": row["number"], "deal_id": row["deal_id"], "from": row["status"], "to": status}
    changes = update_record(
        tx, "quotes", "quote", row, columns, None, action="status_changed", data=data
    )
    _snapshot(tx, quote_id)
    refresh_revenue(tx, row["deal_id"])
    return changes


def refresh_revenue(tx: Tx, deal_id: int) -> None:
    """The deal's expected revenue from its accepted quote, or else its latest one."""
    row = tx.one(
        "SELECT net_cents FROM quotes WHERE deal_id = ? AND status != 'rejected'"
        " ORDER BY status = 'accepted' DESC, id DESC LIMIT 1",
        (deal_id,),
    )
    if row is None:
        return
    deal = deals.deal_row(tx.conn, deal_id)
    if deal["expected_revenue_cents"] != row["net_cents"]:
        amount = money.from_cents(row["net_cents"])
        deals.update_deal(tx, deal_id, {"expected_revenue": amount}, None)


def move_deal(tx: Tx, deal_id: int, stage_key: str | None, quote_id: int) -> StageOutcome:
    """Move the deal to ``stage_key`` unless it is there, further, or closed."""
    if stage_key is None:
        return StageOutcome("off")
    deal = deals.deal_row(tx.conn, deal_id)
    target = tx.one(
        "SELECT * FROM stages WHERE pipeline_id = ? AND key = ?", (deal["pipeline_id"], stage_key)
    )
    if target is None:
        return StageOutcome("no_stage", stage_key)
    current = tx.one("SELECT * FROM stages WHERE id = ?", (deal["stage_id"],))
    assert current is not None
    if deal["status"] != "open" or current["position"] >= target["position"]:
        return StageOutcome("unchanged", current["name"])
    return _guarded_move(tx, deal_id, target, quote_id)


def _guarded_move(tx: Tx, deal_id: int, target: sqlite3.Row, quote_id: int) -> StageOutcome:
    """The move inside its own savepoint: a refusal leaves the quote saved."""
    events = len(tx.events)
    tx.execute("SAVEPOINT quote_stage_move")
    try:
        deals.move_stage(tx, deal_id, target["key"], None, data={"quote_id": quote_id})
    except RelaisError as exc:
        tx.execute("ROLLBACK TO quote_stage_move")
        del tx.events[events:]
        if isinstance(exc, TransitionRefused):
            return StageOutcome(
                "needs_transition", target["name"], tuple(exc.transitions), exc.message
            )
        return StageOutcome("refused", target["name"], (), exc.message)
    finally:
        tx.execute("RELEASE quote_stage_move")
    return StageOutcome("moved", target["name"])


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
        "SELECT d.title, o.name AS org, o.address, c.name AS contact, c.email"
        " FROM deals d LEFT JOIN organisations o ON o.id = d.organisation_id"
        " LEFT JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?",
        (row["deal_id"],),
    ).fetchone()
    lines = tuple(
        _line_from_row(r)
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
        address=deal["address"],
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
    )


def _amount(cents: int) -> Decimal:
    value = money.from_cents(cents)
    assert value is not None
    return value


def _line_from_row(row: sqlite3.Row) -> PricedLine:
    return PricedLine(
        position=row["position"],
        code=row["code"],
        name=row["name"],
        description=row["description"],
        quantity=Decimal(row["quantity"]),
        list_price=_amount(row["list_price_cents"]),
        unit_net=_amount(row["unit_net_cents"]),
        list_total=_amount(row["list_total_cents"]),
        discount=_amount(row["discount_cents"]),
        net=_amount(row["net_cents"]),
        tax_rate=Decimal(row["tax_rate"]),
        tax=_amount(row["tax_cents"]),
        free=bool(row["free"]),
        source=Source(row["source"]),
        added_by=row["added_by"],
        price_rule=row["price_rule"],
        trace=tuple(TraceStep.from_json(s) for s in json.loads(row["trace"])),
        input=None if row["input"] is None else LineInput.from_json(json.loads(row["input"])),
    )


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
