"""A quote version as rows: the ``quotes`` row, its lines, and the lines read back.

Saving writes a new quote (numbered per year) or updates one, its lines
rewritten only when they changed; reading turns the stored lines back into
priced lines, traces included.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine import money
from engine.cpq.lines import LineInput, PricedLine, PricedQuote, Source, TraceStep, plain
from engine.crm.versioning import update_record
from engine.store.db import Tx


def columns(priced: PricedQuote, on: date, validity_days: int) -> dict[str, Any]:
    sums = priced.totals
    return {
        "status": "draft",
        "currency": priced.currency,
        "quote_date": on.isoformat(),
        "valid_until": (on + timedelta(days=validity_days)).isoformat(),
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


def event_data(number: str, deal_id: int, priced: PricedQuote) -> dict[str, Any]:
    return {
        "number": number,
        "deal_id": deal_id,
        "currency": priced.currency,
        "net": str(priced.totals.net),
        "total": str(priced.totals.total),
        "lines": len(priced.lines),
    }


def create(
    tx: Tx,
    deal_id: int,
    priced: PricedQuote,
    columns: dict[str, Any],
    on: date,
    prefix: str,
) -> int:
    sequence = 1 + int(
        tx.scalar("SELECT coalesce(max(sequence), 0) FROM quotes WHERE year = ?", (on.year,))
    )
    number = f"{prefix}-{on.year}-{sequence:04d}"
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
    write_lines(tx, quote_id, priced)
    changes = {
        "number": (None, number),
        "deal": (None, deal_id),
        "status": (None, "draft"),
        "net": (None, str(priced.totals.net)),
        "total": (None, str(priced.totals.total)),
        "lines": (None, len(priced.lines)),
    }
    tx.record(
        "quote", quote_id, "created", changes, version=1, data=event_data(number, deal_id, priced)
    )
    return quote_id


def update(tx: Tx, row: sqlite3.Row, priced: PricedQuote, columns: dict[str, Any]) -> bool:
    before = stored_lines(tx.conn, row["id"])
    after = line_rows(row["id"], priced)
    extra = {}
    if before != after:
        write_lines(tx, row["id"], priced)
        extra["lines"] = (len(before), len(after))  # how many lines, before and after
    data = event_data(row["number"], row["deal_id"], priced)
    changes = update_record(tx, "quotes", "quote", row, columns, None, data=data, extra=extra)
    return bool(changes)


LINE_COLUMNS = (
    "quote_id", "position", "code", "name", "description", "quantity", "list_price_cents",
    "unit_net_cents", "list_total_cents", "discount_cents", "net_cents", "tax_rate", "tax_cents",
    "free", "source", "added_by", "price_rule", "input", "trace",
)  # fmt: skip


def line_rows(quote_id: int, priced: PricedQuote) -> list[tuple[Any, ...]]:
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


def stored_lines(conn: sqlite3.Connection, quote_id: int) -> list[tuple[Any, ...]]:
    columns = ", ".join(LINE_COLUMNS)
    rows = conn.execute(
        f"SELECT {columns} FROM quote_lines WHERE quote_id = ? ORDER BY position", (quote_id,)
    )
    return [tuple(r) for r in rows]


def write_lines(tx: Tx, quote_id: int, priced: PricedQuote) -> None:
    tx.execute("DELETE FROM quote_lines WHERE quote_id = ?", (quote_id,))
    marks = ", ".join("?" for _ in LINE_COLUMNS)
    tx.conn.executemany(
        f"INSERT INTO quote_lines ({', '.join(LINE_COLUMNS)}) VALUES ({marks})",
        line_rows(quote_id, priced),
    )


def amount(cents: int) -> Decimal:
    value = money.from_cents(cents)
    assert value is not None
    return value


def line_from_row(row: sqlite3.Row) -> PricedLine:
    return PricedLine(
        position=row["position"],
        code=row["code"],
        name=row["name"],
        description=row["description"],
        quantity=Decimal(row["quantity"]),
        list_price=amount(row["list_price_cents"]),
        unit_net=amount(row["unit_net_cents"]),
        list_total=amount(row["list_total_cents"]),
        discount=amount(row["discount_cents"]),
        net=amount(row["net_cents"]),
        tax_rate=Decimal(row["tax_rate"]),
        tax=amount(row["tax_cents"]),
        free=bool(row["free"]),
        source=Source(row["source"]),
        added_by=row["added_by"],
        price_rule=row["price_rule"],
        trace=tuple(TraceStep.from_json(s) for s in json.loads(row["trace"])),
        input=None if row["input"] is None else LineInput.from_json(json.loads(row["input"])),
    )
