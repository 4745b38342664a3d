"""Amounts as people type them: ``7 500``, ``7 500 €``, ``7,500.50``, ``7,5 k€``.

The reader's decimal mark comes from Babel's locale data; the other mark groups
thousands when three digits follow it. A single mark followed by exactly three
digits in the reader's own decimal mark (``7,500`` in French) could be either:
that is a question (``amount.ambiguous``), never a guess. Amounts are
:class:`~decimal.Decimal`, never ``float``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from engine.text.unreadable import Unreadable, _decimal_mark, _re, _shown

THOUSAND = Decimal(1000)


CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "us$": "USD",
    "$us": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP", "¥": "JPY", "jpy": "JPY",
    "chf": "CHF",
}  # fmt: skip
_AMOUNT = (
    r"^(?P<sign>[-−])?\s*(?P<pre>[^\d\s.,'−-]{1,3})?\s*(?P<sign2>[-−])?\s*"
    r"(?P<number>\d[\d\s.,']*?)\s*(?P<k>[kK])?\s*(?P<post>[^\d\s.,'−-]{1,6})?$"
)
_SPACES = r"[\s\u00a0\u202f]+"
_GROUPED = r"^\d{1,3}(?:[ ']\d{3})*$"


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount typed, with the currency it named (``None``: the record's own)."""

    value: Decimal
    currency: str | None = None


def amount(text: str, locale: str | None = None) -> Amount:
    """``text`` as an amount, or :class:`Unreadable` saying why it is not one.

    ``locale`` gives the decimal mark (``fr``: ``,``; ``en``: ``.``); without it the
    comma is, as in French.
    """
    cleaned = _re(_SPACES).sub(" ", text.strip())
    found = _re(_AMOUNT).match(cleaned)
    if not found or (found["sign"] and found["sign2"]):
        raise Unreadable("amount.unreadable", text=_shown(text))
    currency = _currency(found["pre"], found["post"], text)
    value = _number(found["number"].strip(), _decimal_mark(locale), text)
    if found["k"]:
        if not re.fullmatch(r"\d+(?:[.,]\d{1,3})?", found["number"].strip()):
            raise Unreadable("amount.unreadable", text=_shown(text))
        value *= THOUSAND
    if found["sign"] or found["sign2"]:
        value = -value
    return Amount(value, currency)


def _currency(pre: str | None, post: str | None, text: str) -> str | None:
    if pre and post:
        raise Unreadable("amount.unreadable", text=_shown(text))
    word = pre or post
    if not word:
        return None
    code = CURRENCIES.get(word.lower()) or word.upper()
    if code not in _iso_currencies():  # "Lot 7 500": a word, not a currency
        raise Unreadable("amount.unreadable", text=_shown(text))
    return code


@cache
def _iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def _number(number: str, mark: str, text: str) -> Decimal:
    """Digits with their marks: which one is the decimal point, the others thousands."""
    body = number.replace("'", " ")
    whole, fraction = body, ""
    last = max(body.rfind("."), body.rfind(","))
    if last >= 0:
        sep, head, tail = body[last], body[:last], body[last + 1 :]
        if sep in head:  # "7.500.000": a repeated mark groups thousands
            pass
        elif "." in head or "," in head:  # "7.500,50", "7,500.50": the last mark is decimal
            whole, fraction = head, tail
        elif len(tail) == 3 and sep == mark:  # "7,500" in French: 7,5 or 7 500?
            raise Unreadable(
                "amount.ambiguous", text=_shown(text),
                first=f"{head}{mark}{tail.rstrip('0') or '0'}", second=f"{head} {tail}",
            )  # fmt: skip
        elif len(tail) != 3:  # "7500.50", "7,5": a decimal point, whichever it is
            whole, fraction = head, tail
    digits = whole.replace(".", " ").replace(",", " ")
    if not (digits.isdigit() or _re(_GROUPED).fullmatch(digits)) or (
        fraction and not fraction.isdigit()
    ):
        raise Unreadable("amount.unreadable", text=_shown(text))
    return Decimal(digits.replace(" ", "") + ("." + fraction if fraction else ""))
