"""Message templates for after-actions: ``"Visite chez {contact.name} le {input.visit_date}"``.

Only named placeholders are replaced, from a flat mapping; nothing is
evaluated, and an unknown name is caught when the blueprint is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
NAMES = (
    "deal.id", "deal.title", "deal.stage", "deal.expected_revenue", "deal.owner",
    "contact.name", "contact.email", "actor", "transition", "from", "to",
)  # fmt: skip


def names(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


LEAD_NAMES = (
    "lead.id", "lead.title", "lead.status", "lead.owner",
    "contact.name", "contact.email", "actor", "transition", "from", "to",
)  # fmt: skip


def unknown(text: str, inputs: Iterable[str], known: Iterable[str] = NAMES) -> list[str]:
    allowed = {*known, *(f"input.{key}" for key in inputs)}
    return [name for name in names(text) if name not in allowed]


def render(text: str, values: Mapping[str, object]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return "" if value is None else str(value)

    return PLACEHOLDER.sub(replace, text)
