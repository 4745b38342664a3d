"""Making the database say what the YAML configuration says.

The work is the engine's (``Engine.setup.apply``, one write transaction:
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

:func:`apply_folder` (``run.py config apply``) adds, in the same transaction,
``blueprints/*.yaml`` (a new version where one changed), ``workflows.yaml``
(created or updated by name) and ``catalogue.yaml`` (products created or
updated by code); ``pricing.yaml`` and ``routing.yaml`` are validated and read
from the files themselves (at start, and by each quote command).
:func:`first_run` is what ``run.py serve`` does on an empty database: the same,
once, marked in the database so that later starts never overwrite live changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from config import problems as wording
from config.blueprint_schema import load_blueprints
from config.cpq_cache import load_cpq_cached
from config.cpq_schema import (
    CATALOGUE_FILE,
    PRICING_FILE,
    CpqConfigError,
    load_catalogue_file,
)
from config.loader import ConfigError, load_config
from config.models import (
    PipelineConfig,
    ProjectTemplateConfig,
    RelaisConfig,
    StageConfig,
    UserConfig,
)
from config.routing import FILE_NAME as ROUTING_FILE
from config.routing import RoutingError, load_routing
from config.workflow_schema import FILE as WORKFLOWS_FILE
from config.workflow_schema import load_workflows
from engine.api import Actor, Engine, Phrase, RelaisError, ValidationFailed
from engine.api.blueprints import Blueprint, FormFit
from engine.api.crm import (
    CrmSetup,
    FullSetup,
    PipelineSetup,
    ProjectTemplate,
    Question,
    SetupRefused,
    StageSpec,
    UserDraft,
)

PIPELINES_FILE = "pipelines.yaml"
BLUEPRINTS_FOLDER = "blueprints"
log = logging.getLogger("relais.config")
C = TypeVar("C")
R = TypeVar("R")


class ApplyRefused(RelaisError):
    """Nothing was applied; ``problems`` are ``(file, path, reason)``, the file by its name."""

    code = "apply_refused"

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(": ".join(p) for p in problems), problems=problems)
        self.problems = problems

    def lines(self, folder: Path) -> list[str]:
        """One ``file: path: reason`` line per problem, the file in ``folder`` (a
        catalogue message: the reason stays a ``Phrase`` where the engine gave one)."""
        return [wording.line(folder / name, path, why) for name, path, why in self.problems]


async def apply_config(engine: Engine, config: RelaisConfig, actor: Actor) -> list[str]:
    """Apply ``config`` in one transaction; returns the changes made (empty: none)."""
    try:
        return await engine.setup.apply(crm_setup(config), actor)
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


# -- the whole folder -------------------------------------------------------------------


@dataclass(frozen=True)
class Folder:
    """What a configuration folder says, read and validated; ``notes``: what the files keep."""

    config: RelaisConfig
    blueprints: tuple[tuple[Path, Blueprint], ...]
    setup: FullSetup
    notes: tuple[str, ...]


def read_folder(folder: Path, fits: FormFit | None = None, cache: Path | None = None) -> Folder:
    """Every file of ``folder``, by the loaders the service uses; raise ``ConfigError``
    with every problem of every file. ``fits``: the renderer's check of blueprint forms;
    ``cache``: the compiled price books' folder (:mod:`config.cpq_cache`), so that a first
    start parses ``pricing.yaml`` once, not once here and once for the quotes."""
    problems: list[str] = []

    def attempt(load: Callable[[], R]) -> R | None:
        try:
            return load()
        except (ConfigError, CpqConfigError, RoutingError) as exc:
            problems.extend(exc.problems)
            return None

    config = attempt(lambda: load_config(folder))
    blueprints = attempt(lambda: load_blueprints(folder)) or []
    for path, blueprint in blueprints:
        problems.extend(_unshowable(path, blueprint, fits))
    workflows = attempt(lambda: load_workflows(folder))
    catalogue = folder / CATALOGUE_FILE
    products = attempt(lambda: load_catalogue_file(catalogue)) if catalogue.is_file() else None
    pricing = attempt(lambda: load_cpq_cached(folder, cache))
    routing = attempt(lambda: load_routing(folder))
    if problems or config is None or pricing is None or routing is None:
        raise ConfigError(problems)
    setup = FullSetup(
        crm=crm_setup(config),
        blueprints=tuple(blueprint for _, blueprint in blueprints),
        workflows=tuple(workflows or ()) if (folder / WORKFLOWS_FILE).is_file() else None,
        products=None if products is None else tuple(products),
    )
    rules = len(pricing.book.prices.rules) + len(pricing.book.configurator.rules)
    notes = tuple(
        Phrase(key, count=count)
        for name, key, count in (
            (PRICING_FILE, "config.change.pricing_note", rules),
            (ROUTING_FILE, "config.change.routing_note", len(routing.routes)),
        )
        if (folder / name).is_file()
    )
    return Folder(config, tuple(blueprints), setup, notes)


def _unshowable(path: Path, blueprint: Blueprint, fits: FormFit | None) -> list[str]:
    """What of a blueprint's forms the renderer could not show (refused before saving)."""
    if fits is None:
        return []
    return [
        wording.line(
            path, f"transitions[{index}].during{'.' + p.path if p.path else ''}", p.message
        )
        for index, t in enumerate(blueprint.transitions)
        for p in fits(t.during)
    ]


