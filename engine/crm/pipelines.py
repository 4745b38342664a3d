"""Pipelines and their stages: ordered, weighted, foldable, safely deletable."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine.crm.records import Pipeline, Stage
from engine.crm.stage_outcomes import follow_outcome, status_for
from engine.errors import NotFound, StageNotEmpty, ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase

OUTCOMES = (None, "won", "lost")


@dataclass(frozen=True, slots=True)
class StageChanges:
    """What :func:`change_stage` changed: the stage's fields, old → new, and the deals
    that took the status of a new outcome (see :mod:`engine.crm.stage_outcomes`)."""

    fields: dict[str, tuple[object, object]]
    deals: int = 0

    @property
    def status(self) -> str:
        """The status the stage's deals now have."""
        outcome = self.fields.get("outcome", (None, None))[1]
        return status_for(outcome if isinstance(outcome, str) else None)


@dataclass(frozen=True, slots=True)
class StageSpec:
    key: str
    name: str
    probability: int
    folded: bool = False
    outcome: str | None = None
    description: str = ""


DEFAULT_STAGES = (
    StageSpec("nouveau", "Nouveau", 10, description="Première prise de contact"),
    StageSpec("estimation", "Estimation", 20, description="Pré-chiffrage sans visite (facultatif)"),
    StageSpec("visite_technique", "Visite Technique", 40, description="Visite planifiée ou faite"),
    StageSpec("devis", "Devis", 60, description="Un devis a été édité"),
    StageSpec("gagne", "Gagné", 100, outcome="won"),
    StageSpec("perdu", "Perdu", 0, folded=True, outcome="lost"),
)


def _check_spec(spec: StageSpec) -> None:
    errors: dict[str, str] = {}
    if not spec.key.strip():
        errors["key"] = Phrase("stage.key_required")
    if not spec.name.strip():
        errors["name"] = Phrase("stage.name_required")
    if not 0 <= spec.probability <= 100:
        errors["probability"] = Phrase("value.between_0_and_100")
    if spec.outcome not in OUTCOMES:
        errors["outcome"] = Phrase("stage.outcome_choice")
    if errors:
        raise ValidationFailed(errors)


def create_pipeline(
    tx: Tx,
    key: str,
    name: str,
    stages: tuple[StageSpec, ...] = DEFAULT_STAGES,
    *,
    currency: str = "EUR",
    is_default: bool = False,
) -> int:
    if tx.one("SELECT 1 FROM pipelines WHERE key = ?", (key,)):
        raise ValidationFailed({"key": Phrase("pipeline.exists", key=key)})
    if is_default:
        tx.execute("UPDATE pipelines SET is_default = 0")
    has_default = tx.scalar("SELECT count(*) FROM pipelines WHERE is_default = 1")
    pipeline_id = tx.insert(
        "pipelines",
        {
            "key": key,
            "name": name,
            "currency": currency,
            "is_default": int(is_default or not has_default),
        },
    )
    for spec in stages:
        add_stage(tx, pipeline_id, spec)
    tx.record("pipeline", pipeline_id, "created", {"name": (None, name)})
    return pipeline_id


def pipeline_row(tx_or_conn: Tx | sqlite3.Connection, ref: str | int | None) -> sqlite3.Row:
    conn = tx_or_conn.conn if isinstance(tx_or_conn, Tx) else tx_or_conn
    if ref is None:
        row = conn.execute("SELECT * FROM pipelines WHERE is_default = 1").fetchone()
    elif isinstance(ref, int):
        row = conn.execute("SELECT * FROM pipelines WHERE id = ?", (ref,)).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM pipelines WHERE key = ? OR name = ?", (ref, ref)
        ).fetchone()
    if row is None:
        raise NotFound("pipeline", ref or "default")
    found: sqlite3.Row = row
    return found


def load_pipeline(conn: sqlite3.Connection, ref: str | int | None = None) -> Pipeline:
    row = pipeline_row(conn, ref)
    stages = tuple(
        Stage.from_row(s)
        for s in conn.execute(
            "SELECT * FROM stages WHERE pipeline_id = ? ORDER BY position", (row["id"],)
        )
    )
    return Pipeline(
        row["id"], row["key"], row["name"], row["currency"], bool(row["is_default"]), stages
    )


def list_pipelines(conn: sqlite3.Connection) -> list[Pipeline]:
    keys = [r["id"] for r in conn.execute("SELECT id FROM pipelines ORDER BY id")]
    return [load_pipeline(conn, key) for key in keys]


def stage_row(tx: Tx, pipeline_id: int, ref: str | int) -> sqlite3.Row:
    if isinstance(ref, int):
        row = tx.one("SELECT * FROM stages WHERE id = ? AND pipeline_id = ?", (ref, pipeline_id))
    else:
        row = tx.one(
            "SELECT * FROM stages WHERE pipeline_id = ? AND (key = ? OR name = ? COLLATE NOCASE)",
            (pipeline_id, ref, ref),
        )
    if row is None:
        raise NotFound("stage", ref)
    return row


