"""What the quote document says about the seller, the work and the terms.

Each function turns settings (:class:`engine.cpq.seller.Seller`) and the
quote's record into sentences in the reader's language: the catalogue's
``cpq.mention.*`` messages, with amounts, dates, numbers and percentages written
by :mod:`engine.text.formats` like everywhere else (``-69,00 €`` / ``-€69.00``).
A mention whose setting is empty is left out (``run.py config check`` warns about
those a French devis needs). Amounts stay :class:`~decimal.Decimal`, rounded
half-up to the cent.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.cpq.quotes import Quote, QuoteSettings
from engine.cpq.seller import Seller
from engine.text import formats
from engine.text.catalogue import plural, text

CENT = Decimal("0.01")


def legal_mention(key: str, locale: str, **params: str) -> str:
    """A legal mention of the document in ``locale`` (``cpq.mention.<key>``)."""
    return text(locale, f"cpq.mention.{key}", **params)


def percent_text(value: Decimal, locale: str) -> str:
    """``30 %`` / ``30%``, ``12,5 %`` / ``12.5%``: as many decimals as the value has."""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return formats.percent(value, locale, places)


def seller_lines(settings: QuoteSettings) -> list[str]:
    """The header's top-left block: the seller's name, address, then the ``company`` lines."""
    seller = settings.seller
    name = " ".join(part for part in (seller.name, seller.legal_form) if part)
    lines = [name] if name else []
    lines += [line for line in seller.address if line not in settings.company]
    return lines + [line for line in settings.company if line != name]


def identity(seller: Seller, currency: str, locale: str) -> str:
    """The legal identity: name, form and capital, SIREN/SIRET, RCS, VAT number."""
    parts: list[str] = []
    name = " ".join(part for part in (seller.name, seller.legal_form) if part)
    if seller.share_capital is not None:
        capital = legal_mention("capital", locale, amount=_whole(seller.share_capital, locale))
        name = f"{name}{capital}".strip(" ,")
    if name:
        parts.append(name)
    siren = _grouped(seller.siren or seller.siret[:9])
    if locale == "fr":
        if seller.siret:
            parts.append(legal_mention("siret", locale, number=_grouped(seller.siret)))
        elif siren:
            parts.append(legal_mention("siren", locale, number=siren))
    elif seller.company_number or siren:
        parts.append(legal_mention("siren", locale, number=seller.company_number or siren))
    if seller.rcs_city and siren:
        parts.append(legal_mention("rcs", locale, city=seller.rcs_city, number=siren))
    if seller.vat_number:
        parts.append(legal_mention("vat", locale, number=seller.vat_number))
    return " · ".join(parts)


def _grouped(number: str) -> str:
    """``123 456 782`` / ``123 456 782 00010``: a SIREN or SIRET as the registers print it."""
    if not number.isdigit() or len(number) not in (9, 14):
        return number
    return "\xa0".join([number[0:3], number[3:6], number[6:9], number[9:]]).strip("\xa0")


def _whole(amount: Decimal, locale: str) -> str:
    """A share capital: without cents when it is a whole number of euros."""
    shown = formats.money(amount.quantize(CENT, ROUND_HALF_UP), "EUR", locale)
    return shown.replace(",00\xa0", "\xa0") if locale == "fr" else shown.removesuffix(".00")


def client_address(quote: Quote, settings: QuoteSettings) -> str | None:
    """The contact's postal address, else the organisation's, else the deal's address field
    (how a private client's address was kept before contacts had one)."""
    return quote.address or _custom_text(quote.custom, settings.deal_fields.client_address)


def work_lines(quote: Quote, settings: QuoteSettings, locale: str) -> list[str]:
    """When the work starts and how long it lasts, from the deal's custom fields."""
    fields = settings.deal_fields
    lines = []
    start = _custom_text(quote.custom, fields.work_start)
    if start:
        with suppress(ValueError):
            start = formats.day(date.fromisoformat(start), locale)
        lines.append(legal_mention("work_start", locale, date=start))
    duration = quote.custom.get(fields.work_duration)
    if isinstance(duration, int | float | Decimal) and not isinstance(duration, bool):
        count = Decimal(str(duration))
        shown = formats.number(count, locale)
        duration = plural(locale, "cpq.mention.days", 1 if count == 1 else 2, count=shown)
    if duration not in (None, ""):
        lines.append(legal_mention("work_duration", locale, duration=str(duration)))
    return lines


def _custom_text(custom: dict[str, Any], key: str) -> str | None:
    value = custom.get(key)
    return None if value in (None, "") else str(value)


def conditions(quote: Quote, settings: QuoteSettings, locale: str) -> list[str]:
    """Validity, payment, deposit, penalties, the 40 € indemnity, the décennale insurance."""
    seller = settings.seller
    lines = []
    if quote.valid_until is not None:
        days = str((quote.valid_until - quote.quote_date).days)
        until = formats.day(quote.valid_until, locale)
        lines.append(legal_mention("validity_days", locale, days=days, date=until))
    if seller.payment_days is not None:
        key = "payment_days" if seller.payment_days else "payment_now"
        lines.append(legal_mention(key, locale, days=str(seller.payment_days)))
    if seller.deposit_percent:
        deposit = (quote.priced.totals.total * seller.deposit_percent / 100).quantize(
            CENT, ROUND_HALF_UP
        )
        amount = formats.money(deposit, quote.currency, locale)
        percent = percent_text(seller.deposit_percent, locale)
        lines.append(legal_mention("deposit", locale, percent=percent, amount=amount))
    if seller.late_penalty_rate is not None:
        rate = percent_text(seller.late_penalty_rate, locale)
        lines.append(legal_mention("penalty", locale, rate=rate))
        if quote.organisation:
            lines.append(legal_mention("indemnity", locale))
        lines.append(legal_mention("no_discount", locale))
    cover = seller.insurance
    if cover.insurer or cover.policy:
        lines.append(
            legal_mention(
                "insurance",
                locale,
                insurer=cover.insurer or "—",
                policy=cover.policy or "—",
                coverage=cover.coverage or "—",
            )
        )
    return lines
