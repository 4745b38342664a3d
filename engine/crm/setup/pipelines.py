"""Pipelines synced to a set-up: created, renamed, their stages kept in step.

The stages listed are added, changed and reordered; a stage absent from the
set-up is deleted. Before anything is written, every stage to leave that the
blueprint in force still names is collected, so that the refusal names them
all at once. A stage whose outcome changes gives its deals the new status
(``engine.crm.stage_outcomes``).
"""

from __future__ import annotations

import sqlite3

from engine.blueprints.stages import refusal
from engine.crm import pipelines
from engine.crm.pipelines import StageSpec
from engine.crm.setup.changes import change_line, deals_now
from engine.crm.setup.model import PipelineSetup, SetupRefused
from engine.store.db import Tx
from engine.text.catalogue import Phrase


def sync_pipelines(tx: Tx, wanted: tuple[PipelineSetup, ...]) -> list[str]:
    problems = blueprint_problems(tx, wanted)
    if problems:
        raise SetupRefused(problems)
    lines: list[str] = []
    for pipeline in wanted:
        lines += _sync_pipeline(tx, pipeline)
    default = next((pipeline.key for pipeline in wanted if pipeline.default), None)
    return lines + (_sync_default(tx, default) if default else [])


def blueprint_problems(tx: Tx, wanted: tuple[PipelineSetup, ...]) -> list[tuple[int, str]]:
    """Every stage the set-up drops (or re-keys) that a blueprint in force still names."""
    problems = []
    for index, pipeline in enumerate(wanted):
        pipeline_id = _pipeline_id(tx, pipeline.key)
        if pipeline_id is None:
            continue
        kept = {stage.key for stage in pipeline.stages}
        for key in (r["key"] for r in _stage_rows(tx, pipeline_id) if r["key"] not in kept):
            refused = refusal(tx.conn, pipeline_id, key)
            if refused is not None:
                problems.append((index, refused.message))
    return problems


def _pipeline_id(tx: Tx, key: str) -> int | None:
    row = tx.one("SELECT id FROM pipelines WHERE key = ?", (key,))
    return None if row is None else int(row["id"])


def _sync_pipeline(tx: Tx, pipeline: PipelineSetup) -> list[str]:
    subject = Phrase("config.change.pipeline", key=pipeline.key)
    pipeline_id = _pipeline_id(tx, pipeline.key)
    if pipeline_id is None:
        pipelines.create_pipeline(
            tx, pipeline.key, pipeline.name, pipeline.stages, currency=pipeline.currency
        )
        count = len(pipeline.stages)
        return [Phrase("config.change.pipeline_created", key=pipeline.key, count=count)]
    changes = pipelines.update_pipeline(
        tx, pipeline_id, name=pipeline.name, currency=pipeline.currency
    )
    lines = [change_line(subject, field, old, new) for field, (old, new) in changes.items()]
    return lines + _sync_stages(tx, pipeline_id, pipeline)


def _sync_default(tx: Tx, key: str) -> list[str]:
    previous = tx.all("SELECT key FROM pipelines WHERE is_default = 1 AND key != ?", (key,))
    pipeline_id = _pipeline_id(tx, key)
    assert pipeline_id is not None
    if not pipelines.set_default_pipeline(tx, pipeline_id):
        return []
    now: list[str] = [Phrase("config.change.pipeline_default", key=key)]
    return now + [Phrase("config.change.pipeline_not_default", key=r["key"]) for r in previous]


def _stage_rows(tx: Tx, pipeline_id: int) -> list[sqlite3.Row]:
    return tx.all("SELECT * FROM stages WHERE pipeline_id = ? ORDER BY position", (pipeline_id,))


def _sync_stages(tx: Tx, pipeline_id: int, pipeline: PipelineSetup) -> list[str]:
    subject = Phrase("config.change.pipeline", key=pipeline.key)
    current = {row["key"]: row for row in _stage_rows(tx, pipeline_id)}
    wanted = [stage.key for stage in pipeline.stages]
    lines: list[str] = []
    for key, row in current.items():
        if key not in wanted:
            pipelines.delete_stage(tx, pipeline_id, row["id"])  # a refusal rolls all back
            lines.append(Phrase("config.change.stage_deleted", subject=subject, name=row["name"]))
    for position, stage in enumerate(pipeline.stages, start=1):
        existing = current.get(stage.key)
        if existing is None:
            pipelines.add_stage(tx, pipeline_id, stage, position)
            lines.append(
                Phrase(
                    "config.change.stage_added", subject=subject, name=stage.name,
                    position=position,
                )
            )  # fmt: skip
        else:
            lines += _change_stage(tx, pipeline_id, existing, stage, subject)
    if [row["key"] for row in _stage_rows(tx, pipeline_id)] != wanted:
        pipelines.reorder_stages(tx, pipeline_id, wanted)
        names = ", ".join(stage.name for stage in pipeline.stages)
        lines.append(Phrase("config.change.stages_reordered", subject=subject, names=names))
    return lines


def _change_stage(
    tx: Tx, pipeline_id: int, row: sqlite3.Row, spec: StageSpec, subject: str
) -> list[str]:
    changed = pipelines.change_stage(
        tx,
        pipeline_id,
        row["id"],
        name=spec.name,
        probability=spec.probability,
        folded=spec.folded,
        outcome=spec.outcome,
        description=spec.description,
    )
    lines = [
        _stage_line(subject, spec.name, field, old, new)
        for field, (old, new) in changed.fields.items()
    ]
    if changed.deals:
        lines.append(deals_now(subject, changed.deals, spec.name, changed.status))
    return lines


def _stage_line(subject: str, name: str, field: str, old: object, new: object) -> str:
    if field == "name":
        return Phrase("config.change.stage_renamed", subject=subject, old=old, new=new)
    stage = Phrase("config.change.stage", subject=subject, name=name)
    if field == "folded":
        return change_line(stage, field, bool(old), bool(new))
    return change_line(stage, field, old, new)
