"""Transitions on a lead: the lead-blueprint counterpart of :mod:`engine.blueprints.transitions`.

Same before / during / after model and the same helpers (owners, criteria,
input validation, templates, the outbox); the states are lead statuses and
the log is ``lead_transition_log``. Performing one is one write: version
check, before-conditions, every input validated together, the status change
with the supplied values and after field updates, the log, activities and
outbox messages — or nothing. A transition into ``converted`` converts the
lead (opens its deal) in the same write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine import clock, templates
from engine.actors import Actor
from engine.blueprints import inputs
from engine.blueprints.actions import Write, field_writes, user_target
from engine.blueprints.lead_model import CLOSED, LeadVersion, governs
from engine.blueprints.model import CreateActivity, Notify, SendEmail, SetField, Transition, leaves
from engine.blueprints.refusals import InputsRejected, Reason, TransitionUnavailable
from engine.blueprints.transitions import Form, FormField, Option, describe_owners, is_owner
from engine.crm import criteria
from engine.crm.activities import ActivityDraft, create_activity
from engine.crm.fields import CUSTOM, LeadValues, moment
from engine.crm.leads import lead_row, open_deal, status_columns
from engine.crm.users import find_user_row
from engine.crm.versioning import check_version, update_record
from engine.durations import format_duration
from engine.errors import NotFound
from engine.outbox import queue as outbox
from engine.store.db import Tx

TEXT_COLUMNS = ("title", "note", "origin", "campaign", "disqualify_reason")


@dataclass(frozen=True, slots=True)
class LeadPerformed:
    log_id: int
    lead_id: int
    transition: str
    name: str
    from_status: str
    to_status: str
    version: int
    queued: int
    deal_id: int | None = None


@dataclass(frozen=True, slots=True)
class LeadLogEntry:
    id: int
    lead_id: int
    transition: str
    name: str
    from_status: str
    to_status: str
    actor_label: str
    channel: str
    values: dict[str, Any]
    note: str | None
    blueprint_version: int | None
    deal_id: int | None
    at: datetime
    automatic: bool = False


def _require(conn: sqlite3.Connection, lead: sqlite3.Row, now: datetime | str) -> LeadVersion:
    version = governs(conn, lead, now)
    if version is None:
        raise TransitionUnavailable("—", [Reason("lead_not_governed", {"lead": lead["id"]})])
    return version


def refusals(
    conn: sqlite3.Connection,
    lead: sqlite3.Row,
    t: Transition,
    actor: Actor,
    now: datetime | str,
    automatic: bool = False,
) -> list[Reason]:
    """Why ``actor`` cannot perform ``t`` on the lead now (empty: they can).

    An automatic transition is done only by the timers (``automatic``), whoever its owners.
    """
    status = lead["status"]
    reasons: list[Reason] = []
    if not leaves(t, status, status not in CLOSED):
        sources = "*" if t.common else list(t.sources)
        reasons.append(Reason("reason_wrong_state", {"stage": status, "sources": sources}))
    if t.automatic_after is not None and not automatic:
        reasons.append(Reason("reason_automatic", {"after": format_duration(t.automatic_after)}))
    if not automatic and not is_owner(conn, t.owners, lead, actor):
        reasons.append(Reason("reason_not_owner", {"owners": describe_owners(t.owners)}))
    values = LeadValues(conn, lead, now)
    reasons.extend(
        Reason("reason_criterion", {"condition": criteria.describe(part)})
        for part in criteria.unmet(t.criteria, values.get)
    )
    return reasons


def _transition(version: LeadVersion, key: str) -> Transition:
    found = version.blueprint.transition(key) or next(
        (t for t in version.blueprint.transitions if t.name.casefold() == key.casefold()), None
    )
    if found is None:
        raise NotFound("transition", key)
    return found


def options(conn: sqlite3.Connection, lead_id: int, actor: Actor, now: datetime) -> list[Option]:
    """The transitions leaving the lead's status, each open to ``actor`` or not, and why."""
    lead = lead_row(conn, lead_id)
    version = governs(conn, lead, now)
    if version is None:
        return []
    found = []
    for t in version.blueprint.transitions:
        if leaves(t, lead["status"], lead["status"] not in CLOSED):
            reasons = refusals(conn, lead, t, actor, now)
            found.append(
                Option(t.key, t.name, t.target, t.target, not reasons, tuple(reasons), t.common)
            )
    return found


def describe(conn: sqlite3.Connection, lead_id: int, key: str, actor: Actor, now: datetime) -> Form:
    """What a transition needs: its fields with current values, checklist, note, message."""
    lead = lead_row(conn, lead_id)
    version = _require(conn, lead, now)
    t = _transition(version, key)
    reasons = refusals(conn, lead, t, actor, now)
    values = LeadValues(conn, lead, now)
    fields = tuple(
        FormField(spec, None if spec.field is None else inputs.plain(values.get(spec.field)))
        for spec in t.during.fields
    )
    return Form(
        lead_id, lead["version"], t.key, t.name, lead["status"], t.target, t.during.message,
        fields, t.during.checklist, t.during.note, not reasons, tuple(reasons),
    )  # fmt: skip


