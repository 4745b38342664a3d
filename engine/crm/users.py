"""Users: the reps, managers and admins who work the pipeline."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine import clock
from engine.crm.contacts import normalize_email
from engine.crm.records import User
from engine.crm.versioning import record_created, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase

ROLES = ("admin", "manager", "rep")
LOCALES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class UserDraft:
    name: str
    email: str | None = None
    slack_id: str | None = None
    role: str = "rep"
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    manager: str | None = None


def _validate(draft: UserDraft) -> tuple[str | None, dict[str, str]]:
    errors: dict[str, str] = {}
    email = None
    if draft.email:
        try:
            email = normalize_email(draft.email).normalized.casefold()
        except ValueError as exc:
            errors["email"] = str(exc)
    if not draft.email and not draft.slack_id:
        errors["email"] = Phrase("user.email_or_slack_required")
    if draft.role not in ROLES:
        errors["role"] = Phrase("value.one_of", choices=ROLES)
    if draft.locale not in LOCALES:
        errors["locale"] = Phrase("value.one_of", choices=LOCALES)
    try:
        clock.zone(draft.timezone)
    except ValueError:
        errors["timezone"] = Phrase("value.unknown_timezone", name=repr(draft.timezone))
    return email, errors


def upsert_user(tx: Tx, draft: UserDraft) -> tuple[int, bool]:
    """Create the user or update the one with the same Slack id or e-mail."""
    email, errors = _validate(draft)
    manager_id = None
    if draft.manager:
        manager_id = user_id_or_error(tx.conn, draft.manager, errors, "manager")
    if errors:
        raise ValidationFailed(errors)
    columns = {
        "name": draft.name,
        "email": email,
        "slack_id": draft.slack_id,
        "role": draft.role,
        "locale": draft.locale,
        "timezone": draft.timezone,
        "manager_id": manager_id,
    }
    row = _existing(tx, draft.slack_id, email)
    if row is not None:
        merged = {k: v for k, v in columns.items() if v is not None or k == "manager_id"}
        update_record(tx, "users", "user", row, merged, None)
        return row["id"], False
    user_id = tx.insert("users", {**columns, "created_at": tx.now, "updated_at": tx.now})
    record_created(tx, "user", user_id, columns)
    return user_id, True


def _existing(tx: Tx, slack_id: str | None, email: str | None) -> sqlite3.Row | None:
    if slack_id:
        row = tx.one("SELECT * FROM users WHERE slack_id = ?", (slack_id,))
        if row is not None:
            return row
    if email:
        return tx.one("SELECT * FROM users WHERE email = ?", (email,))
    return None


def user_id_or_error(
    conn: sqlite3.Connection, ref: str | int, errors: dict[str, str], field: str
) -> int | None:
    """The id of the user ``ref`` names; None, with ``errors[field]`` said, if none."""
    row = find_user_row(conn, ref)
    if row is None:
        errors[field] = Phrase("user.unknown", user=str(ref))
        return None
    return int(row["id"])


def find_user_row(conn: sqlite3.Connection, ref: str | int) -> sqlite3.Row | None:
    """A user by id, Slack id or e-mail (any case)."""
    if isinstance(ref, int) or str(ref).isdigit():
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM users WHERE id = ?", (int(ref),)
        ).fetchone()
        return row
    text = str(ref).strip()
    row = conn.execute(
        "SELECT * FROM users WHERE slack_id = ? OR email = ?", (text, text.casefold())
    ).fetchone()
    return row


def get_user(conn: sqlite3.Connection, ref: str | int) -> User:
    row = find_user_row(conn, ref)
    if row is None:
        raise NotFound("user", ref)
    return User.from_row(row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [User.from_row(r) for r in conn.execute("SELECT * FROM users ORDER BY id")]
