"""Deals (opportunities): creation, edits, stage moves, closing, archiving."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from engine import money
from engine.blueprints.gate import refuse_free_move
from engine.clock import utcnow
from engine.crm.contacts import ContactDraft, find_or_create_contact, find_or_create_organisation
from engine.crm.pipelines import pipeline_row, stage_row
from engine.crm.projects import save_answers
from engine.crm.users import find_user_row
from engine.crm.versioning import check_version, record_created, update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text import typed
from engine.text.catalogue import Phrase, reason_of

EDITABLE = (
    "title", "owner", "expected_revenue", "budget", "priority", "probability",
    "expected_close", "origin", "campaign", "referred_by", "project_template", "custom",
    "archived", "contact", "organisation",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DealDraft:
    """What a person or a mail supplies to open a deal; text values are parsed here."""

    title: str
    contact: ContactDraft | None = None
    organisation: str | None = None
    owner: str | int | None = None
    pipeline: str | None = None
    stage: str | None = None
    expected_revenue: str | Decimal | None = None
    budget: str | Decimal | None = None
    priority: int | str = 0
    expected_close: str | date | None = None
    origin: str | None = None
    campaign: str | None = None
    referred_by: str | None = None
    project_template: str | None = None
    lead_id: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def deal_row(conn: sqlite3.Connection, deal_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM deals WHERE id = ?", (deal_id,)
    ).fetchone()
    if row is None:
        raise NotFound("deal", deal_id)
    return row


def create_deal(tx: Tx, draft: DealDraft) -> int:
    return int(insert_deal(tx, draft)["id"])


def insert_deal(tx: Tx, draft: DealDraft) -> sqlite3.Row:
    """A new deal, checked; its row as stored (defaults included), read in the same
    statement as the insert: a new deal has no project answers, nothing else to read."""
    errors: dict[str, str] = {}
    columns = _parse_fields(tx, _draft_values(draft), errors)
    if not draft.title.strip():
        errors["title"] = Phrase("deal.title_required")
    pipeline = stage = None
    try:
        pipeline = pipeline_row(tx, draft.pipeline)
        stage = _initial_stage(tx, pipeline["id"], draft.stage)
    except NotFound as exc:
        errors["stage" if pipeline is not None else "pipeline"] = exc.message
    contact_id = _contact(tx, draft, errors)
    if errors:
        raise ValidationFailed(errors)
    assert pipeline is not None and stage is not None
    if draft.organisation and "organisation_id" not in columns:
        columns["organisation_id"] = find_or_create_organisation(tx, draft.organisation, None)
    if contact_id is not None and "organisation_id" not in columns:
        columns["organisation_id"] = tx.scalar(
            "SELECT organisation_id FROM contacts WHERE id = ?", (contact_id,)
        )
    if "owner_id" not in columns and tx.actor.user_id is not None:
        columns["owner_id"] = tx.actor.user_id
    if stage["outcome"] is not None:
        raise ValidationFailed({"stage": Phrase("deal.closed_start")})
    if "custom" in columns:
        columns["custom"] = json.dumps(columns["custom"])
    columns.update(
        title=draft.title.strip(),
        pipeline_id=pipeline["id"],
        stage_id=stage["id"],
        contact_id=contact_id,
        currency=pipeline["currency"],
        probability=columns.get("probability", stage["probability"]),
        lead_id=draft.lead_id,
        stage_entered_at=tx.now,
        created_at=tx.now,
        updated_at=tx.now,
    )
    row = tx.insert_row("deals", columns)
    record_created(tx, "deal", row["id"], columns, data={"stage": stage["name"]})
    return row


def _draft_values(draft: DealDraft) -> dict[str, Any]:
    values = {
        "owner": draft.owner, "expected_revenue": draft.expected_revenue, "budget": draft.budget,
        "priority": draft.priority, "expected_close": draft.expected_close,
        "origin": draft.origin, "campaign": draft.campaign, "referred_by": draft.referred_by,
        "project_template": draft.project_template, "custom": draft.custom or None,
    }  # fmt: skip
    return {k: v for k, v in values.items() if v is not None}


def _initial_stage(tx: Tx, pipeline_id: int, ref: str | None) -> sqlite3.Row:
    if ref:
        return stage_row(tx, pipeline_id, ref)
    row = tx.one(
        "SELECT * FROM stages WHERE pipeline_id = ? AND outcome IS NULL ORDER BY position LIMIT 1",
        (pipeline_id,),
    )
    if row is None:
        raise NotFound("stage", "first open stage")
    return row


def _contact(tx: Tx, draft: DealDraft, errors: dict[str, str]) -> int | None:
    if draft.contact is None or not (draft.contact.email or draft.contact.name):
        return None
    try:
        contact_id, _ = find_or_create_contact(tx, draft.contact)
    except ValidationFailed as exc:
        errors.update({f"contact.{k}": v for k, v in exc.errors.items()})
        return None
    return contact_id


def _parse_fields(tx: Tx, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Turn user-level field values into columns, collecting every error."""
    columns: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            errors[name] = Phrase("value.unknown_field")
            continue
        try:
            columns.update(_parse_field(tx, name, value))
        except (ValueError, NotFound) as exc:
            errors[name] = exc.message if isinstance(exc, NotFound) else reason_of(exc)
    return columns


