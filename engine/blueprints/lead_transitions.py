"""Transitions on a lead: the lead-blueprint counterpart of :mod:`engine.blueprints.transitions`.

The same rules, written once in :mod:`engine.blueprints.governed` (owners,
refusals, forms, the log's common columns) and :mod:`engine.blueprints.actions`
(the after-actions); what is a lead's own stays here: the states are lead
statuses, the log is ``lead_transition_log``, the record's template values
and webhook body.

Performing one is one write: version check, before-conditions, every input
validated together, the status change with the supplied values and after
field updates, the log, activities and outbox messages — or nothing. A
transition into ``converted`` converts the lead (opens its deal) in the same
write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import clock
from engine.actors import Actor
from engine.blueprints import actions, governed, inputs
from engine.blueprints.actions import Write, field_writes
from engine.blueprints.governed import Form, Option
from engine.blueprints.lead_model import CLOSED, LeadVersion, governs
from engine.blueprints.model import Transition, Webhook, leaves
from engine.blueprints.refusals import InputsRejected, Reason, TransitionUnavailable
from engine.crm.fields import CUSTOM, LeadValues
from engine.crm.leads import lead_row, open_deal, status_columns
from engine.crm.users import find_user_row
from engine.crm.versioning import check_version, update_record
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
    """Why ``actor`` cannot perform ``t`` on the lead now (empty: they can)."""
    status = lead["status"]
    state = governed.State(status, status, status not in CLOSED)
    values = LeadValues(conn, lead, now)
    return governed.refusals(conn, lead, state, values.get, t, actor, automatic)


def options(conn: sqlite3.Connection, lead_id: int, actor: Actor, now: datetime) -> list[Option]:
    """The transitions leaving the lead's status, each open to ``actor`` or not, and why."""
    lead = lead_row(conn, lead_id)
    version = governs(conn, lead, now)
    if version is None:
        return []
    return [
        governed.option(
            t,
            t.target,
            refusals(conn, lead, t, actor, now),
            automatic=t.automatic_after is not None,
        )
        for t in version.blueprint.transitions
        if leaves(t, lead["status"], lead["status"] not in CLOSED)
    ]


def describe(conn: sqlite3.Connection, lead_id: int, key: str, actor: Actor, now: datetime) -> Form:
    """What a transition needs: its fields with current values, checklist, note, message."""
    lead = lead_row(conn, lead_id)
    t = governed.find(_require(conn, lead, now).blueprint, key)
    reasons = refusals(conn, lead, t, actor, now)
    return governed.form(lead, lead["status"], t, LeadValues(conn, lead, now).get, reasons)


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
    t = governed.find(version.blueprint, key)
    reasons = refusals(tx.conn, lead, t, tx.actor, tx.now, automatic)
    supplied, errors = governed.admit(tx, t, reasons, raw, version.blueprint.timezone)
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
    timezone = version.blueprint.timezone
    run = actions.Run(tx, LEAD, lead_id, t, supplied, lead["status"], t.target, log_id, timezone)
    queued = actions.run_after(run)
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
    governed.merge_custom(columns, lead, custom)
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
    row = governed.log_columns(tx, t, supplied, automatic)
    row.update(
        lead_id=lead["id"],
        blueprint_id=version.id,
        from_status=lead["status"],
        to_status=t.target,
        deal_id=deal_id,
    )
    return tx.insert("lead_transition_log", row)


# -- what the after-actions see of a lead -------------------------------------------


def _template_values(run: actions.Run) -> dict[str, Any]:
    lead = run.record
    values: dict[str, Any] = {
        "lead.id": lead["id"],
        "lead.title": lead["title"],
        "lead.status": lead["status"],
        "lead.owner": actions.owner_name(run),
    }
    return {**values, **actions.common_values(run), "transition_key": run.transition.key}


def _webhook(run: actions.Run, action: Webhook) -> dict[str, Any]:
    """A lead webhook carries its JSON body from the start: the lead's values."""
    values, lead, supplied = run.values(), run.record, run.supplied
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
    return {"headers": dict(action.headers), "body": body}


LEAD = actions.Subject("lead", lead_row, _template_values, _webhook)


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
