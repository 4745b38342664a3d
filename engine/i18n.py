"""The engine's user-facing messages by message code: thin users of :mod:`engine.text.catalogue`.

Errors and refusal reasons carry a ``code`` and ``params``; an adapter turns
them into the reader's language with :func:`translate` (the catalogue's
``engine.<code>`` message, or the message whose key the code is). A code
missing in one language falls back to English, then to the code itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.text.catalogue import LOCALES, engine_key, has, text

__all__ = ["LEAD_STATUS_NAMES", "LOCALES", "LeadStatus", "lead_status_name", "translate"]

# The lead statuses, whose names a reader sees (``lead_status.<key>`` in the catalogue);
# the keys stay in the data, the YAML and the options.
LEAD_STATUS_NAMES = ("new", "contacted", "qualified", "disqualified", "converted")


def lead_status_name(status: str, locale: str = "en") -> str:
    """The lead status ``status`` by its name in ``locale`` (an unknown key as it is)."""
    key = f"lead_status.{status}"
    return text(locale, key) if has(key) else status


@dataclass(frozen=True, slots=True)
class LeadStatus:
    """A lead status as a message parameter: shown by its name in the reader's language."""

    status: str

    def text(self, locale: str) -> str:
        return lead_status_name(self.status, locale)

    def __str__(self) -> str:
        return self.status


def translate(code: str, locale: str = "en", **params: Any) -> str:
    """The message ``code`` in ``locale`` with its ``params`` filled in."""
    key = engine_key(code)
    return text(locale, key, **params) if has(key) else code