def _parse_field(tx: Tx, name: str, value: Any) -> dict[str, Any]:  # noqa: C901 - a flat dispatch
    empty = value is None or value == ""
    if name == "title":
        if empty or not str(value).strip():
            raise ValueError(Phrase("deal.title_required"))
        return {"title": str(value).strip()}
    if name in ("expected_revenue", "budget"):
        if empty:
            return {f"{name}_cents": None}
        amount = money.parse_amount(value)
        if amount < 0:
            raise ValueError(Phrase("value.not_negative"))
        return {f"{name}_cents": money.to_cents(amount)}
    if name == "priority":
        stars = int(value or 0)
        if not 0 <= stars <= 3:
            raise ValueError(Phrase("value.priority"))
        return {"priority": stars}
    if name == "probability":
        if empty:  # back to the stage's probability
            return {"probability_manual": 0}
        percent = int(str(value).rstrip("% "))
        if not 0 <= percent <= 100:
            raise ValueError(Phrase("value.probability_range"))
        return {"probability": percent, "probability_manual": 1}
    if name == "expected_close":
        return {"expected_close": None if empty else _date(value).isoformat()}
    if name in ("origin", "campaign"):
        return {name: None if empty else str(value).strip()}
    if name == "owner":
        return {"owner_id": None if empty else _user_id(tx, value)}
    if name == "referred_by":
        return {"referred_by_id": None if empty else _contact_ref(tx, value)}
    if name == "contact":
        return {"contact_id": None if empty else _contact_ref(tx, value)}
    if name == "organisation":
        return {"organisation_id": None if empty else _organisation_ref(tx, value)}
    if name == "project_template":
        return {"project_template_id": None if empty else _template_id(tx, str(value))}
    if name == "archived":
        return {"archived": int(_boolean(value))}
    if name == "custom":
        if not isinstance(value, dict):
            raise ValueError(Phrase("value.custom_mapping"))
        return {"custom": value}
    raise ValueError(Phrase("value.unknown_field"))


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:  # 2026-12-31, 31/12/2026, 31 décembre 2026: the one reader of typed days
        return typed.day(str(value), utcnow().date())
    except ValueError as exc:
        raise ValueError(Phrase("value.not_date", value=repr(value))) from exc


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "oui", "y"):
        return True
    if text in ("0", "false", "no", "non", "n"):
        return False
    raise ValueError(Phrase("value.not_yes_no", value=repr(value)))


def _user_id(tx: Tx, ref: Any) -> int:
    row = find_user_row(tx.conn, ref)
    if row is None:
        raise ValueError(Phrase("user.unknown", user=str(ref)))
    return int(row["id"])


def _contact_ref(tx: Tx, ref: Any) -> int:
    text = str(ref).strip()
    if text.isdigit():
        row = tx.one("SELECT id FROM contacts WHERE id = ?", (int(text),))
    else:
        row = tx.one("SELECT id FROM contacts WHERE email_key = ?", (text.casefold(),))
    if row is None:
        raise ValueError(Phrase("contact.unknown", ref=str(ref)))
    return int(row["id"])


def _organisation_ref(tx: Tx, ref: Any) -> int:
    text = str(ref).strip()
    if text.isdigit():
        row = tx.one("SELECT id FROM organisations WHERE id = ?", (int(text),))
        if row is None:
            raise ValueError(Phrase("organisation.unknown", ref=str(ref)))
        return int(row["id"])
    return find_or_create_organisation(tx, text, None)


def _template_id(tx: Tx, key: str) -> int:
    row = tx.one("SELECT id FROM project_templates WHERE key = ? OR name = ?", (key, key))
    if row is None:
        raise ValueError(Phrase("project.unknown_template", key=key))
    return int(row["id"])


