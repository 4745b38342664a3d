"""Transitions on a deal: which are open to whom and why not, what they ask, performing one.

Performing a transition is one write: version check, before-conditions,
every during-input validated together, the stage move, the supplied values
and after field updates, the transition log, activities and outbox messages
all commit at once — or nothing does.

The rules deals share with leads (owners, refusals, forms, the log's common
columns, the after-actions) are written once in :mod:`engine.blueprints.governed`
and :mod:`engine.blueprints.actions`; here stays what is a deal's own: its
place in a pipeline (stages, pinned versions), the admin override, the stage
move and the ``deal.transitioned`` event.
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
from engine.blueprints import store as blueprint_store
from engine.blueprints.check import ADMIN_OVERRIDE
from engine.blueprints.governed import Form as Form  # re-exported: the facade's types
from engine.blueprints.governed import Option as Option
from engine.blueprints.model import (
    ANY_STATE,
    During,
    InputField,
    Owners,
    Transition,
    Webhook,
    leaves,
)
from engine.blueprints.refusals import InputsRejected, Reason, TransitionUnavailable
from engine.blueprints.store import Version
from engine.crm.deals import _parse_field, apply_move, deal_row
from engine.crm.fields import CUSTOM, DealValues
from engine.crm.versioning import check_version
from engine.errors import NotFound
from engine.events import DomainEvent
from engine.i18n import translate
from engine.money import from_cents
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class Performed:
    log_id: int
    deal_id: int
    transition: str
    name: str
    from_stage: str
    to_stage: str
    version: int
    queued: int


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    deal_id: int
    transition: str
    name: str
    from_stage: str
    to_stage: str
    actor_label: str
    actor_kind: str
    channel: str
    automatic: bool
    values: dict[str, Any]
    checklist: tuple[str, ...]
    note: str | None
    blueprint_version: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class _Place:
    """A governed deal where it stands: its row, version and stage."""

    deal: sqlite3.Row
    version: Version
    stage: sqlite3.Row
    values: DealValues
    pinned: bool
    stages: dict[str, sqlite3.Row]

    @property
    def is_open(self) -> bool:
        return self.stage["outcome"] is None

    def target(self, key: str) -> sqlite3.Row:
        if key not in self.stages:
            raise NotFound("stage", key)
        return self.stages[key]


def _place(conn: sqlite3.Connection, deal: sqlite3.Row, now: datetime | str) -> _Place | None:
    version, pinned = blueprint_store.lookup(conn, deal)
    if version is None or not blueprint_store.enters(conn, version, deal, now):
        return None
    rows = conn.execute(
        "SELECT id, key, name, outcome, probability FROM stages WHERE pipeline_id = ?",
        (deal["pipeline_id"],),
    )
    stages = {row["key"]: row for row in rows}
    stage = next(row for row in stages.values() if row["id"] == deal["stage_id"])
    return _Place(deal, version, stage, DealValues(conn, deal, now), pinned, stages)


# -- who may, and when ----------------------------------------------------------


def admin_override(conn: sqlite3.Connection, pipeline_id: int) -> Transition:
    """The built-in transition an admin uses to put a deal in any stage, with a note."""
    keys = tuple(
        r["key"]
        for r in conn.execute(
            "SELECT key FROM stages WHERE pipeline_id = ? ORDER BY position", (pipeline_id,)
        )
    )
    fields = (
        InputField("stage", translate("admin_override_stage"), "choice", options=keys),
        InputField("lost_reason", translate("admin_override_lost_reason"), "text", False),
    )
    return Transition(
        ADMIN_OVERRIDE,
        translate("admin_override"),
        (ANY_STATE,),
        "",
        Owners(roles=("admin",)),
        during=During(fields, note="required"),
    )


def refusals(
    conn: sqlite3.Connection, place: _Place, t: Transition, actor: Actor, automatic: bool
) -> list[Reason]:
    """Why ``actor`` cannot perform ``t`` now (empty: they can)."""
    if t.key == ADMIN_OVERRIDE:
        return [] if actor.is_admin else [Reason("reason_admin_only")]
    state = governed.State(place.stage["key"], place.stage["name"], place.is_open)
    return governed.refusals(conn, place.deal, state, place.values.get, t, actor, automatic)


# -- listing and describing ---------------------------------------------------


def options(conn: sqlite3.Connection, deal_id: int, actor: Actor, now: datetime) -> list[Option]:
    """The transitions leaving the deal's stage, each open to ``actor`` or not, and why."""
    place = _place(conn, deal_row(conn, deal_id), now)
    if place is None:
        return []
    found = [
        _option(conn, place, t, actor)
        for t in place.version.blueprint.transitions
        if leaves(t, place.stage["key"], place.is_open)
    ]
    if actor.is_admin:
        found.append(_option(conn, place, admin_override(conn, place.deal["pipeline_id"]), actor))
    return found


