"""Blueprints in the database: versions, which one governs a deal, and explicit migration.

Saving a changed blueprint creates a new version. Open deals in flight are
*pinned* to the version they were on, for as long as they stay in their
current stage; once they leave it (or ``migrate`` releases them) they follow
the latest version. Versions never change, so their parsed form is cached
by digest.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.blueprints.check import FormFit, Problem, StageRef, check_blueprint
from engine.blueprints.model import Blueprint, from_dict, to_dict
from engine.crm import criteria
from engine.crm.fields import DealValues, moment
from engine.crm.pipelines import pipeline_row
from engine.errors import NotFound, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase

_CACHE: dict[str, Blueprint] = {}
_CACHE_SIZE = 128


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    pipeline_id: int
    version: int
    blueprint: Blueprint
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Saved:
    pipeline: str
    version: int
    created: bool
    pinned: int


_COLUMNS = "id, pipeline_id, version, digest, active, created_at"


def _version(conn: sqlite3.Connection, row: sqlite3.Row) -> Version:
    blueprint = _CACHE.get(row["digest"])
    if blueprint is None:
        text = conn.execute(
            "SELECT definition FROM blueprints WHERE id = ?", (row["id"],)
        ).fetchone()[0]
        blueprint = from_dict(json.loads(text))
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[row["digest"]] = blueprint
    return Version(
        row["id"],
        row["pipeline_id"],
        row["version"],
        blueprint,
        bool(row["active"]),
        moment(row["created_at"]),
    )


def current(conn: sqlite3.Connection, pipeline_id: int) -> Version | None:
    """The pipeline's blueprint in force (the latest active version), if any."""
    row = _in_force(conn, pipeline_id)
    return None if row is None else _version(conn, row)


def _in_force(conn: sqlite3.Connection, pipeline_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {_COLUMNS} FROM blueprints WHERE pipeline_id = ? AND active = 1"
        " ORDER BY version DESC LIMIT 1",
        (pipeline_id,),
    ).fetchone()
    return row


def by_id(conn: sqlite3.Connection, blueprint_id: int) -> Version:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM blueprints WHERE id = ?", (blueprint_id,)
    ).fetchone()
    if row is None:
        raise NotFound("blueprint", blueprint_id)
    return _version(conn, row)


def lookup(conn: sqlite3.Connection, deal: sqlite3.Row) -> tuple[Version | None, bool]:
    """The version a deal follows (its pin while it stays in the pinned stage, else the
    latest), and whether it has a pin at all.

    On the hot path of every stage move: the pipeline's version in force first (a
    read the writer keeps for the batch's other deals of that pipeline, see
    :mod:`engine.store.repeat_reads`), the deal's pin only when there is one in force.
    """
    row = _in_force(conn, deal["pipeline_id"])
    if row is None:
        return None, False
    pin = conn.execute(
        "SELECT blueprint_id, stage_id FROM blueprint_pins WHERE deal_id = ?", (deal["id"],)
    ).fetchone()
    if pin is None:
        return _version(conn, row), False
    if pin["stage_id"] != deal["stage_id"] or pin["blueprint_id"] == row["id"]:
        return _version(conn, row), True
    return by_id(conn, pin["blueprint_id"]), True


def governing(conn: sqlite3.Connection, deal: sqlite3.Row) -> Version | None:
    return lookup(conn, deal)[0]


def enters(
    conn: sqlite3.Connection, version: Version, deal: sqlite3.Row, now: datetime | str
) -> bool:
    """Whether the deal meets the blueprint's entry criteria (none: every deal does)."""
    if version.blueprint.entry is None:
        return True
    values = DealValues(conn, deal, now)
    return not criteria.unmet(version.blueprint.entry, values.get)


def governs(conn: sqlite3.Connection, deal: sqlite3.Row, now: datetime | str) -> Version | None:
    """The version governing ``deal`` if it meets the entry criteria; None: free movement."""
    version = governing(conn, deal)
    return version if version is not None and enters(conn, version, deal, now) else None


def stage_refs(conn: sqlite3.Connection, pipeline_id: int) -> list[StageRef]:
    return [
        StageRef(r["key"], r["outcome"], r["position"])
        for r in conn.execute(
            "SELECT key, outcome, position FROM stages WHERE pipeline_id = ?", (pipeline_id,)
        )
    ]


def problems_as_errors(problems: Sequence[Problem]) -> dict[str, str]:
    """Problems keyed by path (two at one path are joined), for ``ValidationFailed``."""
    errors: dict[str, str] = {}
    for p in problems:
        first = errors.get(p.path)
        both = None if first is None else Phrase("config.problem.both", first=first, then=p.message)
        errors[p.path] = both or p.message
    return errors


