"""The bot's words in French and English, and numbers and dates as each reads them.

The words are messages of the one catalogue (:mod:`engine.text.catalogue`,
``slack.<key>``): ``t(locale, key, **params)`` returns one; a key missing in one
language falls back to English, then to the key itself, so a gap shows rather
than breaks. Field labels are the catalogue's ``field.<name>``; an engine reason
is rendered from its key and parameters (:func:`reason`). Dates are shown in the
reader's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from engine.api import LOCALES, formats, label, phrase_text, text

__all__ = ["LOCALES", "day", "field_label", "money", "percent", "reason", "t", "when"]


def t(locale: str, key: str, /, **params: object) -> str:
    """The bot's message ``slack.<key>`` in ``locale``."""
    return text(locale, f"slack.{key}", **params)


def field_label(locale: str, field: str) -> str:
    return label(locale, field)


def reason(locale: str, said: object) -> str:
    """An engine reason in the reader's language (a message key and its parameters)."""
    return phrase_text(said, locale)


def money(amount: Decimal | None, currency: str, locale: str) -> str:
    return formats.money(amount, currency, locale)


def percent(value: int, locale: str) -> str:
    return formats.percent(value, locale)


def when(moment: datetime, tz: str, locale: str) -> str:
    """A stored UTC moment in the reader's zone: ``12/06/2025 14:30``, ``Jun 12, 2025, 2:30 PM``."""
    return formats.when(moment, tz, locale)


def day(value: date, locale: str) -> str:
    return formats.day(value, locale)
