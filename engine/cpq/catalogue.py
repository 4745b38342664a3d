"""The product catalogue: what can be quoted, at which list price and tax rate.

Pure data, no I/O: a :class:`Product` is a frozen dataclass, a catalogue is a
``Mapping[str, Product]`` keyed by product code. :func:`parse_products_csv`
reads a spreadsheet export; every error names its row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from engine.money import LIMIT, TOO_LARGE, typed_decimal
from engine.text.catalogue import Phrase

Catalogue = Mapping[str, "Product"]

CSV_COLUMNS = ("code", "name", "description", "unit_price", "currency", "tax_rate", "active")
REQUIRED_COLUMNS = ("code", "name", "unit_price")


@dataclass(frozen=True, slots=True)
class Product:
    """A catalogue item. ``tax_rate`` is a percentage (``5.5`` for 5.5 %).

    ``fields`` holds the product's custom numeric fields (number, decimal or
    percentage), e.g. ``{"set_of": Decimal(3)}``: the configurator can read a
    dynamic quantity from them.
    """

    code: str
    name: str
    unit_price: Decimal
    currency: str = "EUR"
    tax_rate: Decimal = Decimal("20")
    description: str = ""
    active: bool = True
    fields: dict[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise ValueError(Phrase("config.problem.product_code"))
        if self.unit_price < 0:
            raise ValueError(self._refused("config.problem.product_negative"))
        if self.unit_price >= LIMIT:
            raise ValueError(Phrase("config.problem.product", code=self.code, reason=TOO_LARGE))
        if not 0 <= self.tax_rate <= 100:
            raise ValueError(self._refused("config.problem.product_tax_rate"))

    def _refused(self, key: str) -> str:
        """``product CODE: reason``, each in the reader's language (a ``Phrase``)."""
        return Phrase("config.problem.product", code=self.code, reason=Phrase(key))

    def number(self, name: str) -> Decimal | None:
        """A custom numeric field, or ``None`` when the product does not have it."""
        return self.fields.get(name)


class CsvError(ValueError):
    """A CSV file that cannot be imported; ``errors`` lists ``(row, column, reason)``."""

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        self.errors = errors
        lines = "; ".join(f"row {row}, {column}: {reason}" for row, column, reason in errors[:20])
        super().__init__(f"{len(errors)} error(s): {lines}")


def parse_decimal(text: str | int | Decimal) -> Decimal:
    """A number as people type it: ``12.5``, ``12,5``, ``1 234,50``, ``5,5 %``."""
    if isinstance(text, Decimal | int):
        return Decimal(text)
    cleaned = "".join(ch for ch in text if ch not in " \u202f\xa0%€$")
    return typed_decimal(text, cleaned, "amount.what_number")


def parse_products_csv(text: str) -> list[Product]:
    """Products from CSV text (``,`` or ``;`` separated, header row first).

    Columns: ``code``, ``name``, ``unit_price`` (required), ``description``,
    ``currency``, ``tax_rate``, ``active``; any other column is a custom
    numeric field (an empty cell means the product does not have it).
    """
    dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CsvError([(1, name, "missing column") for name in missing])
    products: list[Product] = []
    errors: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        product = _product_from_row(row, number, errors)
        if product is None:
            continue
        if product.code in seen:
            errors.append((number, "code", f"{product.code} already on row {seen[product.code]}"))
            continue
        seen[product.code] = number
        products.append(product)
    if errors:
        raise CsvError(errors)
    return products


def _product_from_row(
    row: dict[str, str], number: int, errors: list[tuple[int, str, str]]
) -> Product | None:
    before = len(errors)
    values: dict[str, Decimal] = {}
    for column in ("unit_price", "tax_rate"):
        if row.get(column):
            try:
                values[column] = parse_decimal(row[column])
            except ValueError as exc:
                errors.append((number, column, str(exc)))
    custom = _custom_fields(row, number, errors)
    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            errors.append((number, column, "required"))
    if len(errors) > before:
        return None
    try:
        return Product(
            code=row["code"],
            name=row["name"],
            unit_price=values["unit_price"],
            currency=(row.get("currency") or "EUR").upper(),
            tax_rate=values.get("tax_rate", Decimal("20")),
            description=row.get("description", ""),
            active=_active(row.get("active", "")),
            fields=custom,
        )
    except ValueError as exc:
        errors.append((number, "unit_price", str(exc)))
        return None


def _custom_fields(
    row: dict[str, str], number: int, errors: list[tuple[int, str, str]]
) -> dict[str, Decimal]:
    custom: dict[str, Decimal] = {}
    for column, cell in row.items():
        if column in CSV_COLUMNS or not column or not cell:
            continue
        try:
            custom[column] = parse_decimal(cell)
        except ValueError as exc:
            errors.append((number, column, f"custom fields are numeric: {exc}"))
    return custom


def _active(text: str) -> bool:
    return text.strip().lower() not in ("0", "false", "no", "non", "n", "inactive")