def update_deal(
    tx: Tx, deal_id: int, values: dict[str, Any], expected_version: int | None
) -> dict[str, tuple[Any, Any]]:
    """Edit a deal's fields (not its stage: see :func:`move_stage`)."""
    row = deal_row(tx.conn, deal_id)
    check_version(tx, "deal", row, expected_version)
    values = dict(values)
    answers = values.pop("answers", None)
    errors: dict[str, str] = {}
    columns = _parse_fields(tx, values, errors)
    answered: dict[str, tuple[Any, Any]] = {}
    if answers:
        template = columns.get("project_template_id", row["project_template_id"])
        try:
            answered = save_answers(tx, deal_id, template, answers)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    if columns.get("probability_manual") == 0:
        columns["probability"] = tx.scalar(
            "SELECT probability FROM stages WHERE id = ?", (row["stage_id"],)
        )
    if "custom" in columns:
        columns["custom"] = json.dumps({**json.loads(row["custom"]), **columns["custom"]})
    return update_record(tx, "deals", "deal", row, columns, None, extra=answered)


def move_stage(
    tx: Tx,
    deal_id: int,
    stage: str | int,
    expected_version: int | None,
    *,
    lost_reason: str | None = None,
    data: dict[str, Any] | None = None,
    via_transition: bool = False,
) -> dict[str, tuple[Any, Any]]:
    """Put a deal in another stage; probability and status follow the stage.

    A deal governed by a blueprint is refused a plain stage change (the gate);
    a transition moves it with ``via_transition=True`` or :func:`apply_move`.
    """
    row = deal_row(tx.conn, deal_id)
    check_version(tx, "deal", row, expected_version)
    target = stage_row(tx, row["pipeline_id"], stage)
    if not via_transition:
        refuse_free_move(tx, row, target)
    return apply_move(tx, row, target, lost_reason=lost_reason, data=data)


def apply_move(
    tx: Tx,
    row: sqlite3.Row,
    target: sqlite3.Row,
    *,
    lost_reason: str | None = None,
    data: dict[str, Any] | None = None,
    also: dict[str, Any] | None = None,
    before: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """:func:`move_stage` once the deal and target rows are loaded and checked.

    ``also`` holds other columns saved in the same new version (a transition's
    values); ``before`` is the current stage's name when the caller has it.
    """
    columns: dict[str, Any] = {"stage_id": target["id"]}
    if target["id"] != row["stage_id"]:
        columns["stage_entered_at"] = tx.now
    columns.update(_status_for(target, row, lost_reason, tx.now))
    if not row["probability_manual"] or target["outcome"] is not None:
        columns["probability"] = target["probability"]
        columns["probability_manual"] = 0
    columns.update(also or {})
    if before is None:
        before = tx.scalar("SELECT name FROM stages WHERE id = ?", (row["stage_id"],))
    event = {"from_stage": before, "to_stage": target["name"], **(data or {})}
    # Stage names beside the ids, so the timeline reads as the rep saw it.
    names = {"stage": (before, target["name"])} if before != target["name"] else None
    return update_record(
        tx, "deals", "deal", row, columns, None, action="stage_changed", data=event, extra=names
    )


def _status_for(
    target: sqlite3.Row, row: sqlite3.Row, lost_reason: str | None, now: str
) -> dict[str, Any]:
    outcome = target["outcome"]
    if outcome is None:
        return {"status": "open", "lost_reason": None, "closed_at": None}
    if outcome == "lost" and not (lost_reason or row["lost_reason"]):
        raise ValidationFailed({"lost_reason": Phrase("deal.lost_reason_required")})
    return {
        "status": outcome,
        "lost_reason": (lost_reason or row["lost_reason"]) if outcome == "lost" else None,
        "closed_at": row["closed_at"] if row["status"] == outcome else now,
    }


def delete_deal(tx: Tx, deal_id: int, expected_version: int | None) -> None:
    row = deal_row(tx.conn, deal_id)
    check_version(tx, "deal", row, expected_version)
    tx.execute("UPDATE activities SET deal_id = NULL WHERE deal_id = ?", (deal_id,))
    tx.execute("UPDATE leads SET deal_id = NULL WHERE deal_id = ?", (deal_id,))
    tx.execute("DELETE FROM deals WHERE id = ?", (deal_id,))
    tx.record(
        "deal", deal_id, "deleted", {"title": (row["title"], None)}, version=row["version"] + 1
    )
