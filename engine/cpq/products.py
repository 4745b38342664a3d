"""The catalogue in the database: import (upsert by code), look-up and search.

Products are data that changes often (a supplier's price list, a CSV export),
so they live in the database; quotes keep their own snapshot of each line.
Products are never deleted, only made inactive, so old quotes stay readable.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine import money
from engine.cpq.catalogue import Product
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx, like_escaped
from engine.text.catalogue import Phrase

CHUNK = 500


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def product_from_row(row: sqlite3.Row) -> Product:
    price = money.from_cents(row["unit_price_cents"])
    assert price is not None
    return Product(
        code=row["code"],
        name=row["name"],
        unit_price=price,
        currency=row["currency"],
        tax_rate=Decimal(rate_text(Decimal(row["tax_rate"]))),  # "2E+1" of old rows: 20
        description=row["description"],
        active=bool(row["active"]),
        fields={k: Decimal(v) for k, v in json.loads(row["fields"]).items()},
    )


def rate_text(rate: Decimal) -> str:
    """A tax rate as people write it: ``20``, ``5.5`` — never ``2E+1`` nor ``20.00``.

    ``Decimal.normalize`` drops the trailing zeros but writes 20 as ``2E+1``;
    fixed-point formatting of the normalised value gives the plain digits.
    """
    return format(rate.normalize(), "f")


def _columns(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "description": product.description,
        "unit_price_cents": money.to_cents(product.unit_price),
        "currency": product.currency,
        "tax_rate": rate_text(product.tax_rate),
        "active": int(product.active),
        "fields": json.dumps({k: str(v) for k, v in sorted(product.fields.items())}),
    }


def import_products(tx: Tx, products: Iterable[Product]) -> ImportResult:
    """Create or update products by code; unchanged ones are left alone."""
    result = ImportResult([], [], [])
    for product in products:
        _check_cents(product)
        row = tx.one("SELECT * FROM products WHERE code = ?", (product.code,))
        columns = _columns(product)
        if row is None:
            _create(tx, product.code, columns)
            result.created.append(product.code)
        elif _update(tx, row, columns):
            result.updated.append(product.code)
        else:
            result.unchanged.append(product.code)
    return result


def _check_cents(product: Product) -> None:
    if product.unit_price != money.quantize(product.unit_price):
        too_precise = Phrase("product.too_precise", price=str(product.unit_price))
        raise ValidationFailed({product.code: too_precise})


def _create(tx: Tx, code: str, columns: dict[str, Any]) -> None:
    values = {"code": code, **columns, "created_at": tx.now, "updated_at": tx.now}
    product_id = tx.insert("products", values)
    changes = {"code": (None, code), "name": (None, columns["name"])}
    changes["unit_price"] = (None, str(money.from_cents(columns["unit_price_cents"])))
    tx.record("product", product_id, "created", changes, version=1)


def _update(tx: Tx, row: sqlite3.Row, columns: dict[str, Any]) -> bool:
    changed = {name: value for name, value in columns.items() if row[name] != value}
    if not changed:
        return False
    version = row["version"] + 1
    tx.update("products", row["id"], {**changed, "updated_at": tx.now, "version": version})
    changes = {
        name.removesuffix("_cents"): (_shown(name, row[name]), _shown(name, value))
        for name, value in changed.items()
    }
    tx.record("product", row["id"], "updated", changes, version=version)
    return True


def _shown(column: str, value: Any) -> Any:
    return str(money.from_cents(value)) if column.endswith("_cents") else value


def load_products(conn: sqlite3.Connection, codes: Iterable[str]) -> dict[str, Product]:
    """The products with these codes (inactive ones included), in one query per 500."""
    wanted = sorted(set(codes))
    found: dict[str, Product] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT * FROM products WHERE code IN ({marks})", chunk):
            found[row["code"]] = product_from_row(row)
    return found


def get_product(conn: sqlite3.Connection, code: str) -> Product:
    row = conn.execute("SELECT * FROM products WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise NotFound("product", code)
    return product_from_row(row)


def search_products(conn: sqlite3.Connection, text: str, limit: int = 25) -> list[Product]:
    """Active products whose code or name contains ``text``; codes starting with it first.

    Made for Slack's external select: a large catalogue is searched, never listed.
    """
    needle = like_escaped(text.strip())
    rows = conn.execute(
        "SELECT * FROM products WHERE active = 1"
        " AND (code LIKE :any ESCAPE '\\' OR name LIKE :any ESCAPE '\\')"
        " ORDER BY code NOT LIKE :prefix ESCAPE '\\', name COLLATE NOCASE, code LIMIT :limit",
        {"any": f"%{needle}%", "prefix": f"{needle}%", "limit": limit},
    )
    return [product_from_row(row) for row in rows]


def count_products(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM products WHERE active = 1").fetchone()[0])
