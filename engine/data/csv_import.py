"""CSV import of contacts and deals: every row validated, bad rows reported, the rest kept.

Headers are matched case- and accent-insensitively, in English or French
(``email``/``courriel``, ``téléphone``, ``société``, ``titre``…); the delimiter
is a comma, a semicolon or a tab (French spreadsheets write semicolons). A
cell that ``run.py export`` protected from spreadsheets (``'=…``) is read
without its quote.

Each row is written with the engine's own functions
(:func:`~engine.contacts.find_or_create_contact`, :func:`~engine.deals.create_deal`)
inside its own SAVEPOINT: a refused row is rolled back and reported with its
line number and each field's reason, the others are imported. Rows go to the
writer in batches (one ``Database.write`` per :data:`BATCH_SIZE` rows), so a
10,000-row file is a few dozen commits, not 10,000.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Literal, NamedTuple, TextIO, TypeVar

from engine.actors import Actor
from engine.clock import utcnow
from engine.crm.contacts import ContactDraft, find_or_create_contact
from engine.crm.deals import DealDraft, create_deal
from engine.crm.records import ADDRESS_PARTS, PostalAddress
from engine.data.csv_cells import restored
from engine.errors import NotFound, RelaisError, ValidationFailed
from engine.store.db import Database, Tx
from engine.text import typed
from engine.text.catalogue import Phrase, labelled, reason_of

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

Entity = Literal["contacts", "deals"]
T = TypeVar("T")
BATCH_SIZE = 200

# The postal address of a contact (docs/data.md): street (lines), postcode, city, country.
ADDRESS_HEADERS = {
    "street": "street", "address": "street", "adresse": "street", "rue": "street",
    "adresse_postale": "street", "postal_address": "street",
    "postcode": "postcode", "postal_code": "postcode", "zip": "postcode",
    "zip_code": "postcode", "code_postal": "postcode", "cp": "postcode",
    "city": "city", "town": "city", "ville": "city", "commune": "city",
    "country": "country", "pays": "country",
}  # fmt: skip
# Normalised header (see _normalise) → field. Several spellings, one field.
HEADERS: dict[str, dict[str, str]] = {
    "contacts": {
        "name": "name", "nom": "name", "full_name": "name", "nom_complet": "name",
        "email": "email", "e_mail": "email", "mail": "email", "courriel": "email",
        "phone": "phone", "telephone": "phone", "tel": "phone", "phone_number": "phone",
        "organisation": "organisation", "organization": "organisation",
        "company": "organisation", "societe": "organisation", "entreprise": "organisation",
        **ADDRESS_HEADERS,
    },
    "deals": {
        "title": "title", "titre": "title",
        "contact_email": "contact_email", "email": "contact_email", "e_mail": "contact_email",
        "courriel": "contact_email", "email_contact": "contact_email",
        "contact_name": "contact_name", "contact": "contact_name", "nom_contact": "contact_name",
        "nom_du_contact": "contact_name",
        "contact_phone": "contact_phone", "phone": "contact_phone",
        "telephone": "contact_phone", "tel": "contact_phone",
        "organisation": "organisation", "organization": "organisation",
        "company": "organisation", "societe": "organisation", "entreprise": "organisation",
        "expected_revenue": "expected_revenue", "revenue": "expected_revenue",
        "revenu": "expected_revenue", "revenu_attendu": "expected_revenue",
        "montant": "expected_revenue", "amount": "expected_revenue",
        "budget": "budget",
        "priority": "priority", "priorite": "priority",
        "stage": "stage", "etape": "stage",
        "pipeline": "pipeline",
        "owner": "owner", "responsable": "owner", "commercial": "owner",
        "expected_close": "expected_close", "close_date": "expected_close",
        "cloture": "expected_close", "date_de_cloture": "expected_close",
        "date_cloture": "expected_close", "cloture_prevue": "expected_close",
        "origin": "origin", "origine": "origin", "source": "origin",
        "campaign": "campaign", "campagne": "campaign",
        **ADDRESS_HEADERS,  # the contact's postal address (a private client's, for the devis)
    },
}  # fmt: skip
# A file must have one of these columns.
REQUIRED: dict[str, tuple[str, ...]] = {"contacts": ("name", "email"), "deals": ("title",)}
# The engine names a deal's contact fields contact.x; the file calls them contact_x.
_FIELD_NAMES = {
    "contact.email": "contact_email",
    "contact.name": "contact_name",
    "contact.phone": "contact_phone",
    "contact.organisation": "organisation",
}


class Rejection(NamedTuple):
    """A refused row: its line in the file and each field's reason."""

    line: int
    errors: dict[str, str]


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(slots=True)
class ImportReport:
    entity: str
    created: int = 0
    existing: int = 0  # rows that matched a contact already there (same e-mail): reused
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return self.created + self.existing

    @property
    def rows(self) -> int:
        return self.imported + len(self.rejected)

    def add(self, other: ImportReport) -> None:
        self.created += other.created
        self.existing += other.existing
        self.rejected.extend(other.rejected)


