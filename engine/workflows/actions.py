"""What a workflow does, inside the write of its step.

Activities, field updates and new leads or deals are made at once, through
the engine's own rules; e-mails, Slack notifications and webhooks are
written to the outbox and delivered after the commit (retried there). Each
action returns a small detail for the run history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine import templates
from engine.blueprints.actions import user_target
from engine.crm.activities import ActivityDraft, create_activity
from engine.crm.deals import DealDraft, create_deal
from engine.crm.leads import LeadDraft, create_lead
from engine.crm.users import find_user_row
from engine.errors import ValidationFailed
from engine.outbox import queue as outbox
from engine.store.db import Tx
from engine.text.catalogue import Phrase, labelled
from engine.workflows.conditions import Cause
from engine.workflows.model import (
    Action,
    CallWebhook,
    CreateActivity,
    CreateRecord,
    Notify,
    SendEmail,
    UpdateFields,
    pick,
)
from engine.workflows.updates import ENTITY_LABEL, update
from engine.workflows.values import (
    FIELDS,
    RELATED,
    Placeholders,
    Record,
    load_row,
    moment_of,
    related,
    related_record,
)

Detail = dict[str, Any]
PEOPLE = ("owner", "actor", "workflow_owner")


@dataclass
class Scope:
    """Everything an action may read: the run, its trigger record and the settings."""

    tx: Tx
    run_id: int
    workflow: str
    owner_id: int | None
    entity: str
    entity_id: int
    cause: Cause
    now: datetime
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    channels: Mapping[str, str] = field(default_factory=dict)
    _record: Record | None = None
    _loaded: bool = False

    @property
    def conn(self) -> sqlite3.Connection:
        return self.tx.conn

    @property
    def record(self) -> Record | None:
        """The trigger record as it is now (None once deleted)."""
        if not self._loaded:
            row = load_row(self.conn, self.entity, self.entity_id)
            self._record = None if row is None else Record(self.conn, self.entity, row, self.now)
            self._loaded = True
        return self._record

    def refresh(self) -> None:
        self._loaded = False

    def placeholders(self) -> Placeholders:
        extra = {
            "workflow": self.workflow, "actor": self.cause.actor_label,
            "event": self.cause.event, "run": self.run_id,
        }  # fmt: skip
        return Placeholders(self.record, extra)

    def render(self, text: str) -> str:
        return templates.render(text, self.placeholders())

    def deal_id(self) -> int | None:
        """The deal the action is about, if it still exists (outbox messages point to it)."""
        if self.record is None:
            return None
        if self.entity == "deal":
            return self.entity_id
        found = related(self.record, "deal") if "deal" in RELATED[self.entity] else None
        return None if found is None else int(found[1]["id"])


def run_action(scope: Scope, action: Action) -> Detail:
    return ACTIONS[type(action)](scope, action)


# -- activities --------------------------------------------------------------------------


def _activity(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, CreateActivity)
    owner = person(scope, action.owner)
    if owner is None and action.owner not in PEOPLE:
        raise ValidationFailed({"owner": Phrase("user.unknown", user=action.owner)})
    attached = links(scope, action.attach_to)
    draft = ActivityDraft(
        kind=action.kind,
        subject=scope.render(action.subject),
        note=scope.render(action.note),
        due_at=_due(scope, action),
        owner=None if owner is None else int(owner["id"]),
        deal_id=attached.get("deal_id"),
        lead_id=attached.get("lead_id"),
        contact_id=attached.get("contact_id"),
    )
    return {"activity_id": create_activity(scope.tx, draft)}


def links(scope: Scope, attach_to: str) -> dict[str, int]:
    """The ``deal_id`` / ``lead_id`` / ``contact_id`` an activity is attached to."""
    record = _required(scope)
    if attach_to == "record" and record.entity == "activity":
        ids = {k: record.row[k] for k in ("deal_id", "lead_id", "contact_id")}
        return {k: v for k, v in ids.items() if v is not None}
    if attach_to == "record" and record.entity in ("deal", "lead", "contact"):
        return {f"{record.entity}_id": record.id}
    name = "deal" if attach_to == "record" and record.entity == "quote" else attach_to
    found = related_record(record, name)
    if found is None or found.entity not in ("deal", "lead", "contact"):
        entity, missing = labelled((record.entity, name), ENTITY_LABEL)
        refused = Phrase("workflow.nothing_to_attach", entity=entity, name=missing)
        raise ValidationFailed({"attach_to": refused})
    return {f"{found.entity}_id": found.id}


def _due(scope: Scope, action: CreateActivity) -> datetime | None:
    if action.due_in is not None:
        return scope.now + timedelta(seconds=action.due_in)
    if action.due_from is None or scope.record is None:
        return None
    moment = moment_of(scope.record.get(action.due_from), "09:00", scope.timezone)
    return None if moment is None else moment + timedelta(seconds=action.due_offset)


def person(scope: Scope, who: str) -> sqlite3.Row | None:
    """A users row: the record's ``owner``, the ``actor``, the ``workflow_owner`` or a user."""
    if who == "owner":
        found = None if scope.record is None else related(scope.record, "owner")
        return found[1] if found is not None else load_row(scope.conn, "user", scope.owner_id)
    if who == "actor":
        return load_row(scope.conn, "user", scope.cause.actor_user_id)
    if who == "workflow_owner":
        return load_row(scope.conn, "user", scope.owner_id)
    return find_user_row(scope.conn, who)