def perform(
    tx: Tx,
    lead_id: int,
    key: str,
    raw: Mapping[str, Any],
    expected_version: int | None,
    *,
    automatic: bool = False,
) -> LeadPerformed:
    """Perform transition ``key`` on the lead with the values ``raw``: all or nothing."""
    lead = lead_row(tx.conn, lead_id)
    check_version(tx, "lead", lead, expected_version)
    version = _require(tx.conn, lead, tx.now)
    t = _transition(version, key)
    reasons = refusals(tx.conn, lead, t, tx.actor, tx.now, automatic)
    if reasons:
        raise TransitionUnavailable(t.name, reasons)
    supplied, errors = inputs.validate(tx.conn, t.during, raw, version.blueprint.timezone)
    columns = _columns(tx, lead, field_writes(t, supplied), errors)
    if errors:
        raise InputsRejected(errors)
    data = {"transition": t.key, "transition_name": t.name}
    deal_id = None
    if t.target == "converted":
        deal_id = open_deal(tx, lead, also=columns, data=data)
    else:
        if t.target != "disqualified":
            columns["disqualify_reason"] = None
        columns = status_columns(tx, lead, {**columns, "status": t.target})
        update_record(tx, "leads", "lead", lead, columns, None, action="transitioned", data=data)
    log_id = _log(tx, version, lead, t, supplied, deal_id, automatic)
    queued = _after(tx, lead_id, t, supplied, lead["status"], version.blueprint.timezone)
    after = lead_row(tx.conn, lead_id)
    return LeadPerformed(
        log_id, lead_id, t.key, t.name, lead["status"], t.target, after["version"], queued, deal_id
    )


def _columns(
    tx: Tx, lead: sqlite3.Row, writes: list[Write], errors: dict[str, Reason]
) -> dict[str, Any]:
    """The supplied values and after field updates as lead columns; errors go to ``errors``."""
    columns: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for write in writes:
        value = inputs.plain(write.value)
        if write.field.startswith(CUSTOM):
            custom[write.field.removeprefix(CUSTOM)] = value
        elif write.field == "owner":
            user = None if value is None else find_user_row(tx.conn, str(value))
            if user is None:
                errors[write.source] = Reason(
                    "input_invalid", {"detail": f"unknown user {value!r}"}
                )
            else:
                columns["owner_id"] = user["id"]
        elif write.field in TEXT_COLUMNS:
            columns[write.field] = None if value is None else str(value)
    if custom:
        merged = {**json.loads(lead["custom"]), **custom}
        columns["custom"] = json.dumps(merged, ensure_ascii=False)
    return columns


def _log(
    tx: Tx,
    version: LeadVersion,
    lead: sqlite3.Row,
    t: Transition,
    supplied: inputs.Supplied,
    deal_id: int | None,
    automatic: bool,
) -> int:
    values = {k: inputs.plain(v) for k, v in supplied.values.items()}
    return tx.insert(
        "lead_transition_log",
        {
            "lead_id": lead["id"], "blueprint_id": version.id, "transition": t.key,
            "name": t.name, "from_status": lead["status"], "to_status": t.target,
            "actor_kind": tx.actor.kind, "actor_user_id": tx.actor.user_id,
            "actor_label": tx.actor.label, "channel": tx.actor.channel,
            "input": json.dumps(values, ensure_ascii=False),
            "checklist": json.dumps(list(supplied.checklist), ensure_ascii=False),
            "note": supplied.note, "deal_id": deal_id, "automatic": int(automatic),
            "at": tx.now,
        },
    )  # fmt: skip


# -- after-actions -----------------------------------------------------------------


def _after(
    tx: Tx, lead_id: int, t: Transition, supplied: inputs.Supplied, source: str, timezone: str
) -> int:
    """Activities at once (on the lead); e-mails, notifications, webhooks to the outbox."""
    lead = lead_row(tx.conn, lead_id)
    values = _template_values(tx, lead, t, supplied, source)
    queued = 0
    for action in t.after:
        if isinstance(action, SetField):
            continue
        if isinstance(action, CreateActivity):
            _activity(tx, lead, action, supplied, values, timezone)
            continue
        recipient, payload, skipped = _message(tx, lead, action, values, supplied)
        kind = {SendEmail: "email", Notify: "notification"}.get(type(action), "webhook")
        payload["lead_id"] = lead_id
        outbox.enqueue(tx, kind, recipient, payload, skipped=skipped)
        queued += 1
    if supplied.note:
        create_activity(
            tx,
            ActivityDraft(
                kind="note", subject=t.name, note=supplied.note, done=True, lead_id=lead_id
            ),
        )
    return queued


