"""What typed text could not be read, and the small tools both readers share.

:mod:`engine.text.amounts` and :mod:`engine.text.typed` raise :class:`Unreadable`
with a code and its parameters, so an adapter says it in the reader's language
(the catalogue's ``typed.<code>``); ``str()`` stays the English sentence for logs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from engine.text import catalogue


def said(code: str, locale: str, **params: str) -> str:
    """The message ``code`` in ``locale``: the catalogue's ``typed.<code>``."""
    return catalogue.text(locale, f"typed.{code}", **params)


class Unreadable(ValueError):
    """Typed text that is not understood, or not without a question.

    ``code`` (``amount.unreadable``, ``amount.ambiguous``, ``date.unreadable``,
    ``date.ambiguous``, ``date.missing_time``) and ``params`` let an adapter say it in
    the reader's language (:meth:`text`); ``str()`` is the English sentence.
    """

    def __init__(self, code: str, **params: str) -> None:
        self.code = code
        self.params = params
        super().__init__(said(code, "en", **params))

    def text(self, locale: str) -> str:
        return said(self.code, locale, **self.params)


@cache
def _re(pattern: str) -> re.Pattern[str]:
    """A pattern compiled on first use: importing this module compiles nothing."""
    return re.compile(pattern)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _plain(text: str) -> str:
    """Lower case, without accents, one space between words, straight apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def _decimal_mark(locale: str | None) -> str:
    if locale is None:
        return ","
    from babel.numbers import get_decimal_symbol

    from engine.text.formats import babel_locale

    return str(get_decimal_symbol(babel_locale(locale)))