def _required(scope: Scope) -> Record:
    if scope.record is None:
        entity = labelled((str(scope.entity),), ENTITY_LABEL)[0]
        gone = Phrase("workflow.record_gone", entity=entity, id=scope.entity_id)
        raise ValidationFailed({"record": gone})
    return scope.record


# -- updates and new records --------------------------------------------------------------


def _update(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, UpdateFields)
    record = _required(scope)
    target = record if action.target == "record" else related_record(record, action.target)
    if target is None:
        entity, missing = labelled((record.entity, action.target), ENTITY_LABEL)
        refused = Phrase("workflow.no_target", entity=entity, target=missing)
        raise ValidationFailed({"target": refused})
    values = {name: _rendered(scope, value) for name, value in action.values}
    changes = update(scope.tx, target.entity, target.id, values)
    scope.refresh()
    shown = {k: [_plain(o), _plain(n)] for k, (o, n) in changes.items()}
    return {"target": f"{target.entity}:{target.id}", "changes": shown}


def _create(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, CreateRecord)
    record = scope.record
    owner = person(scope, action.owner)
    title = scope.render(action.title)
    values = {name: _rendered(scope, value) for name, value in action.values}
    custom = {k.removeprefix("custom."): v for k, v in values.items() if k.startswith("custom.")}
    plain = {k: v for k, v in values.items() if not k.startswith("custom.")}
    owner_id = None if owner is None else int(owner["id"])
    if action.kind == "lead":
        new_id = create_lead(scope.tx, LeadDraft(title, owner=owner_id, custom=custom, **plain))
    else:
        lead_id = record.id if record is not None and record.entity == "lead" else None
        draft = DealDraft(title, owner=owner_id, lead_id=lead_id, custom=custom, **plain)
        new_id = create_deal(scope.tx, draft)
    _link_people(scope, action.kind, new_id)
    return {f"{action.kind}_id": new_id}


def _link_people(scope: Scope, kind: str, new_id: int) -> None:
    """Give the new lead or deal the trigger record's contact and organisation."""
    if scope.record is None:
        return
    contact = related_record(scope.record, "contact")
    organisation = related_record(scope.record, "organisation")
    table = "leads" if kind == "lead" else "deals"
    scope.tx.execute(
        f"UPDATE {table} SET contact_id = coalesce(contact_id, ?),"
        " organisation_id = coalesce(organisation_id, ?) WHERE id = ?",
        (
            None if contact is None else contact.id,
            None if organisation is None else organisation.id,
            new_id,
        ),
    )


