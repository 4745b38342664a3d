"""Field updates a workflow makes, through the same rules as a person's edit.

A deal's stage goes through the blueprint gate: on a governed pipeline the
workflow performs a transition leading to the stage that is open to it (no
admin override, no automatic one); if none is, the step fails with the
reasons. A lead's status goes the same way through the lead blueprint.
Every update is versioned and recorded on the timeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine import clock
from engine.blueprints import lead_transitions, transitions
from engine.blueprints.lead_model import LeadStatusGoverned
from engine.blueprints.refusals import StageGoverned, TransitionUnavailable
from engine.crm import activities, contacts, deals, leads
from engine.crm.deals import deal_row
from engine.crm.pipelines import stage_row
from engine.crm.users import find_user_row
from engine.crm.versioning import update_record
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled, reason_of
from engine.workflows.values import TABLES, load_row

Changes = dict[str, tuple[Any, Any]]
WRITABLE: dict[str, tuple[str, ...]] = {
    "deal": (*deals.EDITABLE, "stage", "lost_reason"),
    "lead": ("title", "note", "origin", "campaign", "owner", "status", "disqualify_reason"),
    "contact": ("name", "email", "phone", "organisation", "locale"),
    "organisation": ("name", "domain", "phone", "address"),
    "activity": ("subject", "note", "due_at", "done", "owner"),
}


def writable(entity: str, name: str) -> bool:
    if name.startswith("custom."):
        return entity in ("deal", "lead")
    return name in WRITABLE.get(entity, ())


ENTITY_LABEL = "slack.entity_"  # a record kind's name: slack.entity_deal


def update(tx: Tx, entity: str, record_id: int, values: dict[str, Any]) -> Changes:
    """Apply ``values`` (readable field names) to the record; returns what changed."""
    updater = UPDATERS.get(entity)
    if updater is None:
        what = labelled((entity,), ENTITY_LABEL)[0]
        raise ValidationFailed({"target": Phrase("workflow.cannot_update", entity=what)})
    return updater(tx, record_id, _customs(values))


def _customs(values: dict[str, Any]) -> dict[str, Any]:
    """``custom.x: 1`` → ``custom: {x: 1}``."""
    plain = {k: v for k, v in values.items() if not k.startswith("custom.")}
    custom = {k.removeprefix("custom."): v for k, v in values.items() if k.startswith("custom.")}
    if custom:
        plain["custom"] = custom
    return plain


# -- deals ----------------------------------------------------------------------------


def _deal(tx: Tx, deal_id: int, values: dict[str, Any]) -> Changes:
    values = dict(values)
    stage = values.pop("stage", None)
    lost_reason = values.pop("lost_reason", None)
    changes = deals.update_deal(tx, deal_id, values, None) if values else {}
    if stage is not None:
        changes.update(set_stage(tx, deal_id, str(stage), lost_reason))
    return changes


def set_stage(tx: Tx, deal_id: int, stage: str, lost_reason: str | None = None) -> Changes:
    """Move the deal, through its blueprint when one governs it."""
    try:
        return deals.move_stage(tx, deal_id, stage, None, lost_reason=lost_reason)
    except StageGoverned as refused:
        return _through_blueprint(tx, deal_id, stage, lost_reason, refused)


def _through_blueprint(
    tx: Tx, deal_id: int, stage: str, lost_reason: str | None, refused: StageGoverned
) -> Changes:
    row = deal_row(tx.conn, deal_id)
    target = stage_row(tx, row["pipeline_id"], stage)
    options = transitions.options(tx.conn, deal_id, tx.actor, clock.from_db(tx.now))
    leading = [o for o in options if o.target == target["key"]]
    usable = [o for o in leading if o.available]
    if not usable:
        if leading:
            raise TransitionUnavailable(leading[0].name, list(leading[0].reasons))
        raise refused
    raw = {"lost_reason": lost_reason} if lost_reason else {}
    done = transitions.perform(tx, deal_id, usable[0].key, raw, None)
    return {"stage": (done.from_stage, done.to_stage), "transition": (None, done.transition)}


# -- leads ------------------------------------------------------------------------------


def _lead(tx: Tx, lead_id: int, values: dict[str, Any]) -> Changes:
    values = dict(values)
    changes: Changes = {}
    status = values.pop("status", None)
    reason = values.pop("disqualify_reason", None)
    owner = values.pop("owner", None)
    if values:
        changes.update(_plain_update(tx, "lead", lead_id, values))
    if owner is not None:
        changes.update(leads.assign(tx, lead_id, str(owner), None))
    if status is not None:
        changes.update(set_lead_status(tx, lead_id, str(status), reason))
    return changes


def set_lead_status(tx: Tx, lead_id: int, status: str, reason: str | None) -> Changes:
    """Change the lead's status, through its lead blueprint when one governs it."""
    try:
        return leads.set_status(tx, lead_id, status, None, reason=reason)
    except LeadStatusGoverned:
        now = clock.from_db(tx.now)
        options = lead_transitions.options(tx.conn, lead_id, tx.actor, now)
        leading = [o for o in options if o.target == status]
        usable = [o for o in leading if o.available]
        if not usable:
            if leading:
                raise TransitionUnavailable(leading[0].name, list(leading[0].reasons)) from None
            raise
    form = lead_transitions.describe(tx.conn, lead_id, usable[0].key, tx.actor, now)
    asked = [f.spec.key for f in form.fields if f.spec.field == "disqualify_reason"]
    raw = {key: reason for key in asked if reason}
    done = lead_transitions.perform(tx, lead_id, usable[0].key, raw, None)
    return {"status": (done.from_status, done.to_status), "transition": (None, done.transition)}


