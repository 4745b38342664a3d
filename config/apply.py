"""Making the database say what the YAML configuration says.

The work is the engine's (``Engine.apply_setup``, one write transaction:
either every change is made, or — when one is refused (a stage that still
holds deals, or that a blueprint in force names) — none is). This module only
translates the validated configuration models into the engine's set-up
records, and a refusal back into the files it came from.
It returns one human-readable line per change, and nothing when the
database already matches, so applying twice changes nothing the second time.

What each file governs:

* ``pipelines.yaml``: the pipelines listed, their stages (added, changed,
  reordered, and deleted when absent from the file) and which one is the
  default. Pipelines absent from the file are left as they are. A stage whose
  outcome changes gives its deals the new status.
* ``users.yaml``: the users listed are created or updated; others are kept.
* ``projects.yaml``: the templates listed are created or replaced; others
  are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from config.models import (
    PipelineConfig,
    ProjectTemplateConfig,
    RelaisConfig,
    StageConfig,
    UserConfig,
)
from engine.api import Actor, Engine, RelaisError
from engine.api.crm import (
    CrmSetup,
    PipelineSetup,
    ProjectTemplate,
    Question,
    SetupRefused,
    StageSpec,
    UserDraft,
)

PIPELINES_FILE = "pipelines.yaml"
C = TypeVar("C")
R = TypeVar("R")


class ApplyRefused(RelaisError):
    """Nothing was applied; ``problems`` are ``(file, path, reason)``, the file by its name."""

    code = "apply_refused"

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(": ".join(p) for p in problems), problems=problems)
        self.problems = problems

    def lines(self, folder: Path) -> list[str]:
        """One ``file: path: reason`` line per problem, the file in ``folder``."""
        return [f"{folder / name}: {path}: {reason}" for name, path, reason in self.problems]


async def apply_config(engine: Engine, config: RelaisConfig, actor: Actor) -> list[str]:
    """Apply ``config`` in one transaction; returns the changes made (empty: none)."""
    try:
        return await engine.apply_setup(crm_setup(config), actor)
    except SetupRefused as refused:
        raise ApplyRefused(
            [(PIPELINES_FILE, f"pipelines[{i}].stages", why) for i, why in refused.problems]
        ) from refused


def crm_setup(config: RelaisConfig) -> CrmSetup:
    """The engine's set-up records for the files given (``None``: file absent)."""
    return CrmSetup(
        pipelines=_each(pipeline_setup, config.pipelines),
        users=_each(user_draft, config.users),
        projects=_each(project_template, config.projects),
    )


def _each(translate: Callable[[C], R], items: tuple[C, ...] | None) -> tuple[R, ...] | None:
    return None if items is None else tuple(translate(item) for item in items)


def pipeline_setup(pipeline: PipelineConfig) -> PipelineSetup:
    stages = tuple(stage_spec(stage) for stage in pipeline.stages)
    return PipelineSetup(pipeline.key, pipeline.name, stages, pipeline.currency, pipeline.default)


def stage_spec(stage: StageConfig) -> StageSpec:
    outcome = None if stage.outcome == "none" else stage.outcome
    return StageSpec(
        stage.key, stage.name, stage.probability, stage.folded, outcome, stage.description
    )


def user_draft(user: UserConfig) -> UserDraft:
    return UserDraft(
        user.name, user.email, user.slack_id, user.role, user.locale, user.timezone, user.manager
    )


def project_template(template: ProjectTemplateConfig) -> ProjectTemplate:
    questions = tuple(Question(q.key, q.label, q.kind, q.choices) for q in template.questions)
    return ProjectTemplate(template.key, template.name, questions)