def _rendered(scope: Scope, value: Any) -> Any:
    return scope.render(value) if isinstance(value, str) else value


# -- messages ---------------------------------------------------------------------------------


def _email(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, SendEmail)
    address, locale = _mailbox(scope, action.to)
    payload = {
        "to": address,
        "subject": scope.render(pick(action.subject, locale, scope.locale)),
        "body": scope.render(pick(action.body, locale, scope.locale)),
        "locale": locale,
        "workflow": scope.workflow,
        "run_id": scope.run_id,
    }
    skipped = None if address else Phrase("outbox.skip.no_email", to=action.to)
    return _enqueue(scope, "email", address or action.to, payload, skipped)


def _mailbox(scope: Scope, to: str) -> tuple[str | None, str]:
    """The address to write to and the language to write in."""
    if "@" in to:
        return to, scope.locale
    if to in ("contact", "referrer"):
        contact = None if scope.record is None else related_record(scope.record, to)
        if contact is None:
            return None, scope.locale
        return contact.row["email"], contact.row["locale"] or scope.locale
    user = person(scope, to)
    if user is None:
        return None, scope.locale
    return user["email"], user["locale"]


def _notify(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, Notify)
    target, locale, skipped = _audience(scope, action)
    text = scope.render(pick(action.text, locale, scope.locale))
    payload = {
        "to": target, "text": text, "reason": "workflow", "workflow": scope.workflow,
        # what it is about: Slack replies in the thread of that record's message, if any
        "record": f"{scope.entity}:{scope.entity_id}", "record_event": scope.cause.event,
    }  # fmt: skip
    recipient = target or f"{action.to}:{action.channel or ''}".rstrip(":")
    return _enqueue(scope, "notification", recipient, payload, skipped)


def _audience(scope: Scope, action: Notify) -> tuple[str | None, str, str | None]:
    """``channel:C…`` or ``user:U…``, the language, and why nobody can be told (or None)."""
    if action.to == "channel":
        name = action.channel or ""
        channel = scope.channels.get(name, name)
        if not channel:
            return None, scope.locale, f"the {name} channel is not configured"
        return f"channel:{channel}", scope.locale, None
    user = person(scope, action.to)
    target = user_target(user)
    locale = scope.locale if user is None else user["locale"]
    return target, locale, None if target else f"nobody to notify ({action.to})"


def _webhook(scope: Scope, action: Any) -> Detail:
    assert isinstance(action, CallWebhook)
    record = scope.record
    shown = {} if record is None else {n: _plain(record.get(n)) for n in FIELDS[record.entity]}
    cause = scope.cause
    body = {
        "event": cause.event, "workflow": scope.workflow, "run_id": scope.run_id,
        "at": scope.tx.now, "record": {"entity": scope.entity, "id": scope.entity_id, **shown},
        "changes": cause.changes,
        "actor": {"kind": cause.actor_kind, "user_id": cause.actor_user_id,
                  "label": cause.actor_label},
    }  # fmt: skip
    payload = {"headers": dict(action.headers), "body": body}
    return _enqueue(scope, "webhook", action.url, payload, None)


def _enqueue(
    scope: Scope, kind: str, recipient: str, payload: dict[str, Any], skipped: str | None
) -> Detail:
    message_id = outbox.enqueue(
        scope.tx, kind, recipient, payload, deal_id=scope.deal_id(), skipped=skipped
    )
    detail: Detail = {"outbox_id": message_id, "recipient": recipient}
    if skipped:
        detail["skipped"] = skipped
    return detail


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


ACTIONS: dict[type[Any], Callable[[Scope, Any], Detail]] = {
    CreateActivity: _activity,
    UpdateFields: _update,
    CreateRecord: _create,
    SendEmail: _email,
    Notify: _notify,
    CallWebhook: _webhook,
}
