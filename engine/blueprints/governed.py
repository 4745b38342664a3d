"""The rules a governed record follows, written once for deals and leads.

A deal (in a pipeline's stages) and a lead (in its statuses) are both
*governed records*: a blueprint says which transitions leave their state, who
may perform them, what they ask and what they log. What differs between the
two kinds — where the record and its state are read, what a move writes —
stays in :mod:`engine.blueprints.transitions` and
:mod:`engine.blueprints.lead_transitions`; the shared rules live here: the
owners check, the refusals, finding a transition, the option and form shown
to a user, the custom-field merge and the common columns of a log row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.actors import Actor
from engine.blueprints import inputs
from engine.blueprints.model import Blueprint, InputField, Owners, Transition, leaves
from engine.blueprints.refusals import Reason, TransitionUnavailable
from engine.crm import criteria
from engine.durations import format_duration
from engine.errors import NotFound
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class Option:
    """A transition as one user sees it on one deal or lead."""

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

    deal_id: int  # the record's id (a lead's for a lead transition)
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
class State:
    """Where a governed record stands: its state's key, shown name and openness."""

    key: str
    name: str
    is_open: bool


Getter = Callable[[str], Any]


# -- who may, and when ----------------------------------------------------------


def refusals(
    conn: sqlite3.Connection,
    record: sqlite3.Row,
    state: State,
    values: Getter,
    t: Transition,
    actor: Actor,
    automatic: bool,
) -> list[Reason]:
    """Why ``actor`` cannot perform ``t`` on ``record`` now (empty: they can).

    An automatic transition is done only by the timers (``automatic``), whoever its owners.
    """
    reasons: list[Reason] = []
    if not leaves(t, state.key, state.is_open):
        sources = "*" if t.common else list(t.sources)
        reasons.append(Reason("reason_wrong_state", {"stage": state.name, "sources": sources}))
    if t.automatic_after is not None and not automatic:
        reasons.append(Reason("reason_automatic", {"after": format_duration(t.automatic_after)}))
    if not automatic and not is_owner(conn, t.owners, record, actor):
        reasons.append(Reason("reason_not_owner", {"owners": describe_owners(t.owners)}))
    reasons.extend(
        Reason("reason_criterion", {"condition": criteria.describe(part)})
        for part in criteria.unmet(t.criteria, values)
    )
    return reasons


def is_owner(conn: sqlite3.Connection, owners: Owners, record: sqlite3.Row, actor: Actor) -> bool:
    """Whether ``actor`` is among a transition's ``owners`` for this deal or lead."""
    if owners.anyone or (actor.role is not None and actor.role in owners.roles):
        return True
    if actor.user_id is None:
        return False
    if owners.record_owner and record["owner_id"] == actor.user_id:
        return True
    if owners.owner_manager and record["owner_id"] is not None:
        manager = conn.execute(
            "SELECT manager_id FROM users WHERE id = ?", (record["owner_id"],)
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


def find(blueprint: Blueprint, key: str) -> Transition:
    """The transition named ``key`` — by key, else by name regardless of case."""
    wanted = key.casefold()
    found = blueprint.transition(key) or next(
        (t for t in blueprint.transitions if t.name.casefold() == wanted), None
    )
    if found is None:
        raise NotFound("transition", key)
    return found


def option(t: Transition, target_name: str, reasons: list[Reason], automatic: bool) -> Option:
    """``t`` as offered to one user, with why it is refused (if it is)."""
    return Option(
        t.key, t.name, t.target, target_name, not reasons, tuple(reasons), t.common, automatic
    )


def form(
    record: sqlite3.Row, source: str, t: Transition, values: Getter, reasons: list[Reason]
) -> Form:
    """What ``t`` asks of ``record`` in state ``source``, its fields filled with current values."""
    fields = tuple(
        FormField(spec, None if spec.field is None else inputs.plain(values(spec.field)))
        for spec in t.during.fields
    )
    return Form(
        deal_id=record["id"],
        deal_version=record["version"],
        key=t.key,
        name=t.name,
        source=source,
        target=t.target,
        message=t.during.message,
        fields=fields,
        checklist=t.during.checklist,
        note=t.during.note,
        available=not reasons,
        reasons=tuple(reasons),
    )


# -- performing -------------------------------------------------------------------


def merge_custom(columns: dict[str, Any], record: sqlite3.Row, custom: dict[str, Any]) -> None:
    """Fold custom-field writes into the record's ``custom`` JSON column, if any."""
    if custom:
        merged = {**json.loads(record["custom"]), **custom}
        columns["custom"] = json.dumps(merged, ensure_ascii=False)


def admit(
    tx: Tx, t: Transition, reasons: list[Reason], raw: Mapping[str, Any], timezone: str
) -> tuple[inputs.Supplied, dict[str, Reason]]:
    """Refuse ``t`` for its ``reasons``, else validate every during-input at once."""
    if reasons:
        raise TransitionUnavailable(t.name, reasons)
    return inputs.validate(tx.conn, t.during, raw, timezone)


def log_columns(
    tx: Tx, t: Transition, supplied: inputs.Supplied, automatic: bool
) -> dict[str, Any]:
    """The columns a transition log row has for deals and leads alike."""
    values = {k: inputs.plain(v) for k, v in supplied.values.items()}
    return {
        "transition": t.key, "name": t.name,
        "actor_kind": tx.actor.kind, "actor_user_id": tx.actor.user_id,
        "actor_label": tx.actor.label, "channel": tx.actor.channel,
        "automatic": int(automatic), "input": json.dumps(values, ensure_ascii=False),
        "checklist": json.dumps(list(supplied.checklist), ensure_ascii=False),
        "note": supplied.note, "at": tx.now,
    }  # fmt: skip
