"""Leads: unqualified interest, qualified or disqualified, converted into deals."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from engine.blueprints import lead_model as lead_blueprints
from engine.crm.contacts import ContactDraft, find_or_create_contact, find_or_create_organisation
from engine.crm.deals import DealDraft, create_deal
from engine.crm.users import find_user_row, user_id_or_error
from engine.crm.versioning import check_version, record_created, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled

STATUSES = ("new", "contacted", "qualified", "disqualified", "converted")
# Which status a lead may go to from which; converted is final.
NEXT = {
    "new": {"contacted", "qualified", "disqualified"},
    "contacted": {"new", "qualified", "disqualified"},
    "qualified": {"contacted", "disqualified"},
    "disqualified": {"new", "contacted", "qualified"},
    "converted": set(),
}


@dataclass(frozen=True, slots=True)
class LeadDraft:
    title: str
    contact: ContactDraft | None = None
    organisation: str | None = None
    owner: str | int | None = None
    note: str = ""
    origin: str | None = None
    campaign: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def lead_row(conn: sqlite3.Connection, lead_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM leads WHERE id = ?", (lead_id,)
    ).fetchone()
    if row is None:
        raise NotFound("lead", lead_id)
    return row


def create_lead(tx: Tx, draft: LeadDraft) -> int:
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = Phrase("lead.title_required")
    contact_id = organisation_id = owner_id = None
    if draft.contact is not None and (draft.contact.email or draft.contact.name):
        try:
            contact_id, _ = find_or_create_contact(tx, draft.contact)
        except ValidationFailed as exc:
            errors.update({f"contact.{k}": v for k, v in exc.errors.items()})
    if draft.owner is not None:
        owner_id = user_id_or_error(tx.conn, draft.owner, errors, "owner")
    if errors:
        raise ValidationFailed(errors)
    if draft.organisation:
        organisation_id = find_or_create_organisation(tx, draft.organisation, None)
    elif contact_id is not None:
        organisation_id = tx.scalar(
            "SELECT organisation_id FROM contacts WHERE id = ?", (contact_id,)
        )
    columns = {
        "title": draft.title.strip(), "contact_id": contact_id,
        "organisation_id": organisation_id, "owner_id": owner_id, "note": draft.note,
        "origin": draft.origin, "campaign": draft.campaign, "custom": json.dumps(draft.custom),
        "created_at": tx.now, "updated_at": tx.now,
    }  # fmt: skip
    lead_id = tx.insert("leads", {**columns, "status_changed_at": tx.now})
    record_created(tx, "lead", lead_id, columns)
    return lead_id


def set_status(
    tx: Tx, lead_id: int, status: str, expected_version: int | None, *, reason: str | None = None
) -> dict[str, tuple[Any, Any]]:
    row = lead_row(tx.conn, lead_id)
    check_version(tx, "lead", row, expected_version)
    if status not in STATUSES or status == "converted":
        choices = labelled(STATUSES[:-1], "lead_status.")
        raise ValidationFailed({"status": Phrase("value.choose", choices=choices)})
    if status != row["status"] and status not in NEXT[row["status"]]:
        was, wanted = labelled((row["status"], status), "lead_status.")
        raise ValidationFailed({"status": Phrase("lead.cannot_become", status=was, wanted=wanted)})
    if status == "disqualified" and not (reason or "").strip():
        raise ValidationFailed({"reason": Phrase("lead.disqualify_reason_required")})
    lead_blueprints.refuse_free_status(tx, row, status)
    columns = {"status": status, "disqualify_reason": reason if status == "disqualified" else None}
    return update_record(tx, "leads", "lead", row, status_columns(tx, row, columns), None)


def status_columns(tx: Tx, row: sqlite3.Row, columns: dict[str, Any]) -> dict[str, Any]:
    """``columns``, plus the moment the status changed when they change it."""
    if columns.get("status", row["status"]) == row["status"]:
        return columns
    return {**columns, "status_changed_at": tx.now}


def assign(
    tx: Tx, lead_id: int, owner: str | int, expected_version: int | None
) -> dict[str, tuple[Any, Any]]:
    row = lead_row(tx.conn, lead_id)
    user = find_user_row(tx.conn, owner)
    if user is None:
        raise ValidationFailed({"owner": Phrase("user.unknown", user=str(owner))})
    return update_record(tx, "leads", "lead", row, {"owner_id": user["id"]}, expected_version)


def convert(
    tx: Tx,
    lead_id: int,
    expected_version: int | None,
    *,
    pipeline: str | None = None,
    title: str | None = None,
    expected_revenue: str | None = None,
) -> int:
    """Open a deal from the lead, reusing its contact and organisation."""
    row = lead_row(tx.conn, lead_id)
    check_version(tx, "lead", row, expected_version)
    lead_blueprints.refuse_free_convert(tx, row)
    return open_deal(tx, row, pipeline=pipeline, title=title, expected_revenue=expected_revenue)


def open_deal(
    tx: Tx,
    row: sqlite3.Row,
    *,
    pipeline: str | None = None,
    title: str | None = None,
    expected_revenue: str | None = None,
    also: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """The conversion itself (no gate): the deal, then the lead marked converted."""
    lead_id = row["id"]
    if row["status"] in ("converted", "disqualified"):
        was = labelled((row["status"],), "lead_status.")[0]
        raise ValidationFailed({"status": Phrase("lead.cannot_convert", status=was)})
    deal_id = create_deal(
        tx,
        DealDraft(
            title=title or row["title"],
            pipeline=pipeline,
            owner=row["owner_id"] or tx.actor.user_id,
            expected_revenue=expected_revenue,
            origin=row["origin"],
            campaign=row["campaign"],
            lead_id=lead_id,
            custom=json.loads(row["custom"]),
        ),
    )
    tx.execute(
        "UPDATE deals SET contact_id = ?, organisation_id = ? WHERE id = ?",
        (row["contact_id"], row["organisation_id"], deal_id),
    )
    tx.execute("UPDATE activities SET deal_id = ? WHERE lead_id = ?", (deal_id, lead_id))
    columns = {**(also or {}), "status": "converted", "deal_id": deal_id}
    update_record(
        tx, "leads", "lead", row, status_columns(tx, row, columns), None,
        action="converted", data={"deal_id": deal_id, **(data or {})},
    )  # fmt: skip
    return deal_id
