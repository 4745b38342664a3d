"""Every value a person reads, in their locale: one module, built on Babel.

Slack, the command line, e-mails, reminders and the quote PDF all show numbers,
money, percentages, dates and times through these functions, so one amount is
written one way everywhere: ``-69,00 €`` in French, ``-€69.00`` in English,
``¥2,890`` (no decimals in yen).

* Money comes as :class:`~decimal.Decimal` (never ``float``) and is rounded
  here, explicitly, to the currency's own number of decimals (CLDR's: 2 for EUR,
  0 for JPY, 3 for KWD), half-up like every rounding of Relais; Babel then only
  places the symbol, the sign and the separators.
* Moments are stored in UTC; they are shown in the reader's time zone, with the
  zone's name when it could be misread (``zone=True``: the reader's zone differs
  from the record's, or a command line that used to print UTC).
* Babel is imported inside the functions (``import babel.numbers, babel.dates``
  costs about 45 ms): a command that prints no formatted value does not pay it.

Locales are Relais' ``fr`` and ``en`` (any CLDR locale works; an unknown one
falls back to English).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from babel import Locale

NONE = "—"
ROUNDING = ROUND_HALF_UP
# A numeric date reads unambiguously in French (day first, always); in English the
# month is written, since 03/12/2026 is March to some readers and December to others.
_DATE_SKELETONS = {"fr": "yMMdd"}
_DATE_SKELETON = "yMMMd"
_CLDR_NAMES = {"fr": "fr_FR", "en": "en"}


@cache
def babel_locale(locale: str) -> Locale:
    """The Babel locale of a Relais locale (``fr``, ``en``); English when unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(_CLDR_NAMES.get(locale, locale).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _language(locale: str) -> str:
    return str(babel_locale(locale).language)


# -- numbers and money ---------------------------------------------------------------


def number(value: Decimal | int, locale: str, decimals: int | None = None) -> str:
    """``7 500,5`` / ``7,500.5``; with ``decimals``, rounded half-up to that many."""
    from babel.numbers import format_decimal

    amount = Decimal(value)
    if decimals is not None:
        amount = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(amount, pattern, locale=babel_locale(locale))
    return format_decimal(amount, locale=babel_locale(locale), decimal_quantization=False)


def currency_digits(currency: str) -> int:
    """How many decimals ``currency`` is written with (CLDR): EUR 2, JPY 0, KWD 3."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency.upper()))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's own decimals."""
    quantum = Decimal(1).scaleb(-currency_digits(currency))
    return amount.quantize(quantum, rounding=ROUNDING)


def money(amount: Decimal | int | None, currency: str, locale: str) -> str:
    """``2 890,00 €``, ``-€69.00``, ``¥2,890``, ``1 234,50 $US``; ``—`` for no amount."""
    if amount is None:
        return NONE
    if not isinstance(amount, Decimal | int):  # a float has lost its cents already
        raise TypeError(f"money is a Decimal, never a {type(amount).__name__}")
    from babel.numbers import format_currency

    code = currency.upper()
    rounded = round_money(Decimal(amount), code)
    shown = format_currency(rounded, code, locale=babel_locale(locale), currency_digits=True)
    return _spaced(shown)


def _spaced(shown: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: ``CHF 99.90``, not ``CHF99.90``."""
    for i in range(1, len(shown)):
        before, after = shown[i - 1], shown[i]
        if (before.isalpha() and after.isdigit()) or (before.isdigit() and after.isalpha()):
            return shown[:i] + "\u00a0" + shown[i:]
    return shown


def currency_symbol(currency: str, locale: str) -> str:
    """``€``, ``$`` (``$US`` in French), ``¥``: the symbol the reader knows."""
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency.upper(), locale=babel_locale(locale))


def percent(value: Decimal | int, locale: str, decimals: int = 0) -> str:
    """A percentage given in points: ``30`` → ``30 %`` (fr), ``30%`` (en); ``12.5`` with 1."""
    from babel.numbers import format_percent

    cldr = babel_locale(locale)
    points = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING)
    pattern = str(cldr.percent_formats[None].pattern)  # "#,##0 %" in French
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return format_percent(points / 100, pattern, locale=cldr)


# -- dates and times -----------------------------------------------------------------


@cache
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def local(moment: datetime, tz: str) -> datetime:
    """A stored moment in the reader's zone (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(tz))


@cache
def _skeleton_pattern(skeleton: str, locale: str) -> str:
    """The locale's pattern for a skeleton, found once (Babel's search costs ~2 ms a call)."""
    from babel.dates import match_skeleton

    skeletons = babel_locale(locale).datetime_skeletons
    found = skeleton if skeleton in skeletons else match_skeleton(skeleton, skeletons)
    return str(skeletons[found].pattern)


def _skeleton(skeleton: str, value: date, locale: str) -> str:
    """Babel's ``format_skeleton``, with the skeleton's pattern looked up once per locale."""
    from babel.dates import format_datetime

    pattern = _skeleton_pattern(skeleton, locale)
    return format_datetime(value, pattern, locale=babel_locale(locale))


def day(value: date | datetime, locale: str, tz: str | None = None) -> str:
    """``31/12/2026`` (fr), ``Dec 31, 2026`` (en); a moment's day in ``tz``."""
    if isinstance(value, datetime):
        value = local(value, tz or "UTC").date()
    return _skeleton(_DATE_SKELETONS.get(_language(locale), _DATE_SKELETON), value, locale)


def short_day(moment: datetime, tz: str, locale: str) -> str:
    """A moment's day without its year, in ``tz``: ``03/12`` (fr), ``Dec 3`` (en)."""
    skeleton = "ddMM" if _language(locale) == "fr" else "MMMd"
    return _skeleton(skeleton, local(moment, tz).date(), locale)


def time_of_day(moment: datetime, tz: str, locale: str) -> str:
    """``14:30`` (fr), ``2:30 PM`` (en), in the reader's zone."""
    from babel.dates import format_time

    return format_time(local(moment, tz), "short", locale=babel_locale(locale))


def zone_name(moment: datetime, tz: str) -> str:
    """The zone's short name at that moment: ``CET``, ``CEST``, ``EST``, ``UTC``."""
    return local(moment, tz).tzname() or tz


def when(moment: datetime, tz: str, locale: str, zone: bool = False) -> str:
    """``03/12/2026 14:30`` / ``Dec 3, 2026, 2:30 PM`` in ``tz``; ``zone``: `` CET`` after."""
    there = local(moment, tz)
    joint = ", " if _language(locale) == "en" else " "
    text = day(there.date(), locale) + joint + time_of_day(there, tz, locale)
    return f"{text} {zone_name(there, tz)}" if zone else text


def when_for(moment: datetime, reader_tz: str, locale: str, record_tz: str | None) -> str:
    """:func:`when`, naming the zone when the record's zone is not the reader's."""
    return when(moment, reader_tz, locale, zone=record_tz not in (None, reader_tz))


def weekday(
    value: date, locale: str, width: Literal["wide", "abbreviated", "short"] = "wide"
) -> str:
    """``lundi`` / ``Monday`` (``abbreviated``: ``lun.`` / ``Mon``)."""
    from babel.dates import get_day_names

    return str(get_day_names(width, locale=babel_locale(locale))[value.weekday()])


def relative(moment: datetime, now: datetime, locale: str) -> str:
    """``dans 3 jours`` / ``in 3 days``, ``il y a 2 heures`` / ``2 hours ago``."""
    return duration(moment - now, locale, direction=True)


def duration(delta: timedelta, locale: str, direction: bool = False) -> str:
    """``3 jours`` / ``3 days`` (``direction``: ``dans 3 jours`` / ``in 3 days``)."""
    from babel.dates import format_timedelta

    return format_timedelta(
        delta, threshold=1.5, add_direction=direction, locale=babel_locale(locale)
    )