async def apply_folder(engine: Engine, folder: Folder, actor: Actor) -> list[str]:
    """Make the database match every file of ``folder``, in one transaction."""
    try:
        return await engine.setup.apply_all(folder.setup, actor)
    except SetupRefused as refused:
        raise ApplyRefused(
            [(PIPELINES_FILE, f"pipelines[{i}].stages", why) for i, why in refused.problems]
        ) from refused
    except ValidationFailed as exc:
        raise ApplyRefused(_problems(folder, exc)) from exc


def _problems(folder: Folder, exc: ValidationFailed) -> list[tuple[str, str, str]]:
    """``blueprints[i].where`` / ``workflows[i]…`` / ``products.CODE`` as file, path, reason."""
    found: list[tuple[str, str, str]] = []
    for key, reason in exc.errors.items():
        part, _, rest = key.partition(".")
        if part.startswith("blueprints["):
            path = folder.blueprints[int(part[len("blueprints[") : -1])][0]
            found.append((f"{BLUEPRINTS_FOLDER}/{path.name}", rest, reason))
        elif part.startswith("workflows["):
            found.append((WORKFLOWS_FILE, key, reason))
        elif part == "products":
            found.append((CATALOGUE_FILE, rest, reason))
        else:
            found.append((PIPELINES_FILE, key, reason))
    return found


async def first_run(
    engine: Engine, path: Path, fits: FormFit | None = None, cache: Path | None = None
) -> list[str] | None:
    """On a first start, apply the configuration folder ``path`` (one transaction) and log it.

    ``None`` when an earlier start already did (nothing is read then): live changes
    made since, in Slack or by a command, are never overwritten. A configuration
    that does not validate stops the first start with its problems (``ConfigError``).
    """
    if await engine.setup.first_run_done():
        return None
    folder = read_folder(path, fits, cache)
    changes = await engine.setup.first_run(folder.setup)
    if changes is None:
        return None
    if not changes:
        log.info("event=first_run applied=false reason=database_in_use folder=%s", path)
        return changes
    products = [line for line in changes if line.startswith("product ")]
    log.info(
        "event=first_run applied=true folder=%s changes=%d products=%d",
        path, len(changes), len(products),
    )  # fmt: skip
    for line in (*(c for c in changes if c not in products), *folder.notes):
        log.info("event=first_run_change change=%r", line)
    return changes
