"""The bot's words in French and English, and numbers and dates as each reads them.

The words are messages of the one catalogue (:mod:`engine.text.catalogue`,
``slack.<key>``): ``t(locale, key, **params)`` returns one; a key missing in one
language falls back to English, then to the key itself, so a gap shows rather
than breaks. Field labels are the catalogue's ``field.<name>``; an engine reason
is rendered from its key and parameters (:func:`reason`). Numbers, money and
dates are :mod:`engine.text.formats`' (``engine.api.formats``), called directly.
"""

from __future__ import annotations

from engine.api import LOCALES, label, phrase_text, text

__all__ = ["LOCALES", "field_label", "reason", "t"]


def t(locale: str, key: str, /, **params: object) -> str:
    """The bot's message ``slack.<key>`` in ``locale``."""
    return text(locale, f"slack.{key}", **params)


def field_label(locale: str, field: str) -> str:
    return label(locale, field)


def reason(locale: str, said: object) -> str:
    """An engine reason in the reader's language (a message key and its parameters)."""
    return phrase_text(said, locale)
