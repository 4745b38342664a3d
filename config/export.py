"""The live configuration written back as YAML files that ``load_config`` reads.

Built from plain records (not validated), so that an export always succeeds;
``run.py config check`` on the exported folder then says what, if anything,
the database holds that the files cannot express.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.api import Engine
from engine.api.crm import Pipeline, ProjectTemplate, Question, SetupRecords, Stage, User

HEADER = (
    "# Exported from the Relais database by `run.py config export`.\n"
    "# Edit it, then run `run.py config check` and `run.py config apply`.\n"
)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, indenting lists under their key as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


async def export_config(engine: Engine) -> dict[str, str]:
    """File name → YAML text of the pipelines, users and project templates in the database."""
    return export_files(await engine.setup.records())


def export_files(records: SetupRecords) -> dict[str, str]:
    """The three files, from one snapshot of the database."""
    with_email = [user for user in records.users if user.email]
    skipped = len(records.users) - len(with_email)
    note = f"# {skipped} user(s) without an e-mail address are not listed.\n" if skipped else ""
    emails = {user.id: user.email for user in with_email}
    return {
        "pipelines.yaml": dump({"pipelines": [pipeline_data(p) for p in records.pipelines]}),
        "users.yaml": dump({"users": [user_data(u, emails) for u in with_email]}, note),
        "projects.yaml": dump({"projects": [template_data(t) for t in records.projects]}),
    }


def dump(data: dict[str, Any], note: str = "") -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + note + "\n" + body


def pipeline_data(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "key": pipeline.key,
        "name": pipeline.name,
        "currency": pipeline.currency,
        "default": pipeline.is_default,
        "stages": [stage_data(stage) for stage in pipeline.stages],
    }


def stage_data(stage: Stage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": stage.key,
        "name": stage.name,
        "probability": stage.probability,
        "folded": stage.folded,
        "outcome": stage.outcome or "none",
    }
    if stage.description:
        data["description"] = stage.description
    return data


def user_data(user: User, emails: dict[int, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": user.name, "email": user.email}
    if user.slack_id:
        data["slack_id"] = user.slack_id
    data |= {"role": user.role, "locale": user.locale, "timezone": user.timezone}
    manager = emails.get(user.manager_id) if user.manager_id is not None else None
    if manager:
        data["manager"] = manager
    return data


def template_data(template: ProjectTemplate) -> dict[str, Any]:
    return {
        "key": template.key,
        "name": template.name,
        "questions": [question_data(question) for question in template.questions],
    }


def question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": question.key, "label": question.label, "kind": question.kind}
    if question.choices:
        data["choices"] = list(question.choices)
    return data
