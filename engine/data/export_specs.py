"""What an export holds: the entities, their fields, and how each is written.

One :class:`EntitySpec` per entity: the query that reads it and its fields,
each with the kind of value it holds (money, time, JSON…). The export
(:mod:`engine.data.export`) and the restore (:mod:`engine.data.restore`) both follow
these specs, so what one writes the other reads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

ENTITIES = ("contacts", "organisations", "leads", "deals", "activities")
Kind = Literal["plain", "bool", "money", "json", "time", "date"]
Backup = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Field:
    """One exported field: its name, how its value is written, where it comes from.

    ``column`` is the column of the export query (the table column unless it is
    a readable reference); ``restored`` is false for fields that ``restore_all``
    resolves itself (references to the configuration, derived names).
    """

    name: str
    kind: Kind = "plain"
    column: str | None = None
    restored: bool = True

    @property
    def source(self) -> str:
        return self.column or self.name


def _ref(name: str, kind: Kind = "plain") -> Field:
    return Field(name, kind, restored=False)


_STAMPS = (Field("created_at", "time"), Field("updated_at", "time"), Field("version"))
_OWNER_SQL = "coalesce(u.email, u.slack_id)"


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """An entity's export query and fields; ``internal`` columns are never exported.

    A table column that the fields do not name (added by a later migration) is
    exported and restored as it is stored: a backup never silently drops data.
    """

    table: str
    sql: str
    fields: tuple[Field, ...]
    internal: tuple[str, ...] = ()


# fmt: off
SPECS: dict[str, EntitySpec] = {
    "organisations": EntitySpec(
        "organisations",
        "SELECT * FROM organisations ORDER BY id",
        (Field("id"), Field("name"), Field("domain"), Field("phone"), Field("address"), *_STAMPS),
    ),
    "contacts": EntitySpec(
        "contacts",
        "SELECT c.*, o.name AS organisation FROM contacts c"
        " LEFT JOIN organisations o ON o.id = c.organisation_id ORDER BY c.id",
        (
            Field("id"), Field("name"), Field("email"), Field("phone"),
            Field("street"), Field("postcode"), Field("city"), Field("country"),
            Field("organisation_id"), _ref("organisation"), *_STAMPS,
        ),
        internal=("email_key",),
    ),
    "leads": EntitySpec(
        "leads",
        f"SELECT l.*, {_OWNER_SQL} AS owner FROM leads l"
        " LEFT JOIN users u ON u.id = l.owner_id ORDER BY l.id",
        (
            Field("id"), Field("title"), Field("status"), Field("disqualify_reason"),
            Field("contact_id"), Field("organisation_id"), _ref("owner_id"), _ref("owner"),
            Field("note"), Field("origin"), Field("campaign"), _ref("deal_id"),
            Field("custom", "json"), Field("status_changed_at", "time"), *_STAMPS,
        ),
    ),
    "deals": EntitySpec(
        "deals",
        f"SELECT d.*, p.key AS pipeline, s.key AS stage, {_OWNER_SQL} AS owner,"
        " t.key AS project_template,"
        " (SELECT json_group_object(key, value) FROM (SELECT q.key, a.value"
        "   FROM deal_answers a JOIN project_questions q ON q.id = a.question_id"
        "   WHERE a.deal_id = d.id ORDER BY q.position) AS x) AS answers"
        " FROM deals d JOIN pipelines p ON p.id = d.pipeline_id"
        " JOIN stages s ON s.id = d.stage_id LEFT JOIN users u ON u.id = d.owner_id"
        " LEFT JOIN project_templates t ON t.id = d.project_template_id ORDER BY d.id",
        (
            Field("id"), Field("title"), _ref("pipeline_id"), _ref("pipeline"),
            _ref("stage_id"), _ref("stage"), Field("status"), Field("lost_reason"),
            Field("contact_id"), Field("organisation_id"), _ref("owner_id"), _ref("owner"),
            Field("currency"), Field("expected_revenue", "money", "expected_revenue_cents"),
            Field("budget", "money", "budget_cents"), Field("priority"), Field("probability"),
            Field("probability_manual", "bool"), Field("expected_close", "date"),
            Field("archived", "bool"), Field("origin"), Field("campaign"),
            Field("referred_by_id"), Field("lead_id"), _ref("project_template_id"),
            _ref("project_template"), _ref("answers", "json"), Field("custom", "json"),
            Field("stage_entered_at", "time"), Field("closed_at", "time"), *_STAMPS,
        ),
    ),
    "activities": EntitySpec(
        "activities",
        f"SELECT a.*, {_OWNER_SQL} AS owner FROM activities a"
        " LEFT JOIN users u ON u.id = a.owner_id ORDER BY a.id",
        (
            Field("id"), Field("kind"), Field("subject"), Field("note"),
            Field("due_at", "time"), Field("done", "bool"), Field("done_at", "time"),
            _ref("owner_id"), _ref("owner"), Field("deal_id"), Field("lead_id"),
            Field("contact_id"), *_STAMPS,
        ),
    ),
}
# fmt: on


def field_names(entity: str) -> list[str]:
    return [f.name for f in SPECS[entity].fields]


def fields_of(conn: sqlite3.Connection, entity: str) -> tuple[Field, ...]:
    """The entity's fields, then any column of its table that they do not cover."""
    spec = SPECS[entity]
    covered = {f.source for f in spec.fields} | set(spec.internal)
    columns = [c[0] for c in conn.execute(f"SELECT * FROM {spec.table} LIMIT 0").description]
    return spec.fields + tuple(Field(name) for name in columns if name not in covered)
