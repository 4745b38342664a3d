"""Restore: a JSON backup (``run.py export``) loaded into an empty database.

Records keep their own id, version and timestamps. Their references to the
configuration (users, pipelines, stages, project templates) are resolved in
the target database by readable key (``owner`` e-mail, ``pipeline`` and
``stage`` keys, ``project_template`` key), since the configuration is not
part of a backup. Any problem refuses the whole restore.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine import clock, money
from engine.data.export_specs import ENTITIES, SPECS, Backup, Field, Kind, fields_of
from engine.errors import Forbidden, RelaisError, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase, reason_of


class RestoreRefused(RelaisError):
    """The target database is not empty: a restore never merges into live data.

    ``held`` says what it holds (``3 deals, 2 contacts``); the adapter renders the code's
    message in the reader's language."""

    code = "stored.restore_not_empty"

    def __init__(self, held: str) -> None:
        super().__init__(Phrase(self.code, held=held), held=held)


def restore_all(tx: Tx, data: Any) -> dict[str, int]:
    """Load a backup into an empty database, keeping ids; returns counts per entity.

    Run it as one write (``await engine.data.restore(data, actor)``):
    any error rolls the whole restore back.
    """
    if not tx.actor.is_admin:
        raise Forbidden(Phrase("restore.admin_only"))
    backup = _checked_shape(data)
    _refuse_if_not_empty(tx)
    refs = _References(tx)
    rows = {entity: _columns_of(tx, entity, backup[entity], refs) for entity in ENTITIES}
    refs.raise_unknown()
    for entity in ("organisations", "contacts", "leads", "deals", "activities"):  # FK order
        _insert_all(tx, entity, rows[entity])
    _link_leads_to_deals(tx, backup["leads"])
    _insert_answers(tx, backup["deals"], refs)
    counts = {entity: len(backup[entity]) for entity in ENTITIES}
    tx.record("backup", 0, "restored", {k: (None, v) for k, v in counts.items()})
    return counts


def _checked_shape(data: Any) -> Backup:
    if not isinstance(data, dict):
        raise ValidationFailed({"backup": Phrase("restore.not_an_object")})
    errors: dict[str, str] = {}
    for entity in ENTITIES:
        records = data.get(entity)
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            errors[entity] = Phrase("restore.not_records")
    unknown = sorted(set(data) - set(ENTITIES))
    if unknown:
        errors["backup"] = Phrase("restore.unknown_keys", keys=unknown)
    if errors:
        raise ValidationFailed(errors)
    return data


def _refuse_if_not_empty(tx: Tx) -> None:
    held = [
        f"{count} {entity}"
        for entity in ENTITIES
        if (count := tx.scalar(f"SELECT count(*) FROM {SPECS[entity].table}"))
    ]
    if held:
        raise RestoreRefused(", ".join(held))


class _References:
    """Readable references to the configuration, resolved in the target database."""

    def __init__(self, tx: Tx) -> None:
        self.users = {
            key: row["id"]
            for row in tx.all("SELECT id, email, slack_id FROM users")
            for key in (row["email"], row["slack_id"])
            if key
        }
        self.pipelines = {r["key"]: r["id"] for r in tx.all("SELECT id, key FROM pipelines")}
        self.stages = {
            (r["pipeline_id"], r["key"]): r["id"]
            for r in tx.all("SELECT id, pipeline_id, key FROM stages")
        }
        self.templates = {
            r["key"]: r["id"] for r in tx.all("SELECT id, key FROM project_templates")
        }
        self.questions = {
            (r["template_id"], r["key"]): r["id"]
            for r in tx.all("SELECT id, template_id, key FROM project_questions")
        }
        self.unknown: dict[str, set[str]] = {}

    def _find(self, table: Mapping[Any, int], key: Any, label: str, shown: str) -> int | None:
        if key is None:
            return None
        found = table.get(key)
        if found is None:
            self.unknown.setdefault(label, set()).add(shown)
        return found

    def user(self, ref: Any) -> int | None:
        return self._find(self.users, ref, "users", str(ref))

    def stage(self, pipeline: Any, stage: Any) -> tuple[int | None, int | None]:
        pipeline_id = self._find(self.pipelines, pipeline, "pipelines", str(pipeline))
        if pipeline_id is None:
            return None, None
        return pipeline_id, self._find(
            self.stages, (pipeline_id, stage), "stages", f"{pipeline}/{stage}"
        )

    def template(self, key: Any) -> int | None:
        return self._find(self.templates, key, "project templates", str(key))

    def question(self, template_id: int, key: str) -> int | None:
        return self._find(self.questions, (template_id, key), "project questions", key)

    def raise_unknown(self) -> None:
        if self.unknown:
            raise ValidationFailed(
                {
                    label: Phrase("restore.not_here", keys=sorted(keys))
                    for label, keys in self.unknown.items()
                }
            )


