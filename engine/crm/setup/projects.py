"""Project templates synced to a set-up: the templates listed are created or
replaced, others kept.

The change lines are computed before the template is saved, while the answers
to a question about to be removed can still be counted.
"""

from __future__ import annotations

from engine.crm.projects import ProjectTemplate, Question, load_template, save_template
from engine.crm.setup.changes import change_line
from engine.store.db import Tx
from engine.text.catalogue import Phrase

QUESTION_FIELDS = ("label", "kind", "choices")


def sync_projects(tx: Tx, wanted: tuple[ProjectTemplate, ...]) -> list[str]:
    lines: list[str] = []
    for template in wanted:
        lines += _sync_template(tx, template)
    return lines


def _sync_template(tx: Tx, wanted: ProjectTemplate) -> list[str]:
    current = load_template(tx.conn, wanted.key)
    if current is None:
        save_template(tx, wanted)
        count = len(wanted.questions)
        return [Phrase("config.change.project_created", key=wanted.key, count=count)]
    lines = template_changes(tx, current, wanted)  # before saving: answers still counted
    save_template(tx, wanted)
    return lines


def template_changes(tx: Tx, current: ProjectTemplate, wanted: ProjectTemplate) -> list[str]:
    subject = Phrase("config.change.project", key=wanted.key)
    lines = []
    if current.name != wanted.name:
        lines.append(change_line(subject, "name", current.name, wanted.name))
    old = {q.key: q for q in current.questions}
    new = {q.key: q for q in wanted.questions}
    for key in (k for k in old if k not in new):
        count = _answers(tx, wanted.key, key)
        removed = Phrase("config.change.question_removed", subject=subject, key=key, count=count)
        lines.append(removed)
    for question in wanted.questions:
        before = old.get(question.key)
        if before is None:
            lines.append(Phrase("config.change.question_added", subject=subject, key=question.key))
        else:
            asked = Phrase("config.change.question", subject=subject, key=question.key)
            lines += _question_changes(asked, before, question)
    if [k for k in old if k in new] != [k for k in new if k in old]:
        lines.append(Phrase("config.change.questions_reordered", subject=subject))
    return lines


def _question_changes(subject: str, old: Question, new: Question) -> list[str]:
    return [
        change_line(subject, field, getattr(old, field), getattr(new, field))
        for field in QUESTION_FIELDS
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