# -- contacts and organisations ------------------------------------------------------------


def _contact(tx: Tx, contact_id: int, values: dict[str, Any]) -> Changes:
    values = dict(values)
    changes: Changes = {}
    locale = values.pop("locale", None)
    if values:
        draft = contacts.ContactDraft(
            name=str(values.get("name") or ""),
            email=_text(values.get("email")),
            phone=_text(values.get("phone")),
            organisation=_text(values.get("organisation")),
        )
        changes.update(contacts.update_contact(tx, contact_id, draft, None))
    if locale is not None:
        if locale not in ("fr", "en"):
            raise ValidationFailed({"locale": Phrase("value.one_of", choices=("fr", "en"))})
        changes.update(_plain_update(tx, "contact", contact_id, {"locale": locale}))
    return changes


def _organisation(tx: Tx, organisation_id: int, values: dict[str, Any]) -> Changes:
    values = dict(values)
    if values.get("phone"):
        try:
            values["phone"] = contacts.normalize_phone(str(values["phone"]))
        except ValueError as exc:
            raise ValidationFailed({"phone": reason_of(exc)}) from exc
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationFailed({"name": Phrase("organisation.name_required")})
    return _plain_update(tx, "organisation", organisation_id, values)


# -- activities -----------------------------------------------------------------------------


def _activity(tx: Tx, activity_id: int, values: dict[str, Any]) -> Changes:
    values = dict(values)
    changes: Changes = {}
    done = values.pop("done", None)
    due = values.pop("due_at", None)
    owner = values.pop("owner", None)
    if owner is not None:
        values["owner_id"] = _user_id(tx, owner)
    if values:
        changes.update(_plain_update(tx, "activity", activity_id, values))
    if due is not None:
        changes.update(activities.reschedule(tx, activity_id, _moment(due), None))
    if done is not None:
        flag = str(done).lower() in ("1", "true", "yes", "oui")
        changes.update(activities.mark_done(tx, activity_id, None, done=flag))
    return changes


def _user_id(tx: Tx, ref: Any) -> int:
    row = find_user_row(tx.conn, str(ref))
    if row is None:
        raise ValidationFailed({"owner": Phrase("user.unknown", user=str(ref))})
    return int(row["id"])


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed({"due_at": Phrase("value.not_a_moment", value=str(value))}) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)


# -- shared ------------------------------------------------------------------------------------


def _plain_update(tx: Tx, entity: str, record_id: int, values: dict[str, Any]) -> Changes:
    row = load_row(tx.conn, entity, record_id)
    if row is None:
        raise NotFound(entity, record_id)
    columns = dict(values)
    if "custom" in columns:
        merged = {**json.loads(row["custom"] or "{}"), **columns["custom"]}
        columns["custom"] = json.dumps(merged, ensure_ascii=False)
    for name in ("title", "subject"):
        if name in columns and not str(columns[name] or "").strip():
            field = labelled((name,), "field.")[0]
            raise ValidationFailed({name: Phrase("value.empty", field=field)})
    return update_record(tx, TABLES[entity], entity, row, columns, None)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


UPDATERS: dict[str, Callable[[Tx, int, dict[str, Any]], Changes]] = {
    "deal": _deal,
    "lead": _lead,
    "contact": _contact,
    "organisation": _organisation,
    "activity": _activity,
}
