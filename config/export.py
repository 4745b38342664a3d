"""The live configuration written back as YAML files that ``load_config`` reads.

Built from plain records (not validated), so that an export always succeeds;
``run.py config check`` on the exported folder then says what, if anything,
the database holds that the files cannot express.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.api import Engine, text
from engine.api.crm import Pipeline, ProjectTemplate, Question, SetupRecords, Stage, User

# The comment every exported file begins with (catalogue keys, one line each).
HEADER = ("config.export.header_from", "config.export.header_then")
DEFAULT = "en"  # a caller that names no language (a test, a script) reads English


class _Dumper(yaml.SafeDumper):
    """The safe dumper, indenting lists under their key as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


async def export_config(engine: Engine, locale: str = DEFAULT) -> dict[str, str]:
    """File name → YAML text of the pipelines, users and project templates in the database;
    the comments in ``locale`` (the command's language), the data as the database holds it."""
    return export_files(await engine.setup.records(), locale)


def export_files(records: SetupRecords, locale: str = DEFAULT) -> dict[str, str]:
    """The three files, from one snapshot of the database."""
    with_email = [user for user in records.users if user.email]
    skipped = len(records.users) - len(with_email)
    note = comment(locale, "config.export.without_email", count=skipped) if skipped else ""
    emails = {user.id: user.email for user in with_email}
    return {
        "pipelines.yaml": dump(
            {"pipelines": [pipeline_data(p) for p in records.pipelines]}, locale=locale
        ),
        "users.yaml": dump({"users": [user_data(u, emails) for u in with_email]}, note, locale),
        "projects.yaml": dump(
            {"projects": [template_data(t) for t in records.projects]}, locale=locale
        ),
    }


def comment(locale: str, key: str, /, **params: Any) -> str:
    """One YAML comment line: the catalogue's message (a plural by ``count``) after ``# ``."""
    return f"# {text(locale, key, **params)}\n"


def dump(data: dict[str, Any], note: str = "", locale: str = DEFAULT) -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    header = "".join(comment(locale, key) for key in HEADER)
    return header + note + "\n" + body


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
