"""Making the database say what the YAML configuration says.

``apply_config`` runs as one write transaction: either every change is made,
or — when one is refused (a stage that still holds deals, or that a blueprint
in force names) — none is.
It returns one human-readable line per change, and nothing when the
database already matches, so applying twice changes nothing the second time.

What each file governs:

* ``pipelines.yaml``: the pipelines listed, their stages (added, changed,
  reordered, and deleted when absent from the file) and which one is the
  default. Pipelines absent from the file are left as they are. A stage whose
  outcome changes gives its deals the new status (``engine.crm.stage_outcomes``).
* ``users.yaml``: the users listed are created or updated; others are kept.
* ``projects.yaml``: the templates listed are created or replaced; others
  are kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from config.models import (
    PipelineConfig,
    ProjectTemplateConfig,
    RelaisConfig,
    StageConfig,
    UserConfig,
)
from engine.api import Actor, Engine, Forbidden, RelaisError, ValidationFailed
from engine.api.blueprints import stages as blueprint_stages
from engine.api.crm import User, pipelines, projects, users
from engine.api.store import Tx

QUOTED = frozenset(("name", "description", "label"))
PIPELINES_FILE = "pipelines.yaml"


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
    if not actor.is_admin:
        raise Forbidden("only an admin can apply the configuration")
    return await engine.write(lambda tx: apply_in_tx(tx, config), actor)


def apply_in_tx(tx: Tx, config: RelaisConfig) -> list[str]:
    """Runs inside the write transaction: raising anywhere rolls all of it back."""
    lines: list[str] = []
    if config.pipelines is not None:
        lines += sync_pipelines(tx, config.pipelines)
    if config.users is not None:
        lines += sync_users(tx, config.users)
    if config.projects is not None:
        lines += sync_projects(tx, config.projects)
    return lines


def show(field: str, value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or "none"
    return f"'{value}'" if field in QUOTED else str(value)


def change_line(subject: str, field: str, old: object, new: object) -> str:
    return f"{subject}: {field} {show(field, old)} → {show(field, new)}"


# -- pipelines ------------------------------------------------------------------


def sync_pipelines(tx: Tx, wanted: tuple[PipelineConfig, ...]) -> list[str]:
    problems = blueprint_problems(tx, wanted)
    if problems:
        raise ApplyRefused(problems)
    lines: list[str] = []
    for pipeline in wanted:
        lines += _sync_pipeline(tx, pipeline)
    default = next((pipeline.key for pipeline in wanted if pipeline.default), None)
    return lines + (_sync_default(tx, default) if default else [])


def blueprint_problems(tx: Tx, wanted: tuple[PipelineConfig, ...]) -> list[tuple[str, str, str]]:
    """Every stage the file drops (or re-keys) that a blueprint in force still names."""
    problems = []
    for index, pipeline in enumerate(wanted):
        pipeline_id = _pipeline_id(tx, pipeline.key)
        if pipeline_id is None:
            continue
        kept = {stage.key for stage in pipeline.stages}
        for key in (r["key"] for r in _stage_rows(tx, pipeline_id) if r["key"] not in kept):
            refused = blueprint_stages.refusal(tx.conn, pipeline_id, key)
            if refused is not None:
                problems.append((PIPELINES_FILE, f"pipelines[{index}].stages", refused.message))
    return problems


def stage_spec(stage: StageConfig) -> pipelines.StageSpec:
    outcome = None if stage.outcome == "none" else stage.outcome
    return pipelines.StageSpec(
        stage.key, stage.name, stage.probability, stage.folded, outcome, stage.description
    )


def _pipeline_id(tx: Tx, key: str) -> int | None:
    row = tx.one("SELECT id FROM pipelines WHERE key = ?", (key,))
    return None if row is None else int(row["id"])


def _sync_pipeline(tx: Tx, pipeline: PipelineConfig) -> list[str]:
    subject = f"pipeline {pipeline.key}"
    pipeline_id = _pipeline_id(tx, pipeline.key)
    if pipeline_id is None:
        specs = tuple(stage_spec(stage) for stage in pipeline.stages)
        pipelines.create_pipeline(
            tx, pipeline.key, pipeline.name, specs, currency=pipeline.currency
        )
        return [f"{subject}: created with {len(specs)} stages"]
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
    return [f"pipeline {key}: is now the default pipeline"] + [
        f"pipeline {row['key']}: is no longer the default pipeline" for row in previous
    ]


def _stage_rows(tx: Tx, pipeline_id: int) -> list[sqlite3.Row]:
    return tx.all("SELECT * FROM stages WHERE pipeline_id = ? ORDER BY position", (pipeline_id,))


def _sync_stages(tx: Tx, pipeline_id: int, pipeline: PipelineConfig) -> list[str]:
    subject = f"pipeline {pipeline.key}"
    current = {row["key"]: row for row in _stage_rows(tx, pipeline_id)}
    wanted = [stage.key for stage in pipeline.stages]
    lines = []
    for key, row in current.items():
        if key not in wanted:
            pipelines.delete_stage(tx, pipeline_id, row["id"])  # a refusal rolls all back
            lines.append(f"{subject}: stage '{row['name']}' deleted")
    for position, stage in enumerate(pipeline.stages, start=1):
        existing = current.get(stage.key)
        if existing is None:
            pipelines.add_stage(tx, pipeline_id, stage_spec(stage), position)
            lines.append(f"{subject}: stage '{stage.name}' added at position {position}")
        else:
            lines += _change_stage(tx, pipeline_id, existing, stage, subject)
    if [row["key"] for row in _stage_rows(tx, pipeline_id)] != wanted:
        pipelines.reorder_stages(tx, pipeline_id, wanted)
        names = ", ".join(stage.name for stage in pipeline.stages)
        lines.append(f"{subject}: stages reordered: {names}")
    return lines


def _change_stage(
    tx: Tx, pipeline_id: int, row: sqlite3.Row, stage: StageConfig, subject: str
) -> list[str]:
    spec = stage_spec(stage)
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
    lines = []
    for field, (old, new) in changed.fields.items():
        if field == "name":
            lines.append(f"{subject}: stage '{old}' renamed to '{new}'")
        elif field == "folded":
            lines.append(
                change_line(f"{subject}: stage '{spec.name}'", field, bool(old), bool(new))
            )
        else:
            lines.append(change_line(f"{subject}: stage '{spec.name}'", field, old, new))
    if changed.deals:
        lines.append(f"{subject}: {deals_now(changed.deals, spec.name, changed.status)}")
    return lines


def deals_now(count: int, stage: str, status: str) -> str:
    """``3 deals in stage 'Devis' are now won`` (one deal: ``is``)."""
    if count == 1:
        return f"1 deal in stage '{stage}' is now {status}"
    return f"{count} deals in stage '{stage}' are now {status}"


# -- users ----------------------------------------------------------------------


def sync_users(tx: Tx, wanted: tuple[UserConfig, ...]) -> list[str]:
    lines: list[str] = []
    for user in managers_first(wanted):
        lines += _sync_user(tx, user)
    return lines


def managers_first(wanted: tuple[UserConfig, ...]) -> list[UserConfig]:
    """File order, except that a manager comes before the people they manage."""
    ordered: list[UserConfig] = []
    placed: set[str] = set()
    pending = list(wanted)
    while pending:  # without a cycle (the models refuse them) each pass places one
        ready = next((u for u in pending if u.manager is None or u.manager in placed), pending[0])
        pending.remove(ready)
        ordered.append(ready)
        placed.add(ready.email)
    return ordered


def user_draft(user: UserConfig) -> users.UserDraft:
    return users.UserDraft(
        user.name, user.email, user.slack_id, user.role, user.locale, user.timezone, user.manager
    )


def _existing_user(tx: Tx, user: UserConfig) -> User | None:
    """The user ``upsert_user`` will update: by Slack id first, then by e-mail."""
    by_slack = users.find_user_row(tx.conn, user.slack_id) if user.slack_id else None
    by_email = users.find_user_row(tx.conn, user.email)
    if by_slack is not None and by_email is not None and by_slack["id"] != by_email["id"]:
        raise ValidationFailed(
            {f"user {user.email}": f"Slack id {user.slack_id} belongs to {by_slack['name']}"}
        )
    row = by_slack or by_email
    return None if row is None else User.from_row(row)


def _sync_user(tx: Tx, user: UserConfig) -> list[str]:
    before = _existing_user(tx, user)
    user_id, created = users.upsert_user(tx, user_draft(user))
    if created or before is None:
        return [f"user {user.email}: created ({user.role})"]
    after = users.get_user(tx.conn, user_id)
    subject = f"user {user.email}"
    lines = []
    for field in ("name", "email", "slack_id", "role", "locale", "timezone"):
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            lines.append(change_line(subject, field, old, new))
    if before.manager_id != after.manager_id:
        old_boss, new_boss = _email_of(tx, before.manager_id), _email_of(tx, after.manager_id)
        lines.append(change_line(subject, "manager", old_boss, new_boss))
    return lines


def _email_of(tx: Tx, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    row = tx.one("SELECT email, name FROM users WHERE id = ?", (user_id,))
    return None if row is None else str(row["email"] or row["name"])


# -- project templates ----------------------------------------------------------


def sync_projects(tx: Tx, wanted: tuple[ProjectTemplateConfig, ...]) -> list[str]:
    lines: list[str] = []
    for template in wanted:
        lines += _sync_template(tx, project_template(template))
    return lines


def project_template(template: ProjectTemplateConfig) -> projects.ProjectTemplate:
    questions = tuple(
        projects.Question(q.key, q.label, q.kind, q.choices) for q in template.questions
    )
    return projects.ProjectTemplate(template.key, template.name, questions)


def _sync_template(tx: Tx, wanted: projects.ProjectTemplate) -> list[str]:
    current = projects.load_template(tx.conn, wanted.key)
    if current is None:
        projects.save_template(tx, wanted)
        return [f"project {wanted.key}: created with {len(wanted.questions)} questions"]
    lines = template_changes(tx, current, wanted)  # before saving: answers still counted
    projects.save_template(tx, wanted)
    return lines


def template_changes(
    tx: Tx, current: projects.ProjectTemplate, wanted: projects.ProjectTemplate
) -> list[str]:
    subject = f"project {wanted.key}"
    lines = []
    if current.name != wanted.name:
        lines.append(change_line(subject, "name", current.name, wanted.name))
    old = {q.key: q for q in current.questions}
    new = {q.key: q for q in wanted.questions}
    for key in (k for k in old if k not in new):
        count = _answers(tx, wanted.key, key)
        lines.append(f"{subject}: question '{key}' removed ({count} answers deleted)")
    for question in wanted.questions:
        before = old.get(question.key)
        if before is None:
            lines.append(f"{subject}: question '{question.key}' added")
        else:
            lines += _question_changes(f"{subject}: question '{question.key}'", before, question)
    if [k for k in old if k in new] != [k for k in new if k in old]:
        lines.append(f"{subject}: questions reordered")
    return lines


def _question_changes(subject: str, old: projects.Question, new: projects.Question) -> list[str]:
    return [
        change_line(subject, field, getattr(old, field), getattr(new, field))
        for field in ("label", "kind", "choices")
        if getattr(old, field) != getattr(new, field)
    ]


def _answers(tx: Tx, template_key: str, question_key: str) -> int:
    return int(
        tx.scalar(
            "SELECT count(*) FROM deal_answers a JOIN project_questions q ON q.id = a.question_id"
            " JOIN project_templates t ON t.id = q.template_id WHERE t.key = ? AND q.key = ?",
            (template_key, question_key),
        )
    )
