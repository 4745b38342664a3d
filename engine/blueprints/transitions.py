"""Transitions on a deal: which are open to whom and why not, what they ask, performing one.

Performing a transition is one write: version check, before-conditions,
every during-input validated together, the stage move, the supplied values
and after field updates, the transition log, activities and outbox messages
all commit at once — or nothing does.
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
from engine.blueprints import actions, inputs
from engine.blueprints import store as blueprint_store
from engine.blueprints.check import ADMIN_OVERRIDE
from engine.blueprints.model import ANY_STATE, During, InputField, Owners, Transition, leaves
from engine.blueprints.refusals import InputsRejected, Reason, TransitionUnavailable
from engine.blueprints.store import Version
from engine.crm import criteria
from engine.crm.deals import _parse_field, apply_move, deal_row
from engine.crm.fields import CUSTOM, DealValues
from engine.crm.versioning import check_version
from engine.durations import format_duration
from engine.errors import NotFound
from engine.events import DomainEvent
from engine.i18n import translate
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class Option:
    """A transition as one user sees it on one deal."""

    key: str
    name: str
    target: str
    target_name: str
    available: bool
    reasons: tuple[Reason, ...] = ()
    common: bool = False
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class FormField:
    spec: InputField
    current: Any = None


@dataclass(frozen=True, slots=True)
class Form:
    """What a transition needs, for a Slack modal or a command-line prompt."""

    deal_id: int
    deal_version: int
    key: str
    name: str
    source: str
    target: str
    message: str
    fields: tuple[FormField, ...]
    checklist: tuple[str, ...]
    note: str
    available: bool
    reasons: tuple[Reason, ...]


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
    reasons: list[Reason] = []
    if not leaves(t, place.stage["key"], place.is_open):
        sources = "*" if t.common else list(t.sources)
        reasons.append(
            Reason("reason_wrong_state", {"stage": place.stage["name"], "sources": sources})
        )
    if t.automatic_after is not None and not automatic:
        reasons.append(Reason("reason_automatic", {"after": format_duration(t.automatic_after)}))
    if not automatic and not is_owner(conn, t.owners, place.deal, actor):
        reasons.append(Reason("reason_not_owner", {"owners": describe_owners(t.owners)}))
    reasons.extend(
        Reason("reason_criterion", {"condition": criteria.describe(part)})
        for part in criteria.unmet(t.criteria, place.values.get)
    )
    return reasons


def is_owner(conn: sqlite3.Connection, owners: Owners, deal: sqlite3.Row, actor: Actor) -> bool:
    if owners.anyone or (actor.role is not None and actor.role in owners.roles):
        return True
    if actor.user_id is None:
        return False
    if owners.record_owner and deal["owner_id"] == actor.user_id:
        return True
    if owners.owner_manager and deal["owner_id"] is not None:
        manager = conn.execute(
            "SELECT manager_id FROM users WHERE id = ?", (deal["owner_id"],)
        ).fetchone()
        if manager is not None and manager[0] == actor.user_id:
            return True
    return bool(owners.users) and _named(conn, owners.users, actor.user_id)


def _named(conn: sqlite3.Connection, refs: tuple[str, ...], user_id: int) -> bool:
    user = conn.execute("SELECT email, slack_id FROM users WHERE id = ?", (user_id,)).fetchone()
    if user is None:
        return False
    names = {str(user_id), (user["email"] or "").casefold(), user["slack_id"] or ""}
    return any(ref.casefold() in names or ref in names for ref in refs)


def describe_owners(owners: Owners) -> list[Reason]:
    """Who may perform a transition, as messages (translated when shown)."""
    shown = [Reason("owner_role", {"role": role}) for role in owners.roles]
    shown += [Reason("owner_user", {"user": user}) for user in owners.users]
    if owners.record_owner:
        shown.append(Reason("owner_record"))
    if owners.owner_manager:
        shown.append(Reason("owner_manager"))
    return shown


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
    return Option(
        t.key,
        t.name,
        t.target,
        target["name"] if target is not None else "",
        not reasons,
        tuple(reasons),
        t.common,
        t.automatic_after is not None,
    )


def describe(conn: sqlite3.Connection, deal_id: int, key: str, actor: Actor, now: datetime) -> Form:
    place = _require_place(conn, deal_row(conn, deal_id), now)
    t = _transition(conn, place, key)
    reasons = refusals(conn, place, t, actor, automatic=False)
    fields = tuple(
        FormField(spec, None if spec.field is None else _current(place.values, spec.field))
        for spec in t.during.fields
    )
    return Form(
        deal_id=deal_id,
        deal_version=place.deal["version"],
        key=t.key,
        name=t.name,
        source=place.stage["key"],
        target=t.target,
        message=t.during.message,
        fields=fields,
        checklist=t.during.checklist,
        note=t.during.note,
        available=not reasons,
        reasons=tuple(reasons),
    )


def _current(values: DealValues, name: str) -> Any:
    return inputs.plain(values.get(name))


def _require_place(conn: sqlite3.Connection, deal: sqlite3.Row, now: datetime | str) -> _Place:
    place = _place(conn, deal, now)
    if place is None:
        raise TransitionUnavailable("—", [Reason("not_governed", {"deal": deal["id"]})])
    return place


def _transition(conn: sqlite3.Connection, place: _Place, key: str) -> Transition:
    if key == ADMIN_OVERRIDE:
        return admin_override(conn, place.deal["pipeline_id"])
    found = place.version.blueprint.transition(key) or _by_name(place, key)
    if found is None:
        raise NotFound("transition", key)
    return found


def _by_name(place: _Place, name: str) -> Transition | None:
    wanted = name.casefold()
    return next(
        (t for t in place.version.blueprint.transitions if t.name.casefold() == wanted), None
    )


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
    if reasons:
        raise TransitionUnavailable(t.name, reasons)
    supplied, errors = inputs.validate(tx.conn, t.during, raw, place.version.blueprint.timezone)
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
    if custom:
        merged = {**json.loads(place.deal["custom"]), **custom}
        columns["custom"] = json.dumps(merged, ensure_ascii=False)
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
    run = actions.Run(tx, deal_id, t, supplied, source, target["name"], log_id, timezone)
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
    values = {k: inputs.plain(v) for k, v in supplied.values.items()}
    return tx.insert(
        "transition_log",
        {
            "deal_id": place.deal["id"], "blueprint_id": place.version.id, "transition": t.key,
            "name": t.name, "from_stage": place.stage["key"], "to_stage": target["key"],
            "actor_kind": tx.actor.kind, "actor_user_id": tx.actor.user_id,
            "actor_label": tx.actor.label, "channel": tx.actor.channel,
            "automatic": int(automatic), "input": json.dumps(values, ensure_ascii=False),
            "checklist": json.dumps(list(supplied.checklist), ensure_ascii=False),
            "note": supplied.note, "at": tx.now,
        },
    )  # fmt: skip


def _announce(tx: Tx, run: actions.Run, queued: int) -> None:
    """``deal.transitioned``, published after the commit (the log is the record)."""
    changes: dict[str, tuple[Any, Any]] = {"stage": (run.source, run.target)}
    changes.update({k: (None, inputs.plain(v)) for k, v in run.supplied.values.items()})
    t = run.transition
    data = {"transition": t.key, "transition_name": t.name, "log_id": run.log_id, "queued": queued}
    tx.events.append(DomainEvent("deal", "transitioned", run.deal_id, tx.actor, changes, data))


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
