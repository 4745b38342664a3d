"""The words of a blueprint's problems: catalogue messages, read in the reader's language.

Whoever applies a blueprint reads what is wrong with it — an administrator running
``blueprint apply --check`` or ``config check``, in French or in English. Each problem
:mod:`engine.blueprints.check` finds is a :class:`~engine.text.catalogue.Phrase`
(``config.problem.bp_…``): it reads as its English text in logs and tests, and the
command renders it with ``.text(locale)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.crm import fields
from engine.text.catalogue import Phrase

PREFIX = "config.problem.bp_"


def wrong(key: str, /, **params: Any) -> str:
    """The problem ``config.problem.bp_<key>`` with its ``params``."""
    return Phrase(PREFIX + key, **params)


def hint(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'stage'?)`` for a near miss; nothing otherwise."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return wrong("hint", name=repr(close[0])) if close else ""


def unknown_field(name: str, catalogue: dict[str, fields.DealField] | None = None) -> str:
    """A field the record does not have, with the nearest one it has."""
    lead = catalogue is fields.LEAD_FIELDS
    near = hint(name, fields.LEAD_FIELDS if lead else fields.DEAL_FIELDS)
    return wrong("unknown_lead_field" if lead else "unknown_deal_field", name=repr(name), hint=near)


def whole_percent(value: str) -> bool:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return False
    return number.is_finite() and number == number.to_integral_value() and 0 <= number <= 100
