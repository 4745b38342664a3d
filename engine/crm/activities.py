"""Activities: to-dos and logged actions on a deal, a lead or a contact."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import clock
from engine.crm.users import user_id_or_error
from engine.crm.versioning import record_created, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled

KINDS = ("call", "meeting", "task", "email", "note")


@dataclass(frozen=True, slots=True)
class ActivityDraft:
    kind: str
    subject: str
    note: str = ""
    due_at: datetime | None = None
    done: bool = False
    owner: str | int | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None


def activity_row(conn: sqlite3.Connection, activity_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM activities WHERE id = ?", (activity_id,)
    ).fetchone()
    if row is None:
        raise NotFound("activity", activity_id)
    return row


def create_activity(tx: Tx, draft: ActivityDraft) -> int:
    errors: dict[str, str] = {}
    if draft.kind not in KINDS:
        errors["kind"] = Phrase("value.choose", choices=labelled(KINDS, "slack.kind_"))
    if not draft.subject.strip():
        errors["subject"] = Phrase("activity.subject_required")
    if not (draft.deal_id or draft.lead_id or draft.contact_id):
        errors["record"] = Phrase("activity.record_required")
    owner_id = tx.actor.user_id
    if draft.owner is not None:
        owner_id = user_id_or_error(tx.conn, draft.owner, errors, "owner")
    for name, table in (("deal_id", "deals"), ("lead_id", "leads"), ("contact_id", "contacts")):
        ref = getattr(draft, name)
        if ref is not None and not tx.one(f"SELECT 1 FROM {table} WHERE id = ?", (ref,)):
            errors[name] = Phrase("activity.no_record", ref=ref)
    if errors:
        raise ValidationFailed(errors)
    columns = {
        "kind": draft.kind, "subject": draft.subject.strip(), "note": draft.note,
        "due_at": clock.to_db(draft.due_at) if draft.due_at else None,
        "done": int(draft.done), "done_at": tx.now if draft.done else None,
        "owner_id": owner_id, "deal_id": draft.deal_id, "lead_id": draft.lead_id,
        "contact_id": draft.contact_id, "created_at": tx.now, "updated_at": tx.now,
    }  # fmt: skip
    activity_id = tx.insert("activities", columns)
    record_created(tx, "activity", activity_id, columns)
    return activity_id


def mark_done(
    tx: Tx, activity_id: int, expected_version: int | None, *, done: bool = True
) -> dict[str, tuple[Any, Any]]:
    row = activity_row(tx.conn, activity_id)
    columns = {"done": int(done), "done_at": tx.now if done else None}
    return update_record(tx, "activities", "activity", row, columns, expected_version)


def reschedule(
    tx: Tx, activity_id: int, due_at: datetime, expected_version: int | None
) -> dict[str, tuple[Any, Any]]:
    row = activity_row(tx.conn, activity_id)
    if row["done"]:
        raise ValidationFailed({"due_at": Phrase("activity.already_done")})
    columns = {"due_at": clock.to_db(due_at)}
    return update_record(tx, "activities", "activity", row, columns, expected_version)
