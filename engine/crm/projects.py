"""Project templates: a questionnaire configured once, answered per deal."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.errors import ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase

QUESTION_KINDS = ("text", "number", "choice", "yes_no", "date")


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectTemplate:
    key: str
    name: str
    questions: tuple[Question, ...] = ()


def save_template(tx: Tx, template: ProjectTemplate) -> bool:
    """Create or replace a template's questions; returns whether anything changed."""
    row = tx.one("SELECT * FROM project_templates WHERE key = ?", (template.key,))
    if row is None:
        template_id = tx.insert("project_templates", {"key": template.key, "name": template.name})
        tx.record("project_template", template_id, "created", {"name": (None, template.name)})
    else:
        template_id = row["id"]
        if template == load_template(tx.conn, template.key):
            return False
        tx.execute(
            "UPDATE project_templates SET name = ? WHERE id = ?", (template.name, template_id)
        )
        tx.record(
            "project_template", template_id, "updated", {"name": (row["name"], template.name)}
        )
    keep = [q.key for q in template.questions]
    tx.execute(
        f"DELETE FROM project_questions WHERE template_id = ? AND key NOT IN "
        f"({', '.join('?' for _ in keep) or 'NULL'})",
        (template_id, *keep),
    )
    for position, question in enumerate(template.questions, start=1):
        tx.execute(
            "INSERT INTO project_questions (template_id, key, label, kind, choices, position)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (template_id, key) DO UPDATE SET"
            " label = excluded.label, kind = excluded.kind, choices = excluded.choices,"
            " position = excluded.position",
            (template_id, question.key, question.label, question.kind,
             json.dumps(list(question.choices)), position),
        )  # fmt: skip
    return True


def load_template(conn: sqlite3.Connection, key: str) -> ProjectTemplate | None:
    row = conn.execute("SELECT * FROM project_templates WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    questions = tuple(
        Question(q["key"], q["label"], q["kind"], tuple(json.loads(q["choices"])))
        for q in conn.execute(
            "SELECT * FROM project_questions WHERE template_id = ? ORDER BY position", (row["id"],)
        )
    )
    return ProjectTemplate(row["key"], row["name"], questions)


def list_templates(conn: sqlite3.Connection) -> list[ProjectTemplate]:
    keys = [r["key"] for r in conn.execute("SELECT key FROM project_templates ORDER BY id")]
    return [t for t in (load_template(conn, k) for k in keys) if t is not None]


def save_answers(
    tx: Tx, deal_id: int, template_id: int | None, answers: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    if template_id is None:
        raise ValidationFailed({"answers": Phrase("project.no_template")})
    questions = {
        q["key"]: q
        for q in tx.all("SELECT * FROM project_questions WHERE template_id = ?", (template_id,))
    }
    errors: dict[str, str] = {}
    changes = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            errors[f"answers.{key}"] = Phrase("project.not_a_question")
            continue
        problem = _check_answer(question, str(value))
        if problem:
            errors[f"answers.{key}"] = problem
            continue
        old = tx.scalar(
            "SELECT value FROM deal_answers WHERE deal_id = ? AND question_id = ?",
            (deal_id, question["id"]),
        )
        if old != str(value):
            tx.execute(
                "INSERT INTO deal_answers (deal_id, question_id, value) VALUES (?, ?, ?)"
                " ON CONFLICT (deal_id, question_id) DO UPDATE SET value = excluded.value",
                (deal_id, question["id"], str(value)),
            )
            changes[f"answers.{key}"] = (old, str(value))
    if errors:
        raise ValidationFailed(errors)
    return changes


def _check_answer(question: sqlite3.Row, value: str) -> str | None:
    choices = json.loads(question["choices"])
    if question["kind"] == "choice" and value not in choices:
        return Phrase("value.choose", choices=choices)
    if question["kind"] == "number":
        try:
            float(value.replace(",", "."))
        except ValueError:
            return Phrase("value.number_expected")
    if question["kind"] == "yes_no" and value.lower() not in ("yes", "no", "oui", "non"):
        return Phrase("value.yes_or_no")
    return None


def deal_answers(conn: sqlite3.Connection, deal_id: int) -> dict[str, str]:
    return {
        row["key"]: row["value"]
        for row in conn.execute(
            "SELECT q.key, a.value FROM deal_answers a JOIN project_questions q"
            " ON q.id = a.question_id WHERE a.deal_id = ? ORDER BY q.position",
            (deal_id,),
        )
    }
