"""The stages that a blueprint in force names: such a stage cannot be deleted from under it.

A pipeline's stages are its blueprint's states. Deleting one — from Slack, or by
``config apply`` when its key leaves ``pipelines.yaml`` (a key renamed is a stage
deleted and another added) — would leave the blueprint pointing at a state that
no longer exists. :func:`engine.crm.pipelines.delete_stage`, which every channel goes
through, calls :func:`refuse_removal`: the refusal names the blueprint and the
transitions that use the stage.

In force means the pipeline's active version. Older versions that pinned deals
still follow need no check of their own: a version is saved only if it reaches
every stage, so the one in force names any stage an older one could lead to.
For the same reason a blueprint cannot first be changed to drop a stage that
still exists: the way out, which the message gives, is to disable it, change
the stages, then apply the new blueprint.
"""

from __future__ import annotations

import json
import sqlite3

from engine.blueprints.model import Blueprint, from_dict
from engine.blueprints.refusals import Reason
from engine.errors import RelaisError
from engine.i18n import translate


class StageInBlueprint(RelaisError):
    """A stage named by a blueprint in force; ``uses`` say where, as translatable reasons."""

    code = "stage_in_blueprint"

    def __init__(self, stage: str, blueprint: str, pipeline: str, uses: list[Reason]) -> None:
        params = {"stage": stage, "blueprint": blueprint, "pipeline": pipeline}
        super().__init__(_message(params, uses, "en"), **params)
        self.stage = stage
        self.blueprint = blueprint
        self.uses = uses

    def text(self, locale: str) -> str:
        return _message(self.params, self.uses, locale)


def _message(params: dict[str, str], uses: list[Reason], locale: str) -> str:
    shown = "; ".join(use.text(locale) for use in uses)
    return translate(StageInBlueprint.code, locale, **params, uses=shown)


def uses(blueprint: Blueprint, stage: str) -> list[Reason]:
    """Where ``blueprint`` names ``stage``: its transitions (from or to) and its time limit."""
    found: list[Reason] = []
    keys = [t.key for t in blueprint.transitions if t.target == stage or stage in t.sources]
    if keys:
        code = "stage_use_transition" if len(keys) == 1 else "stage_use_transitions"
        found.append(Reason(code, {"transitions": keys}))
    if any(state.stage == stage for state in blueprint.states):
        found.append(Reason("stage_use_time_limit"))
    return found


def refusal(conn: sqlite3.Connection, pipeline_id: int, stage: str) -> StageInBlueprint | None:
    """Why ``stage`` (a key) cannot leave the pipeline, or None when no blueprint needs it."""
    current = conn.execute(
        "SELECT b.definition, p.key FROM blueprints b JOIN pipelines p ON p.id = b.pipeline_id"
        " WHERE b.pipeline_id = ? AND b.active = 1 ORDER BY b.version DESC LIMIT 1",
        (pipeline_id,),
    ).fetchone()
    if current is None:
        return None
    blueprint = from_dict(json.loads(current["definition"]))
    found = uses(blueprint, stage)
    return StageInBlueprint(stage, blueprint.name, current["key"], found) if found else None


def refuse_removal(conn: sqlite3.Connection, pipeline_id: int, stage: str) -> None:
    """Raise :class:`StageInBlueprint` if the blueprint in force names ``stage``."""
    refused = refusal(conn, pipeline_id, stage)
    if refused is not None:
        raise refused