def add_stage(tx: Tx, pipeline_id: int, spec: StageSpec, position: int | None = None) -> int:
    _check_spec(spec)
    if tx.one("SELECT 1 FROM stages WHERE pipeline_id = ? AND key = ?", (pipeline_id, spec.key)):
        raise ValidationFailed({"key": Phrase("stage.exists", key=spec.key)})
    last = tx.scalar(
        "SELECT coalesce(max(position), 0) FROM stages WHERE pipeline_id = ?", (pipeline_id,)
    )
    if position is not None and position <= last:
        tx.execute(
            "UPDATE stages SET position = position + 1 WHERE pipeline_id = ? AND position >= ?",
            (pipeline_id, position),
        )
    stage_id = tx.insert(
        "stages",
        {
            "pipeline_id": pipeline_id,
            "key": spec.key,
            "name": spec.name,
            "position": position if position is not None and position <= last else last + 1,
            "probability": spec.probability,
            "folded": int(spec.folded),
            "outcome": spec.outcome,
            "description": spec.description,
        },
    )
    tx.record("stage", stage_id, "created", {"name": (None, spec.name)})
    return stage_id


def change_stage(
    tx: Tx,
    pipeline_id: int,
    ref: str | int,
    *,
    name: str | None = None,
    probability: int | None = None,
    folded: bool | None = None,
    outcome: str | bool | None = False,
    description: str | None = None,
) -> StageChanges:
    """Rename, fold, re-weight a stage. ``outcome=False`` means "leave it as is".

    A new outcome is also the new status of every deal in the stage.
    """
    row = stage_row(tx, pipeline_id, ref)
    spec = StageSpec(
        row["key"],
        name if name is not None else row["name"],
        probability if probability is not None else row["probability"],
        folded if folded is not None else bool(row["folded"]),
        row["outcome"] if outcome is False else outcome,  # type: ignore[arg-type]
        description if description is not None else row["description"],
    )
    _check_spec(spec)
    values = {
        "name": spec.name,
        "probability": spec.probability,
        "folded": int(spec.folded),
        "outcome": spec.outcome,
        "description": spec.description,
    }
    changes = {k: (row[k], v) for k, v in values.items() if row[k] != v}
    if not changes:
        return StageChanges({})
    tx.update("stages", row["id"], values)
    deals = 0
    if "outcome" in changes:
        deals = follow_outcome(tx, row["id"], spec.outcome, spec.probability)
    if "probability" in changes:
        # Deals follow their stage's probability unless a rep set theirs by hand.
        tx.execute(
            "UPDATE deals SET probability = ? WHERE stage_id = ? AND probability_manual = 0"
            " AND status = 'open'",
            (spec.probability, row["id"]),
        )
    tx.record("stage", row["id"], "updated", changes)
    return StageChanges(changes, deals)


def reorder_stages(tx: Tx, pipeline_id: int, keys: list[str]) -> None:
    rows = tx.all(
        "SELECT id, key, position FROM stages WHERE pipeline_id = ? ORDER BY position",
        (pipeline_id,),
    )
    known = [r["key"] for r in rows]
    if sorted(keys) != sorted(known):
        raise ValidationFailed({"stages": Phrase("pipeline.stages_once", stages=known)})
    ids = {r["key"]: r["id"] for r in rows}
    for position, key in enumerate(keys, start=1):
        tx.execute("UPDATE stages SET position = ? WHERE id = ?", (position, ids[key]))
    tx.record("pipeline", pipeline_id, "stages_reordered", {"stages": (known, keys)})


def deals_in_stage(tx: Tx, stage_id: int) -> int:
    """Every deal counts: open, closed, archived — the stage still holds it."""
    return int(tx.scalar("SELECT count(*) FROM deals WHERE stage_id = ?", (stage_id,)))


def delete_stage(tx: Tx, pipeline_id: int, ref: str | int) -> None:
    """Refused while the stage holds a deal or a blueprint in force names it."""
    row = stage_row(tx, pipeline_id, ref)
    count = deals_in_stage(tx, row["id"])
    if count:
        raise StageNotEmpty(row["name"], count)
    from engine.blueprints.stages import refuse_removal  # blueprints: a removal only

    refuse_removal(tx.conn, pipeline_id, row["key"])
    tx.execute("DELETE FROM stages WHERE id = ?", (row["id"],))
    tx.execute(
        "UPDATE stages SET position = position - 1 WHERE pipeline_id = ? AND position > ?",
        (pipeline_id, row["position"]),
    )
    tx.record("stage", row["id"], "deleted", {"name": (row["name"], None)})


def update_pipeline(
    tx: Tx, pipeline_id: int, *, name: str | None = None, currency: str | None = None
) -> dict[str, tuple[object, object]]:
    """Rename a pipeline or change its currency (new deals take it); returns the changes."""
    row = pipeline_row(tx, pipeline_id)
    values = {
        "name": name if name is not None else row["name"],
        "currency": currency if currency is not None else row["currency"],
    }
    if not values["name"].strip():
        raise ValidationFailed({"name": Phrase("pipeline.name_required")})
    changes = {k: (row[k], v) for k, v in values.items() if row[k] != v}
    if changes:
        tx.update("pipelines", pipeline_id, values)
        tx.record("pipeline", pipeline_id, "updated", changes)
    return changes


def set_default_pipeline(tx: Tx, pipeline_id: int) -> bool:
    """Make this pipeline the default one (and no other); returns whether it changed."""
    if pipeline_row(tx, pipeline_id)["is_default"]:
        return False
    for other in tx.all("SELECT id FROM pipelines WHERE is_default = 1"):
        tx.update("pipelines", other["id"], {"is_default": 0})
        tx.record("pipeline", other["id"], "updated", {"is_default": (True, False)})
    tx.update("pipelines", pipeline_id, {"is_default": 1})
    tx.record("pipeline", pipeline_id, "updated", {"is_default": (False, True)})
    return True