def _columns_of(
    tx: Tx, entity: str, records: list[dict[str, Any]], refs: _References
) -> list[dict[str, Any]]:
    fields = fields_of(tx.conn, entity)
    errors: dict[str, str] = {}
    rows = [
        _columns(entity, fields, (index, record), refs, errors)
        for index, record in enumerate(records)
    ]
    if errors:
        raise ValidationFailed(errors)
    return rows


def _columns(
    entity: str,
    fields: tuple[Field, ...],
    item: tuple[int, dict[str, Any]],
    refs: _References,
    errors: dict[str, str],
) -> dict[str, Any]:
    """A record's table columns. A field it lacks (an older backup) takes its default."""
    index, record = item
    columns: dict[str, Any] = {}
    if not isinstance(record.get("id"), int):
        errors[f"{entity}[{index}].id"] = Phrase("restore.id_required")
    for f in fields:
        if not f.restored or f.name not in record:
            continue
        try:
            columns[f.source] = _stored(f.kind, record.get(f.name))
        except (ValueError, TypeError) as exc:
            errors[f"{entity}[{index}].{f.name}"] = reason_of(exc)
    columns.update(_RESOLVERS[entity](record, refs))
    return columns


def _stored(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "plain":
        if not isinstance(value, str | int | float):
            raise TypeError(Phrase("stored.restore_not_plain", value=repr(value)))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(Phrase("stored.restore_not_bool", value=repr(value)))
        return int(value)
    if kind == "money":
        if not isinstance(value, str):
            raise TypeError(Phrase("stored.restore_not_money", value=repr(value)))
        return money.to_cents(money.parse_amount(value))
    if kind == "json":
        if not isinstance(value, dict):
            raise TypeError(Phrase("restore.not_a_json_object", value=repr(value)))
        return json.dumps(value, ensure_ascii=False)
    if kind == "time":
        try:
            return clock.to_db(clock.from_db(str(value)))
        except ValueError:
            raise ValueError(Phrase("restore.not_a_time", value=repr(value))) from None
    return _date(value)


def _date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(Phrase("stored.restore_not_date", value=repr(value))) from None


def _no_refs(record: dict[str, Any], refs: _References) -> dict[str, Any]:
    return {}


def _contact_refs(record: dict[str, Any], refs: _References) -> dict[str, Any]:
    email = record.get("email")
    return {"email_key": email.casefold() if isinstance(email, str) else None}


def _owner_refs(record: dict[str, Any], refs: _References) -> dict[str, Any]:
    return {"owner_id": refs.user(record.get("owner"))}


def _deal_refs(record: dict[str, Any], refs: _References) -> dict[str, Any]:
    pipeline_id, stage_id = refs.stage(record.get("pipeline"), record.get("stage"))
    return {
        "pipeline_id": pipeline_id,
        "stage_id": stage_id,
        "owner_id": refs.user(record.get("owner")),
        "project_template_id": refs.template(record.get("project_template")),
    }


_RESOLVERS: dict[str, Callable[[dict[str, Any], _References], dict[str, Any]]] = {
    "organisations": _no_refs,
    "contacts": _contact_refs,
    "leads": _owner_refs,
    "deals": _deal_refs,
    "activities": _owner_refs,
}


def _insert_all(tx: Tx, entity: str, rows: list[dict[str, Any]]) -> None:
    table = SPECS[entity].table
    for index, columns in enumerate(rows):
        try:
            tx.insert(table, columns)
        except sqlite3.IntegrityError as exc:
            refused = Phrase("restore.refused", reason=str(exc))
            raise ValidationFailed({f"{entity}[{index}]": refused}) from exc
    tx.ids_taken(table)


def _link_leads_to_deals(tx: Tx, leads: list[dict[str, Any]]) -> None:
    """Leads and deals point at each other: leads go in first, their deal after."""
    for index, lead in enumerate(leads):
        if lead.get("deal_id") is None:
            continue
        try:
            tx.execute("UPDATE leads SET deal_id = ? WHERE id = ?", (lead["deal_id"], lead["id"]))
        except sqlite3.IntegrityError as exc:
            no_deal = Phrase("restore.no_deal", deal=lead["deal_id"])
            raise ValidationFailed({f"leads[{index}].deal_id": no_deal}) from exc


def _insert_answers(tx: Tx, deals: list[dict[str, Any]], refs: _References) -> None:
    rows: list[tuple[Any, int | None, str]] = []
    errors: dict[str, str] = {}
    for index, deal in enumerate(deals):
        answers = deal.get("answers") or {}
        template_id = refs.template(deal.get("project_template"))
        if answers and (not isinstance(answers, dict) or template_id is None):
            errors[f"deals[{index}].answers"] = Phrase("restore.answers")
            continue
        for key, value in answers.items():
            rows.append((deal["id"], refs.question(template_id or 0, str(key)), str(value)))
    if errors:
        raise ValidationFailed(errors)
    refs.raise_unknown()
    tx.conn.executemany(
        "INSERT INTO deal_answers (deal_id, question_id, value) VALUES (?, ?, ?)", rows
    )
