"""The words of CPQ traces and quote documents: thin users of the catalogue.

A trace step is data (``kind``, ``rule``, ``params``); this module turns it
into a sentence in the reader's language (``cpq.step.<kind>``, its reasons
``cpq.reason.<code>``, price rule kinds ``cpq.kind.<kind>``, the quote document's
labels ``cpq.document.<key>``; see :mod:`engine.text.catalogue`). Condition reasons
inside ``params["reason"]`` are written in symbols (``deal.region: nord ∉ [sud]``)
and need no translation.
"""

from __future__ import annotations

import re
from decimal import Decimal

from engine.text import formats
from engine.text.catalogue import has, placeholders, plural, text


def reason(key: str, locale: str = "en", **params: str) -> str:
    return text(locale, f"cpq.reason.{key}", **params)


def kind_label(kind: str, locale: str = "en") -> str:
    key = f"cpq.kind.{kind}"
    return text(locale, key) if has(key) else kind


def describe(kind: str, rule: str | None, params: dict[str, str], locale: str = "en") -> str:
    """One trace step as a sentence; unknown kinds fall back to their name."""
    key = f"cpq.step.{kind}"
    if not has(key):
        return f"{kind} {rule or ''} {params}".strip()
    values = {**localised(params, locale), "rule": rule or ""}
    if "reason_code" in params:
        extra = {k: v for k, v in params.items() if k != "reason_code"}
        values["reason"] = reason(params["reason_code"], locale, **extra)
    if "kind" in params:
        values["what"] = kind_label(params["kind"], locale)
    missing = {name: "?" for name in placeholders(key) if name not in values}
    return plural(locale, key, _count(params.get("units")), **values, **missing)


# A trace stores its amounts as pricing wrote them ("2890.00 EUR", "12.5 %", "7.5"):
# shown, they are the reader's ("2 890,00 €", "12,5 %", "7,5"), like every other amount.
_MONEY = re.compile(r"(-?\d+(?:\.\d+)?) ([A-Z]{3})")
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?) %")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NUMBERS = ("quantity", "units", "to", "value")


def localised(params: dict[str, str], locale: str) -> dict[str, str]:
    """A step's amounts, percentages and quantities written as the reader writes them."""
    shown = dict(params)
    for name, value in params.items():
        if found := _MONEY.fullmatch(value):
            shown[name] = formats.money(Decimal(found[1]), found[2], locale)
        elif found := _PERCENT.fullmatch(value):
            places = len(found[1].partition(".")[2])
            shown[name] = formats.percent(Decimal(found[1]), locale, places)
        elif name in _NUMBERS and _NUMBER.fullmatch(value):
            shown[name] = formats.number(Decimal(value), locale)
    return shown


def _count(value: str | None) -> int:
    try:
        return int(float(value)) if value is not None else 2
    except ValueError:
        return 2


def word(key: str, locale: str = "en", **params: str) -> str:
    """A label of the quote document."""
    return text(locale, f"cpq.document.{key}", **params)
