"""Contacts and organisations, de-duplicated by normalised e-mail and domain."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.crm.records import ADDRESS_PARTS, PostalAddress
from engine.crm.versioning import record_created, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.claims import is_postgres, new_key
from engine.store.db import Tx
from engine.store.targets import ConcurrentUpdate
from engine.text.catalogue import Phrase, reason_of

# Mail providers whose domain says nothing about the sender's company.
PUBLIC_MAIL_DOMAINS = frozenset(
    (
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr",
        "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com", "me.com",
        "aol.com", "gmx.com", "gmx.fr", "gmx.de", "protonmail.com", "proton.me", "orange.fr",
        "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr",
        "club-internet.fr", "numericable.fr", "web.de", "yandex.com", "mail.com", "zoho.com",
    )
)  # fmt: skip
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 .\-()/]{6,25}$")


@dataclass(frozen=True, slots=True)
class EmailAddress:
    normalized: str
    key: str
    domain: str


def normalize_email(raw: str) -> EmailAddress:
    """Validate syntax (no DNS) and return the stored form and the matching key.

    The key is case-folded: mail providers treat local parts case-insensitively,
    so ``Jean.Dupont@X.fr`` and ``jean.dupont@x.fr`` are one contact.
    """
    # Imported on the first address read: its tables cost every command that reads none.
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return EmailAddress(valid.normalized, valid.normalized.casefold(), valid.domain.casefold())


def normalize_phone(raw: str) -> str:
    text = raw.strip()
    if not _PHONE_ALLOWED.match(text) or sum(ch.isdigit() for ch in text) < 6:
        raise ValueError(Phrase("value.not_a_phone", value=raw))
    return re.sub(r"\s+", " ", text)


def company_domain(email: EmailAddress) -> str | None:
    return None if email.domain in PUBLIC_MAIL_DOMAINS else email.domain


@dataclass(frozen=True, slots=True)
class ContactDraft:
    name: str = ""
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None
    address: PostalAddress | None = None  # the client's postal address (a devis prints it)


ADDRESS_PART_LENGTH = 200  # characters: a street of a few lines, never a document


def address_columns(address: PostalAddress | None) -> dict[str, str | None]:
    """The contacts columns of ``address``, each part trimmed (``None`` when empty).

    Raises ``ValidationFailed`` keyed by the part when one is longer than an envelope holds.
    """
    given = address or PostalAddress()
    parts: dict[str, str] = {part: getattr(given, part) for part in ADDRESS_PARTS}
    errors = {
        part: Phrase("contact.address_too_long", limit=ADDRESS_PART_LENGTH)
        for part, value in parts.items()
        if len(value.strip()) > ADDRESS_PART_LENGTH
    }
    if errors:
        raise ValidationFailed(errors)
    return {part: value.strip() or None for part, value in parts.items()}


def set_address(
    tx: Tx, contact_id: int, address: PostalAddress, expected_version: int | None = None
) -> bool:
    """Give the contact this postal address (every part; empty parts clear); whether it changed."""
    row = tx.one("SELECT * FROM contacts WHERE id = ?", (contact_id,))
    if row is None:
        raise NotFound("contact", contact_id)
    changed = update_record(
        tx, "contacts", "contact", row, address_columns(address), expected_version
    )
    return bool(changed)


def find_or_create_contact(tx: Tx, draft: ContactDraft) -> tuple[int, bool]:
    """Return ``(contact_id, created)``; an existing e-mail is reused, never duplicated."""
    email, phone, errors = _validated(draft)
    if errors:
        raise ValidationFailed(errors)
    if email is not None:
        row = tx.one("SELECT * FROM contacts WHERE email_key = ?", (email.key,))
        if row is not None:
            _complete(tx, row, draft, phone)
            return row["id"], False
    organisation_id = _organisation_for(tx, draft.organisation, email)
    name = draft.name.strip() or (email.normalized.split("@")[0] if email else "")
    if not name:
        raise ValidationFailed({"name": Phrase("contact.name_or_email_required")})
    columns = {
        "name": name,
        "email": email.normalized if email else None,
        "email_key": email.key if email else None,
        "phone": phone,
        "organisation_id": organisation_id,
        **address_columns(draft.address),
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    contact_id = _insert_new(tx, "contacts", columns, email.key if email else None)
    record_created(
        tx, "contact", contact_id, {k: v for k, v in columns.items() if k != "email_key"}
    )
    return contact_id, True


def _validated(draft: ContactDraft) -> tuple[EmailAddress | None, str | None, dict[str, str]]:
    errors: dict[str, str] = {}
    email = phone = None
    if draft.email:
        try:
            email = normalize_email(draft.email)
        except ValueError:
            errors["email"] = Phrase("value.bad_email", address=draft.email)
    if draft.phone:
        try:
            phone = normalize_phone(draft.phone)
        except ValueError as exc:
            errors["phone"] = reason_of(exc)
    return email, phone, errors


def _complete(tx: Tx, row: sqlite3.Row, draft: ContactDraft, phone: str | None) -> None:
    """Fill what an existing contact lacks; never overwrite what a rep typed."""
    columns: dict[str, object] = {}
    if phone and not row["phone"]:
        columns["phone"] = phone
    if draft.name.strip() and row["name"] == (row["email"] or "").split("@")[0]:
        columns["name"] = draft.name.strip()
    if draft.organisation and not row["organisation_id"]:
        columns["organisation_id"] = find_or_create_organisation(tx, draft.organisation, None)
    if draft.address and not any(row[part] for part in ADDRESS_PARTS):
        columns.update(address_columns(draft.address))
    if columns:
        update_record(tx, "contacts", "contact", row, columns, None)


def _organisation_for(tx: Tx, name: str | None, email: EmailAddress | None) -> int | None:
    domain = company_domain(email) if email else None
    if not name and not domain:
        return None
    return find_or_create_organisation(tx, name, domain)


def find_or_create_organisation(tx: Tx, name: str | None, domain: str | None) -> int:
    if domain:
        row = tx.one("SELECT id FROM organisations WHERE domain = ?", (domain,))
        if row is not None:
            return int(row["id"])
    clean = (name or "").strip()
    if clean:
        row = tx.one("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", (clean,))
        if row is not None:
            return int(row["id"])
    columns = {
        "name": clean or _name_from_domain(domain or ""),
        "domain": domain,
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    organisation_id = _insert_new(tx, "organisations", columns, domain, clean.lower() or None)
    record_created(tx, "organisation", organisation_id, columns)
    return organisation_id


def _insert_new(tx: Tx, table: str, columns: dict[str, Any], *keys: str | None) -> int:
    """Insert a contact or organisation this write found missing, by the ``keys`` it is
    found by (an e-mail key; a domain and a name).

    On PostgreSQL another writer may be creating the same record right now (two mails
    from one new company): it holds the keys (``new_key``) and this write steps back,
    to run again once it has committed. Or it committed after this write's snapshot
    began: the unique key refuses the second insert. Both are a race lost, not an
    error: the whole write runs again in a new snapshot, which finds the other's row.
    """
    for key in keys:
        if key:
            new_key(tx, f"{table}:{key}")
    try:
        return tx.insert(table, columns)
    except sqlite3.IntegrityError as exc:
        if not is_postgres(tx.conn):
            raise
        raise ConcurrentUpdate(str(exc)) from exc


def _name_from_domain(domain: str) -> str:
    label = domain.split(".")[0] if domain else "?"
    return label.replace("-", " ").title()


def update_contact(
    tx: Tx, contact_id: int, draft: ContactDraft, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    row = tx.one("SELECT * FROM contacts WHERE id = ?", (contact_id,))
    if row is None:
        raise NotFound("contact", contact_id)
    email, phone, errors = _validated(draft)
    if email is not None:
        other = tx.one(
            "SELECT id FROM contacts WHERE email_key = ? AND id != ?", (email.key, contact_id)
        )
        if other is not None:
            errors["email"] = Phrase("contact.email_taken", id=other["id"])
    if errors:
        raise ValidationFailed(errors)
    columns: dict[str, object] = {}
    if draft.name.strip():
        columns["name"] = draft.name.strip()
    if email is not None:
        columns.update(email=email.normalized, email_key=email.key)
    if phone is not None:
        columns["phone"] = phone
    if draft.organisation:
        columns["organisation_id"] = find_or_create_organisation(tx, draft.organisation, None)
    return update_record(tx, "contacts", "contact", row, columns, expected_version)