def _activity(
    tx: Tx,
    lead: sqlite3.Row,
    action: CreateActivity,
    supplied: inputs.Supplied,
    values: dict[str, Any],
    timezone: str,
) -> None:
    due: datetime | None = None
    if action.due_in is not None:
        due = moment(tx.now) + timedelta(seconds=action.due_in)
    elif action.due_from is not None:
        given = supplied.values.get(action.due_from)
        if isinstance(given, datetime):
            due = given
        elif isinstance(given, date):
            due = datetime.combine(given, time(9), clock.zone(timezone))
    owner: Any = action.owner
    if action.owner == "owner":
        owner = lead["owner_id"]
    elif action.owner == "actor":
        owner = tx.actor.user_id
    draft = ActivityDraft(
        kind=action.kind,
        subject=templates.render(action.subject, values),
        note=templates.render(action.note, values),
        due_at=due,
        owner=owner,
        lead_id=lead["id"],
    )
    create_activity(tx, draft)


def _person(tx: Tx, lead: sqlite3.Row, who: str) -> sqlite3.Row | None:
    user_id = lead["owner_id"]
    if who == "actor":
        user_id = tx.actor.user_id
    elif who == "manager" and user_id is not None:
        user_id = tx.scalar("SELECT manager_id FROM users WHERE id = ?", (user_id,))
    return None if user_id is None else tx.one("SELECT * FROM users WHERE id = ?", (user_id,))


def _message(
    tx: Tx, lead: sqlite3.Row, action: Any, values: dict[str, Any], supplied: inputs.Supplied
) -> tuple[str, dict[str, Any], str | None]:
    if isinstance(action, SendEmail):
        address: str | None = action.to if "@" in action.to else None
        if action.to == "contact":
            row = tx.one("SELECT email FROM contacts WHERE id = ?", (lead["contact_id"],))
            address = None if row is None else row["email"]
        elif address is None:
            user = _person(tx, lead, action.to)
            address = None if user is None else user["email"]
        payload = {
            "to": address,
            "subject": templates.render(action.subject, values),
            "body": templates.render(action.body, values),
        }
        return address or action.to, payload, None if address else f"no e-mail for {action.to}"
    if isinstance(action, Notify):
        target = (
            f"channel:{action.channel}"
            if action.to == "channel"
            else user_target(_person(tx, lead, action.to))
        )
        payload = {"to": target, "text": templates.render(action.text, values)}
        return target or action.to, payload, None if target else f"nobody to notify ({action.to})"
    # a webhook: the lead's values as its JSON body
    body = {
        "event": "lead.transitioned",
        "transition": {"key": values["transition_key"], "name": values["transition"]},
        "from": values["from"],
        "to": values["to"],
        "values": {k: inputs.plain(v) for k, v in supplied.values.items()},
        "note": supplied.note,
        "actor": values["actor"],
        "lead": {"id": lead["id"], "title": lead["title"], "status": lead["status"]},
    }
    return action.url, {"headers": dict(action.headers), "body": body}, None


def _template_values(
    tx: Tx, lead: sqlite3.Row, t: Transition, supplied: inputs.Supplied, source: str
) -> dict[str, Any]:
    contact = tx.one("SELECT name, email FROM contacts WHERE id = ?", (lead["contact_id"],))
    owner = _person(tx, lead, "owner")
    values: dict[str, Any] = {
        "lead.id": lead["id"],
        "lead.title": lead["title"],
        "lead.status": lead["status"],
        "lead.owner": None if owner is None else owner["name"],
        "contact.name": None if contact is None else contact["name"],
        "contact.email": None if contact is None else contact["email"],
        "actor": tx.actor.label,
        "transition": t.name,
        "from": source,
        "to": t.target,
    }
    shown = {k: inputs.plain(v) for k, v in supplied.values.items()}
    values.update(
        {f"input.{k}": ", ".join(v) if isinstance(v, list) else v for k, v in shown.items()}
    )
    values["transition_key"] = t.key
    return values


# -- history -------------------------------------------------------------------------


def history(conn: sqlite3.Connection, lead_id: int) -> list[LeadLogEntry]:
    rows = conn.execute(
        "SELECT l.*, b.version AS blueprint_version FROM lead_transition_log l"
        " LEFT JOIN lead_blueprints b ON b.id = l.blueprint_id WHERE l.lead_id = ? ORDER BY l.id",
        (lead_id,),
    ).fetchall()
    return [
        LeadLogEntry(
            r["id"],
            r["lead_id"],
            r["transition"],
            r["name"],
            r["from_status"],
            r["to_status"],
            r["actor_label"],
            r["channel"],
            json.loads(r["input"]),
            r["note"],
            r["blueprint_version"],
            r["deal_id"],
            clock.from_db(r["at"]),
            bool(r["automatic"]),
        )
        for r in rows
    ]