@dataclass(frozen=True, slots=True)
class CsvFile:
    rows: list[Row]
    rejected: list[Rejection]
    ignored_columns: list[str]


# -- reading ------------------------------------------------------------------


def read_csv(entity: Entity, stream: TextIO) -> CsvFile:
    """Parse the file and map its columns; a bad header refuses the whole file."""
    text = stream.read()
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationFailed({"header": Phrase("import.empty_file")})
        columns, ignored = _map_header(entity, header)
        rows, rejected = _rows(reader, columns)
    except csv.Error as exc:
        raise ValidationFailed({"file": Phrase("import.bad_line", line=reader.line_num)}) from exc
    return CsvFile(rows, rejected, ignored)


def _rows(reader: CsvReader, columns: list[str | None]) -> tuple[list[Row], list[Rejection]]:
    """The data rows, each with the line it starts on (a quoted cell may span lines)."""
    rows: list[Row] = []
    rejected: list[Rejection] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(columns) :]):
            reason = f"{len(cells)} cells but the header has {len(columns)} columns"
            rejected.append(Rejection(start, {"row": reason}))
            continue
        values = {
            name: restored(cell).strip()  # a cell Relais exported as '=… reads back as =…
            for name, cell in zip(columns, cells, strict=False)
            if name
        }
        rows.append(Row(start, values))
    return rows, rejected


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _normalise(header: str) -> str:
    """``" Téléphone "`` → ``telephone``; ``E-mail`` → ``e_mail``."""
    decomposed = unicodedata.normalize("NFKD", header.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _map_header(entity: Entity, header: list[str]) -> tuple[list[str | None], list[str]]:
    aliases = HEADERS[entity]
    columns: list[str | None] = []
    seen: dict[str, str] = {}
    ignored: list[str] = []
    errors: dict[str, str] = {}
    for title in header:
        name = aliases.get(_normalise(title))
        if name is None:
            if title.strip():
                ignored.append(title)
        elif name in seen:
            field = labelled((name,), "field.")[0]
            errors[name] = Phrase("import.same_column", first=seen[name], second=title, field=field)
        else:
            seen[name] = title
        columns.append(name)
    if not any(name in seen for name in REQUIRED[entity]):
        wanted = labelled(REQUIRED[entity], "field.")
        errors["header"] = Phrase("import.no_column", wanted=wanted, headers=header)
    if errors:
        raise ValidationFailed(errors)
    return columns, ignored


# -- writing ------------------------------------------------------------------


def import_batch(
    tx: Tx, entity: Entity, rows: Sequence[Row], *, dry_run: bool = False
) -> ImportReport:
    """Write ``rows`` (one SAVEPOINT each); with ``dry_run``, roll everything back."""
    report = ImportReport(entity, dry_run=dry_run)
    write = _WRITERS[entity]
    events = len(tx.events)
    if dry_run:
        tx.execute("SAVEPOINT dry_run")
    for row in rows:
        _import_row(tx, write, row, report)
    if dry_run:
        tx.execute("ROLLBACK TO dry_run")
        tx.execute("RELEASE dry_run")
        del tx.events[events:]
    return report


def _import_row(
    tx: Tx, write: Callable[[Tx, dict[str, str]], bool], row: Row, report: ImportReport
) -> None:
    events = len(tx.events)
    tx.execute("SAVEPOINT row")
    try:
        created = write(tx, row.values)
    except (RelaisError, ValueError, sqlite3.IntegrityError) as exc:
        tx.execute("ROLLBACK TO row")
        tx.execute("RELEASE row")
        del tx.events[events:]  # nothing of a refused row is announced
        report.rejected.append(Rejection(row.line, _reasons(exc)))
        return
    tx.execute("RELEASE row")
    if created:
        report.created += 1
    else:
        report.existing += 1


def _reasons(exc: Exception) -> dict[str, str]:
    if isinstance(exc, ValidationFailed):
        return {_FIELD_NAMES.get(name, name): reason for name, reason in exc.errors.items()}
    if isinstance(exc, NotFound):
        return {exc.entity: exc.message}
    if isinstance(exc, RelaisError):
        return {"row": exc.message}
    return {"row": str(exc)}


def _optional(values: dict[str, str], name: str) -> str | None:
    return values.get(name) or None


def _address(values: dict[str, str]) -> PostalAddress | None:
    """The row's postal address columns; ``None`` when it has none."""
    address = PostalAddress(*(values.get(part, "") for part in ADDRESS_PARTS))
    return address or None


def write_contact(tx: Tx, values: dict[str, str]) -> bool:
    """One contact row; returns whether a contact was created (else one was reused)."""
    draft = ContactDraft(
        name=values.get("name", ""),
        email=_optional(values, "email"),
        phone=_optional(values, "phone"),
        organisation=_optional(values, "organisation"),
        address=_address(values),
    )
    _, created = find_or_create_contact(tx, draft)
    return created


def write_deal(tx: Tx, values: dict[str, str]) -> bool:
    """One deal row, with its contact found or created; every field's error at once."""
    errors: dict[str, str] = {}
    priority = _parsed(errors, "priority", _priority, values.get("priority", ""))
    close = _parsed(errors, "expected_close", _day, values.get("expected_close", ""))
    get = partial(_optional, values)
    contact = ContactDraft(
        name=values.get("contact_name", ""),
        email=get("contact_email"),
        phone=get("contact_phone"),
        organisation=get("organisation"),
        address=_address(values),
    )
    draft = DealDraft(
        title=values.get("title", ""), contact=contact, organisation=get("organisation"),
        owner=get("owner"), pipeline=get("pipeline"), stage=get("stage"),
        expected_revenue=get("expected_revenue"), budget=get("budget"), priority=priority or 0,
        expected_close=close, origin=get("origin"), campaign=get("campaign"),
    )  # fmt: skip
    try:
        create_deal(tx, draft)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    return True


def _parsed(
    errors: dict[str, str], name: str, parse: Callable[[str], T | None], text: str
) -> T | None:
    try:
        return parse(text)
    except ValueError as exc:
        errors[name] = reason_of(exc)
        return None


def _priority(text: str) -> int | None:
    """``2``, ``**`` or ``★★``: zero to three stars."""
    text = text.strip()
    if not text:
        return None
    if set(text) <= {"*", "★"}:
        stars = len(text)
    elif text.isdigit():
        stars = int(text)
    else:
        stars = -1
    if not 0 <= stars <= 3:
        raise ValueError(Phrase("import.priority", value=text))
    return stars


def _day(text: str) -> date | None:
    """``2026-12-15`` or, as French spreadsheets write it, ``15/12/2026``."""
    text = text.strip()
    if not text:
        return None
    try:  # the one reader of typed days (engine.text.typed), day first
        return typed.day(text, utcnow().date())
    except ValueError:
        raise ValueError(Phrase("import.not_a_day", value=text)) from None


_WRITERS: dict[str, Callable[[Tx, dict[str, str]], bool]] = {
    "contacts": write_contact,
    "deals": write_deal,
}


# -- the whole file -----------------------------------------------------------


async def import_csv(
    db: Database,
    entity: Entity,
    stream: TextIO,
    actor: Actor,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CSV file of ``entity``; refused rows are in ``report.rejected``.

    A dry run validates every row in one transaction that is rolled back, so
    that later rows see earlier ones (a repeated e-mail is "existing") and
    nothing is written.
    """
    parsed = read_csv(entity, stream)
    report = ImportReport(entity, rejected=list(parsed.rejected), dry_run=dry_run)
    report.ignored_columns = parsed.ignored_columns
    size = max(len(parsed.rows), 1) if dry_run else batch_size
    for start in range(0, len(parsed.rows), size):
        batch = parsed.rows[start : start + size]
        job = partial(import_batch, entity=entity, rows=batch, dry_run=dry_run)
        report.add(await db.write(job, actor))
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report
