"""Keeping workflows: versions, the active switch, and the trigger index the runner uses.

Saving a workflow whose definition changed adds a version; runs in flight
keep the version they started with. The runner finds the workflows an event
concerns through :class:`Index`, keyed by (entity, event) — never a scan.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import clock
from engine.crm.users import find_user_row
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase
from engine.workflows.check import check_workflow
from engine.workflows.codec import from_dict, to_dict
from engine.workflows.model import (
    UPDATE_ACTIONS,
    DateTrigger,
    Definition,
    EventTrigger,
    Problem,
    Workflow,
    describe_trigger,
)


@dataclass(frozen=True, slots=True)
class Stored:
    """A workflow as kept: its definition in force and its bookkeeping."""

    id: int
    workflow: Workflow
    owner_id: int | None
    active: bool
    version: int
    version_id: int
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        return self.workflow.name

    @property
    def trigger(self) -> str:
        return describe_trigger(self.workflow.trigger)


@dataclass(frozen=True, slots=True)
class Saved:
    name: str
    created: bool
    changed: list[str]


# -- saving ---------------------------------------------------------------------------


def save(tx: Tx, workflow: Workflow) -> Saved:
    """Create or update the workflow named ``workflow.name``; refuse it with every problem."""
    problems = check_workflow(workflow)
    owner_id = _owner_id(tx, workflow.owner, problems)
    if problems:
        raise ValidationFailed({p.path: p.message for p in problems})
    row = tx.one("SELECT * FROM workflows WHERE name = ?", (workflow.name,))
    if row is None:
        return _create(tx, workflow, owner_id)
    return _change(tx, row, workflow, owner_id)


def _owner_id(tx: Tx, owner: str | None, problems: list[Problem]) -> int | None:
    if owner is None:
        return None
    row = find_user_row(tx.conn, owner)
    if row is None:
        unknown = Phrase("config.problem.wf_unknown_user", user=repr(owner))
        problems.append(Problem("owner", unknown))
        return None
    return int(row["id"])


def _columns(workflow: Workflow, owner_id: int | None) -> dict[str, Any]:
    trigger = workflow.trigger
    event = trigger.event if isinstance(trigger, EventTrigger) else "date"
    return {
        "description": workflow.description, "owner_id": owner_id,
        "active": int(workflow.active), "triggered_by": workflow.triggered_by,
        "entity": trigger.entity, "event": event,
    }  # fmt: skip


def _create(tx: Tx, workflow: Workflow, owner_id: int | None) -> Saved:
    columns = _columns(workflow, owner_id)
    workflow_id = tx.insert(
        "workflows",
        {**columns, "name": workflow.name, "created_at": tx.now, "updated_at": tx.now,
         "active_since": tx.now if workflow.active else None},
    )  # fmt: skip
    version_id = _new_version(tx, workflow_id, 1, workflow)
    tx.update("workflows", workflow_id, {"version_id": version_id})
    tx.record("workflow", workflow_id, "created", {"name": (None, workflow.name)}, version=1)
    return Saved(workflow.name, True, ["created"])


def _change(tx: Tx, row: sqlite3.Row, workflow: Workflow, owner_id: int | None) -> Saved:
    columns = _columns(workflow, owner_id)
    changed = [name for name, value in columns.items() if row[name] != value]
    current = tx.one("SELECT digest FROM workflow_versions WHERE id = ?", (row["version_id"],))
    if current is None or current["digest"] != _digest(workflow):
        changed.append("definition")
    if not changed:
        return Saved(workflow.name, False, [])
    version = row["version"] + 1
    if "definition" in changed:
        columns["version_id"] = _new_version(tx, row["id"], version, workflow)
    if "active" in changed and workflow.active:
        columns["active_since"] = tx.now
    tx.update("workflows", row["id"], {**columns, "updated_at": tx.now, "version": version})
    tx.record("workflow", row["id"], "updated", {n: (None, None) for n in changed}, version=version)
    return Saved(workflow.name, False, changed)


def _new_version(tx: Tx, workflow_id: int, version: int, workflow: Workflow) -> int:
    return tx.insert(
        "workflow_versions",
        {
            "workflow_id": workflow_id, "version": version,
            "definition": json.dumps(to_dict(workflow), ensure_ascii=False),
            "digest": _digest(workflow), "created_at": tx.now,
        },
    )  # fmt: skip


def _digest(workflow: Workflow) -> str:
    data = to_dict(workflow)
    data.pop("active")
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def set_active(tx: Tx, name: str, active: bool) -> bool:
    """Switch a workflow on or off; returns whether anything changed."""
    row = _row(tx.conn, name)
    if bool(row["active"]) == active:
        return False
    version = row["version"] + 1
    values: dict[str, Any] = {"active": int(active), "updated_at": tx.now, "version": version}
    if active:
        values["active_since"] = tx.now
    tx.update("workflows", row["id"], values)
    tx.record("workflow", row["id"], "updated", {"active": (not active, active)}, version=version)
    return True


def delete(tx: Tx, name: str) -> None:
    row = _row(tx.conn, name)
    tx.execute("DELETE FROM workflows WHERE id = ?", (row["id"],))
    tx.record("workflow", row["id"], "deleted", {"name": (name, None)}, version=row["version"] + 1)


# -- reading ----------------------------------------------------------------------------


def _row(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM workflows WHERE name = ? COLLATE NOCASE OR CAST(id AS TEXT) = ?",
        (name, name),
    ).fetchone()
    if row is None:
        raise NotFound("workflow", name)
    return row


_STORED = (
    "SELECT w.*, v.definition FROM workflows w JOIN workflow_versions v ON v.id = w.version_id"
)


def get(conn: sqlite3.Connection, name: str) -> Stored:
    row = conn.execute(f"{_STORED} WHERE w.id = ?", (_row(conn, name)["id"],)).fetchone()
    return _stored(row)


def list_all(conn: sqlite3.Connection) -> list[Stored]:
    return [_stored(row) for row in conn.execute(f"{_STORED} ORDER BY w.name")]


def _stored(row: sqlite3.Row) -> Stored:
    workflow = from_dict(json.loads(row["definition"]))
    workflow = Workflow(**{**_fields(workflow), "active": bool(row["active"])})
    return Stored(
        row["id"], workflow, row["owner_id"], bool(row["active"]), row["version"],
        row["version_id"], clock.from_db(row["created_at"]), clock.from_db(row["updated_at"]),
    )  # fmt: skip


def _fields(workflow: Workflow) -> dict[str, Any]:
    return {name: getattr(workflow, name) for name in workflow.__dataclass_fields__}


def definition(conn: sqlite3.Connection, version_id: int) -> Definition:
    row = conn.execute(
        "SELECT definition FROM workflow_versions WHERE id = ?", (version_id,)
    ).fetchone()
    if row is None:
        raise NotFound("workflow version", version_id)
    return Definition.of(from_dict(json.loads(row["definition"])))


# -- the index ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Indexed:
    """An active workflow as the runner holds it in memory."""

    id: int
    name: str
    owner_id: int | None
    triggered_by: str
    version_id: int
    active_since: str
    definition: Definition

    @property
    def workflow(self) -> Workflow:
        return self.definition.workflow


@dataclass
class Slot:
    """The workflows of one (entity, event): those that watch no field, and by field."""

    always: list[Indexed] = field(default_factory=list)
    by_field: dict[str, list[Indexed]] = field(default_factory=dict)

    def add(self, item: Indexed) -> None:
        trigger = item.workflow.trigger
        watched = trigger.fields if isinstance(trigger, EventTrigger) else ()
        if not watched:
            self.always.append(item)
        for name in watched:
            for key in (name, f"{name}_id"):  # ``owner`` changes as ``owner_id``
                self.by_field.setdefault(key, []).append(item)

    def matching(self, changes: Mapping[str, Any]) -> list[Indexed]:
        if not self.by_field:
            return self.always
        found = {item.id: item for name in changes for item in self.by_field.get(name, ())}
        return self.always + list(found.values()) if found else self.always


@dataclass
class Index:
    by_event: dict[tuple[str, str], Slot] = field(default_factory=dict)
    dated: list[Indexed] = field(default_factory=list)
    stamp: tuple[Any, ...] = ()

    def matching(self, entity: str, action: str, changes: Mapping[str, Any]) -> list[Indexed]:
        """The active workflows whose trigger this timeline entry meets (no scan)."""
        found: list[Indexed] = []
        for key in event_keys(entity, action, changes):
            slot = self.by_event.get(key)
            if slot is not None:
                found += slot.matching(changes)
        return found


def event_keys(entity: str, action: str, changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Which trigger events a timeline entry is: its own, ``updated``, ``won`` / ``lost``."""
    keys = [(entity, action)]
    if action in UPDATE_ACTIONS and action != "updated":
        keys.append((entity, "updated"))
    if entity == "deal" and action == "stage_changed" and "status" in changes:
        new = changes["status"][1]
        if new in ("won", "lost"):
            keys.append((entity, str(new)))
    return keys


def stamp(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """Changes whenever any workflow is saved, switched or deleted."""
    row = conn.execute(
        "SELECT count(*), max(updated_at), coalesce(sum(version), 0) FROM workflows"
    ).fetchone()
    return tuple(row)


def load_index(conn: sqlite3.Connection, cache: dict[int, Definition] | None = None) -> Index:
    cache = {} if cache is None else cache
    index = Index(stamp=stamp(conn))
    by_event: dict[tuple[str, str], Slot] = defaultdict(Slot)
    for row in conn.execute(f"{_STORED} WHERE w.active = 1 ORDER BY w.id"):
        if row["version_id"] not in cache:
            cache[row["version_id"]] = Definition.of(from_dict(json.loads(row["definition"])))
        item = Indexed(
            row["id"], row["name"], row["owner_id"], row["triggered_by"], row["version_id"],
            row["active_since"] or row["created_at"], cache[row["version_id"]],
        )  # fmt: skip
        trigger = item.workflow.trigger
        if isinstance(trigger, DateTrigger):
            index.dated.append(item)
        else:
            by_event[(trigger.entity, trigger.event)].add(item)
    index.by_event = dict(by_event)
    return index
