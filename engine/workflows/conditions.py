"""Workflow conditions: on the record's fields now, and on the change that triggered the run.

Record conditions use the operators of :mod:`engine.crm.criteria` (``eq``,
``contains``, ``empty``…). Change conditions are ``changed``,
``not_changed``, ``changed_to`` and ``changed_from``; ``old.<field>`` and
``new.<field>`` read the values before and after the change, and
``actor.kind`` / ``actor.channel`` / ``actor`` say who caused it. A stage
is compared by key or by name (``devis`` and ``Devis`` are the same).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from engine.crm import criteria
from engine.crm.criteria import Condition, Criterion, Group
from engine.workflows.model import CHANGE_OPS, describe_criterion
from engine.workflows.values import REF_COLUMNS, REFS, Record, lookup

ACTOR_FIELDS = ("actor", "actor.kind", "actor.channel", "actor.id")


@dataclass(frozen=True, slots=True)
class Cause:
    """What started a run: the event, who caused it and what changed (kept with the run)."""

    event: str
    actor_kind: str = "system"
    actor_user_id: int | None = None
    actor_label: str = ""
    channel: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event, "actor_kind": self.actor_kind,
            "actor_user_id": self.actor_user_id, "actor_label": self.actor_label,
            "channel": self.channel, "changes": self.changes, "data": self.data,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cause:
        return cls(
            data["event"], data.get("actor_kind", "system"), data.get("actor_user_id"),
            data.get("actor_label", ""), data.get("channel", ""), dict(data.get("changes", {})),
            dict(data.get("data", {})),
        )  # fmt: skip


class Subject:
    """What a condition reads: the record as it is now and the change that started the run."""

    def __init__(self, record: Record | None, cause: Cause) -> None:
        self.record = record
        self.cause = cause

    @property
    def conn(self) -> sqlite3.Connection | None:
        return None if self.record is None else self.record.conn

    def value(self, name: str) -> Any:
        if name in ACTOR_FIELDS:
            return self._actor(name)
        for prefix, side in (("old.", 0), ("new.", 1)):
            if name.startswith(prefix):
                bare = name.removeprefix(prefix)
                changed, old, new = self.change(bare)
                return (old, new)[side] if changed else self.current(bare)
        return self.current(name)

    def current(self, name: str) -> Any:
        if self.record is not None:
            return self.normal(name, self.record.get(name))
        old = self._raw_change(name)
        return None if old is None else self.normal(name, old[0])

    def _actor(self, name: str) -> Any:
        cause = self.cause
        if name == "actor.kind":
            return cause.actor_kind
        if name == "actor.channel":
            return cause.channel
        if name == "actor.id":
            return cause.actor_user_id
        if cause.actor_user_id is not None and self.conn is not None:
            return lookup(self.conn, REFS["owner_id"][1], cause.actor_user_id)
        return cause.actor_label

    def change(self, name: str) -> tuple[bool, Any, Any]:
        """``(changed, old, new)`` for ``name`` in the triggering change."""
        raw = self._raw_change(name)
        if raw is None:
            return False, None, None
        old, new = self.normal(name, raw[0]), self.normal(name, raw[1])
        return not criteria.holds(Condition(name, "eq", new), old), old, new

    def _raw_change(self, name: str) -> list[Any] | None:
        changes = self.cause.changes
        if name in changes:
            return changes[name]
        if name.startswith("custom.") and "custom" in changes:
            key = name.removeprefix("custom.")
            old, new = (_custom(side).get(key) for side in changes["custom"])
            return [old, new]
        column = REF_COLUMNS.get(name)
        if column is not None and column in changes:
            ids = changes[column]
            sql = REFS[column][1]
            return [self._lookup(sql, ids[0]), self._lookup(sql, ids[1])]
        return None

    def _lookup(self, sql: str, key: Any) -> Any:
        return None if self.conn is None else lookup(self.conn, sql, key)

    def normal(self, name: str, value: Any) -> Any:
        """A stage named ``Devis`` is the stage ``devis``; other values are as they are."""
        if name != "stage" or value is None or self.record is None:
            return value
        if isinstance(value, list | tuple):
            return [self.normal(name, item) for item in value]
        found = self.record.conn.execute(
            "SELECT key FROM stages WHERE pipeline_id = ? AND (key = ? OR name = ? COLLATE NOCASE)",
            (self.record.row["pipeline_id"], str(value), str(value)),
        ).fetchone()
        return value if found is None else found[0]


def _custom(value: Any) -> dict[str, Any]:
    """Custom values as the timeline keeps them (JSON text, or already a mapping)."""
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def failures(criterion: Criterion | None, subject: Subject) -> list[Criterion]:
    """The parts of ``criterion`` that do not hold (empty: it holds)."""
    if criterion is None:
        return []
    if isinstance(criterion, Condition):
        return [] if holds(criterion, subject) else [criterion]
    if criterion.mode == "all":
        return [part for item in criterion.items for part in failures(item, subject)]
    return [] if any(not failures(item, subject) for item in criterion.items) else [criterion]


def holds(condition: Condition, subject: Subject) -> bool:
    expected = subject.normal(_bare(condition.field), condition.value)
    if condition.op in CHANGE_OPS:
        return _change_holds(condition.op, expected, subject.change(condition.field))
    actual = subject.value(condition.field)
    return criteria.holds(Condition(condition.field, condition.op, expected), actual)


def _bare(name: str) -> str:
    return name.removeprefix("old.").removeprefix("new.")


def _change_holds(op: str, expected: Any, change: tuple[bool, Any, Any]) -> bool:
    changed, old, new = change
    if op == "changed":
        return changed
    if op == "not_changed":
        return not changed
    value = new if op == "changed_to" else old
    return changed and criteria.holds(Condition("", "eq", expected), value)


def evidence(parts: list[Criterion], subject: Subject) -> list[dict[str, Any]]:
    """For each failed part: what it asked and the values it saw (for the run history)."""
    shown: list[dict[str, Any]] = []
    for part in parts:
        entry: dict[str, Any] = {"condition": describe_criterion(part)}
        leaves = [part] if isinstance(part, Condition) else list(_leaves(part))
        entry["values"] = {leaf.field: _seen(leaf, subject) for leaf in leaves}
        shown.append(entry)
    return shown


def _leaves(group: Group) -> list[Condition]:
    return [leaf for _, leaf in criteria.conditions(group, "")]


def _seen(leaf: Condition, subject: Subject) -> dict[str, Any]:
    bare = _bare(leaf.field)
    changed, old, new = subject.change(bare)
    seen: dict[str, Any] = {"value": _plain(subject.value(leaf.field))}
    if changed or leaf.op in CHANGE_OPS:
        seen.update(changed=changed, old=_plain(old), new=_plain(new))
    return seen


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