def _option(conn: sqlite3.Connection, place: _Place, t: Transition, actor: Actor) -> Option:
    reasons = refusals(conn, place, t, actor, automatic=False)
    target = conn.execute(
        "SELECT name FROM stages WHERE pipeline_id = ? AND key = ?",
        (place.deal["pipeline_id"], t.target),
    ).fetchone()
    name = target["name"] if target is not None else ""
    return governed.option(t, name, reasons, automatic=t.automatic_after is not None)


def describe(conn: sqlite3.Connection, deal_id: int, key: str, actor: Actor, now: datetime) -> Form:
    """What a transition needs: its fields with current values, checklist, note, message."""
    place = _require_place(conn, deal_row(conn, deal_id), now)
    t = _transition(conn, place, key)
    reasons = refusals(conn, place, t, actor, automatic=False)
    return governed.form(place.deal, place.stage["key"], t, place.values.get, reasons)


def _require_place(conn: sqlite3.Connection, deal: sqlite3.Row, now: datetime | str) -> _Place:
    place = _place(conn, deal, now)
    if place is None:
        raise TransitionUnavailable("—", [Reason("not_governed", {"deal": deal["id"]})])
    return place


def _transition(conn: sqlite3.Connection, place: _Place, key: str) -> Transition:
    if key == ADMIN_OVERRIDE:
        return admin_override(conn, place.deal["pipeline_id"])
    return governed.find(place.version.blueprint, key)


# -- performing -----------------------------------------------------------------


