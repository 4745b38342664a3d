"""Values carried by buttons and modals: ``42|devis|3`` and back.

Slack hands a button's ``value`` and a modal's ``private_metadata`` back
untouched; they carry the record, the choice and the version the user saw,
so a click on a stale card becomes a conflict instead of an overwrite.
"""

from __future__ import annotations

import json
from typing import Any

SEP = "|"


def pack(*parts: object) -> str:
    return SEP.join("" if p is None else str(p) for p in parts)


def unpack(value: str, count: int) -> list[str]:
    parts = value.split(SEP)
    return (parts + [""] * count)[:count]


def number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def metadata(**values: Any) -> str:
    """A modal's ``private_metadata`` (at most 3000 characters)."""
    text = json.dumps(values, separators=(",", ":"))
    if len(text) > 3000:
        raise ValueError("private_metadata is limited to 3000 characters")
    return text


def read_metadata(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}