def save(tx: Tx, blueprint: Blueprint, fits: FormFit | None = None) -> Saved:
    """Store ``blueprint`` for its pipeline: a new version if it changed, else nothing.

    ``fits`` is the renderer's check of each transition's form (the Slack bot's, as
    the service registers it): a form reps could not be shown is refused here too.
    """
    pipeline = pipeline_row(tx, blueprint.pipeline)
    problems = check_blueprint(blueprint, stage_refs(tx.conn, pipeline["id"]), fits)
    if problems:
        raise ValidationFailed(problems_as_errors(problems))
    definition = json.dumps(to_dict(blueprint), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(definition.encode()).hexdigest()
    latest = tx.one(
        "SELECT id, version, digest, active FROM blueprints WHERE pipeline_id = ?"
        " ORDER BY version DESC LIMIT 1",
        (pipeline["id"],),
    )
    if latest is not None and latest["digest"] == digest:
        if not latest["active"]:
            _reactivate(tx, pipeline["id"], latest["id"])
        return Saved(pipeline["key"], latest["version"], not latest["active"], 0)
    pinned = _pin_in_flight(tx, pipeline["id"], latest)
    number = 1 if latest is None else latest["version"] + 1
    blueprint_id = tx.insert(
        "blueprints",
        {
            "pipeline_id": pipeline["id"], "version": number, "name": blueprint.name,
            "definition": definition, "digest": digest, "created_at": tx.now,
        },
    )  # fmt: skip
    old = None if latest is None else latest["version"]
    data = {"pipeline": pipeline["key"], "pinned": pinned}
    tx.record("blueprint", blueprint_id, "versioned", {"version": (old, number)}, data=data)
    return Saved(pipeline["key"], number, True, pinned)


def _reactivate(tx: Tx, pipeline_id: int, blueprint_id: int) -> None:
    tx.execute("UPDATE blueprints SET active = 1 WHERE id = ?", (blueprint_id,))
    tx.record("blueprint", blueprint_id, "enabled", {"active": (False, True)})


def _pin_in_flight(tx: Tx, pipeline_id: int, latest: sqlite3.Row | None) -> int:
    """Open deals keep the version they are on while they stay in their stage."""
    if latest is None or not latest["active"]:
        return 0
    tx.execute(
        "DELETE FROM blueprint_pins WHERE deal_id IN (SELECT p.deal_id FROM blueprint_pins p"
        " JOIN deals d ON d.id = p.deal_id WHERE d.pipeline_id = ? AND d.stage_id != p.stage_id)",
        (pipeline_id,),
    )
    cursor = tx.execute(
        "INSERT OR IGNORE INTO blueprint_pins (deal_id, blueprint_id, stage_id, pinned_at)"
        " SELECT id, ?, stage_id, ? FROM deals WHERE pipeline_id = ? AND status = 'open'",
        (latest["id"], tx.now, pipeline_id),
    )
    return cursor.rowcount


def disable(tx: Tx, pipeline: str | None) -> bool:
    """Take the pipeline's blueprint out of force: its stages move freely again."""
    row = pipeline_row(tx, pipeline)
    cursor = tx.execute(
        "UPDATE blueprints SET active = 0 WHERE pipeline_id = ? AND active = 1", (row["id"],)
    )
    if cursor.rowcount:
        tx.record("pipeline", row["id"], "blueprint_disabled", {"blueprint": (True, False)})
    return cursor.rowcount > 0


def migrate(tx: Tx, pipeline: str | None, deal_id: int | None = None) -> list[int]:
    """Release pinned deals so they follow the latest version; returns their ids."""
    row = pipeline_row(tx, pipeline)
    sql = (
        "SELECT p.deal_id, b.version FROM blueprint_pins p JOIN deals d ON d.id = p.deal_id"
        " JOIN blueprints b ON b.id = p.blueprint_id WHERE d.pipeline_id = ?"
    )
    params: list[object] = [row["id"]]
    if deal_id is not None:
        sql += " AND p.deal_id = ?"
        params.append(deal_id)
    latest = current(tx.conn, row["id"])
    moved = tx.all(sql, params)
    for pin in moved:
        tx.execute("DELETE FROM blueprint_pins WHERE deal_id = ?", (pin["deal_id"],))
        new = None if latest is None else latest.version
        changes = {"blueprint_version": (pin["version"], new)}
        tx.record("deal", pin["deal_id"], "blueprint_migrated", changes)
    return [pin["deal_id"] for pin in moved]


def unpin(tx: Tx, deal_id: int) -> None:
    tx.execute("DELETE FROM blueprint_pins WHERE deal_id = ?", (deal_id,))


def versions(conn: sqlite3.Connection, pipeline: str | None) -> list[Version]:
    row = pipeline_row(conn, pipeline)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM blueprints WHERE pipeline_id = ? ORDER BY version", (row["id"],)
    ).fetchall()
    return [_version(conn, r) for r in rows]


def pinned_version(conn: sqlite3.Connection, deal_id: int) -> int | None:
    row = conn.execute(
        "SELECT b.version FROM blueprint_pins p JOIN blueprints b ON b.id = p.blueprint_id"
        " WHERE p.deal_id = ?",
        (deal_id,),
    ).fetchone()
    return None if row is None else int(row[0])