def perform(
    tx: Tx,
    deal_id: int,
    key: str,
    raw: Mapping[str, Any],
    expected_version: int | None,
    *,
    automatic: bool = False,
) -> Performed:
    """Perform transition ``key`` on the deal with the values ``raw``: all or nothing."""
    row = deal_row(tx.conn, deal_id)
    check_version(tx, "deal", row, expected_version)
    place = _require_place(tx.conn, row, tx.now)
    t = _transition(tx.conn, place, key)
    reasons = refusals(tx.conn, place, t, tx.actor, automatic)
    supplied, errors = governed.admit(tx, t, reasons, raw, place.version.blueprint.timezone)
    plan = _plan(tx, place, t, supplied, errors)
    if errors:
        raise InputsRejected(errors)
    return _apply(tx, place, t, supplied, plan, automatic)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where the deal goes and what it saves on the way."""

    target: sqlite3.Row
    columns: dict[str, Any]
    lost_reason: str | None


def _plan(
    tx: Tx, place: _Place, t: Transition, supplied: inputs.Supplied, errors: dict[str, Reason]
) -> _Plan:
    """The supplied values and after field updates as columns; parse errors go to ``errors``."""
    columns, custom, lost_reason = _columns(tx, actions.field_writes(t, supplied), errors)
    governed.merge_custom(columns, place.deal, custom)
    if t.key == ADMIN_OVERRIDE:
        stage = supplied.values.get("stage")
        override = place.target(str(stage)) if stage else place.stage
        return _Plan(override, columns, supplied.values.get("lost_reason"))
    return _Plan(place.target(t.target), columns, lost_reason)


def _columns(
    tx: Tx, writes: list[actions.Write], errors: dict[str, Reason]
) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    columns: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    lost_reason = None
    for write in writes:
        if write.field == "lost_reason":
            lost_reason = None if write.value is None else str(write.value)
        elif write.field.startswith(CUSTOM):
            custom[write.field.removeprefix(CUSTOM)] = inputs.plain(write.value)
        else:
            try:
                columns.update(_parse_field(tx, write.field, write.value))
            except (ValueError, NotFound) as exc:
                detail = exc.message if isinstance(exc, NotFound) else str(exc)
                errors[write.source] = Reason("input_invalid", {"detail": detail})
    return columns, custom, lost_reason


def _apply(
    tx: Tx, place: _Place, t: Transition, supplied: inputs.Supplied, plan: _Plan, automatic: bool
) -> Performed:
    """The move with its values (one new version), the log, the after-actions, the event."""
    deal_id, target = place.deal["id"], plan.target
    changes = apply_move(  # the stage change itself, as the deals module does it (no gate)
        tx,
        place.deal,
        target,
        lost_reason=plan.lost_reason,
        data={"transition": t.key, "transition_name": t.name},
        also=plan.columns,
        before=place.stage["name"],
    )
    if place.pinned and target["id"] != place.deal["stage_id"]:
        blueprint_store.unpin(tx, deal_id)
    log_id = _log(tx, place, t, target, supplied, automatic)
    source = place.stage["name"]
    timezone = place.version.blueprint.timezone
    run = actions.Run(tx, DEAL, deal_id, t, supplied, source, target["name"], log_id, timezone)
    queued = actions.run_after(run)
    _announce(tx, run, queued)
    version = place.deal["version"] + (1 if changes else 0)
    return Performed(
        log_id, deal_id, t.key, t.name, place.stage["key"], target["key"], version, queued
    )


def _log(
    tx: Tx,
    place: _Place,
    t: Transition,
    target: sqlite3.Row,
    supplied: inputs.Supplied,
    automatic: bool,
) -> int:
    row = governed.log_columns(tx, t, supplied, automatic)
    row.update(
        deal_id=place.deal["id"],
        blueprint_id=place.version.id,
        from_stage=place.stage["key"],
        to_stage=target["key"],
    )
    return tx.insert("transition_log", row)


def _announce(tx: Tx, run: actions.Run, queued: int) -> None:
    """``deal.transitioned``, published after the commit (the log is the record)."""
    changes: dict[str, tuple[Any, Any]] = {"stage": (run.source, run.target)}
    changes.update({k: (None, inputs.plain(v)) for k, v in run.supplied.values.items()})
    t = run.transition
    data = {"transition": t.key, "transition_name": t.name, "log_id": run.log_id, "queued": queued}
    tx.events.append(DomainEvent("deal", "transitioned", run.record_id, tx.actor, changes, data))


def _template_values(run: actions.Run) -> dict[str, Any]:
    deal = run.record
    values: dict[str, Any] = {
        "deal.id": deal["id"],
        "deal.title": deal["title"],
        "deal.stage": run.target,
        "deal.expected_revenue": from_cents(deal["expected_revenue_cents"]),
        "deal.owner": actions.owner_name(run),
    }
    return {**values, **actions.common_values(run)}


def _webhook(run: actions.Run, action: Webhook) -> dict[str, Any]:
    """A deal webhook's body is rendered from the transition log when it is sent."""
    return {"headers": dict(action.headers)}


DEAL = actions.Subject("deal", deal_row, _template_values, _webhook)


# -- history ----------------------------------------------------------------------


def history(conn: sqlite3.Connection, deal_id: int) -> list[LogEntry]:
    rows = conn.execute(
        "SELECT l.*, b.version AS blueprint_version FROM transition_log l"
        " LEFT JOIN blueprints b ON b.id = l.blueprint_id WHERE l.deal_id = ? ORDER BY l.id",
        (deal_id,),
    ).fetchall()
    return [
        LogEntry(
            r["id"],
            r["deal_id"],
            r["transition"],
            r["name"],
            r["from_stage"],
            r["to_stage"],
            r["actor_label"],
            r["actor_kind"],
            r["channel"],
            bool(r["automatic"]),
            json.loads(r["input"]),
            tuple(json.loads(r["checklist"])),
            r["note"],
            r["blueprint_version"],
            clock.from_db(r["at"]),
        )
        for r in rows
    ]
