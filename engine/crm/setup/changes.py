"""The wording of one change line, shared by every part of a set-up.

``pipeline default: probability 10 → 20``, names quoted, booleans as yes/no,
lists joined: what an admin reads after ``config apply``.
"""

from __future__ import annotations

QUOTED = frozenset(("name", "description", "label"))


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


def deals_now(count: int, stage: str, status: str) -> str:
    """``3 deals in stage 'Devis' are now won`` (one deal: ``is``)."""
    if count == 1:
        return f"1 deal in stage '{stage}' is now {status}"
    return f"{count} deals in stage '{stage}' are now {status}"
