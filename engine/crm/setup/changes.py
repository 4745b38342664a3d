"""The wording of one change line, shared by every part of a set-up.

``pipeline default: probability 10 → 20``, names quoted, booleans as yes/no,
lists joined: what an admin reads after ``config apply``. Each line is a
:class:`~engine.text.catalogue.Phrase` (``config.change.…``): it reads as its
English text in the logs and in tests, and ``run.py config apply --lang fr``
renders it in French.
"""

from __future__ import annotations

from engine.text.catalogue import Phrase

QUOTED = frozenset(("name", "description", "label"))


def show(field: str, value: object) -> str:
    """A value of a change line: ``none``, ``yes``/``no`` in the reader's words."""
    if value is None:
        return Phrase("config.change.none")
    if isinstance(value, bool):
        return Phrase("config.change.yes" if value else "config.change.no")
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or Phrase("config.change.none")
    return f"'{value}'" if field in QUOTED else str(value)


def change_line(subject: str, field: str, old: object, new: object) -> str:
    return Phrase(
        "config.change.field", subject=subject, field=field, old=show(field, old),
        new=show(field, new),
    )  # fmt: skip


def deals_now(subject: str, count: int, stage: str, status: str) -> str:
    """``pipeline default: 3 deals in stage 'Devis' are now won`` (one deal: ``is``)."""
    shown = Phrase(f"cli.deal_status_{status}")
    return Phrase(
        "config.change.deals_now", subject=subject, count=count, stage=stage, status=shown
    )
