"""What people type: amounts and moments, read in their locale and time zone.

One reader for Slack, the command line and CSV imports alike.

**Amounts** (:func:`amount`): ``7 500``, ``7 500 €``, ``7.500,50``, ``7 500,50``,
``7,500.50``, ``7500.50``, ``$7,500.50``, ``7,5 k€``, ``7.5k``, ``-69``. The
reader's decimal mark comes from Babel's locale data (``,`` in French, ``.`` in
English); the other mark groups thousands when three digits follow it
(``7.500`` is 7 500 in French, ``7,500`` is 7 500 in English). A single decimal
mark followed by exactly three digits (``7,500`` in French) could be either:
that is a question (:class:`Unreadable` ``amount.ambiguous``), never a guess.
Amounts are :class:`~decimal.Decimal`, never ``float``.

**Moments** (:func:`moment`): ``demain 9:00``, ``demain à 9h``, ``lundi``,
``lundi prochain 14h30``, ``20/06/2027``, ``31/12/2026 17h``, ``2026-12-31``,
``3 janvier``, ``dans 3 jours``, ``+3j``, ``tomorrow 9am``, ``next Monday``,
``in 2 hours``, ``June 20, 2027 2:30pm``. Day and month names are Babel's (both
languages are understood whatever the locale; accents are optional). A day
without a time means 09:00 in the reader's zone (today after 09:00: the next full
hour). A numeric date is day first in French; in English, ``06/05/2027`` could
be either order, and is a question unless one part is above 12. A local time
that does not exist (the hour skipped when clocks go forward) is refused; one
that happens twice (clocks go back) is the first. Whether a moment in the past
is acceptable is the caller's to say (:attr:`Moment.at` against ``now``).

Why not ``dateparser``: measured on these inputs it read ``demain 9h`` as 20:00
and ``aujourd'hui 14h`` as yesterday 21:00, returned nothing for ``lundi
prochain 14h30``, took 0.36 s to import and 0.9 s for its first French parse;
see docs/dependencies.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from engine.text.amounts import CURRENCIES, Amount, amount
from engine.text.unreadable import Unreadable, _plain, _re, _shown, said

__all__ = [
    "CURRENCIES",
    "Amount",
    "Moment",
    "Unreadable",
    "amount",
    "day",
    "moment",
    "said",
    "split_moment",
]

MORNING = time(9, 0)

# -- moments -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment typed: when (UTC), the local day, and whether a time was given."""

    at: datetime
    day: date
    has_time: bool = field(default=False)


@dataclass(frozen=True, slots=True)
class _Names:
    weekdays: dict[str, int]
    months: dict[str, int]


@cache
def _names() -> _Names:
    """Day and month names, French and English, wide and abbreviated (Babel's CLDR data)."""
    from babel.dates import get_day_names, get_month_names

    weekdays: dict[str, int] = {}
    months: dict[str, int] = {}
    for cldr in ("fr_FR", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_day_names(width, locale=cldr).items():
                weekdays[_plain(str(name)).rstrip(".")] = int(number)
            for context in ("format", "stand-alone"):
                names = get_month_names(width, context=context, locale=cldr)
                for number, name in names.items():
                    months[_plain(str(name)).rstrip(".")] = int(number)
    return _Names(weekdays, months)


_TIME = (
    r"(?:(?:a|at|vers)\s+)?(?:(?P<noon>midi|noon)|(?P<midnight>minuit|midnight)|"
    r"(?P<hour>\d{1,2})(?:(?P<sep>[:h])(?P<minute>\d{2})?)?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?)"
)
_TIME_RE = rf"^{_TIME}$"
_RELATIVE = (
    r"^(?:\+\s*(?P<n1>\d{1,3})\s*(?P<u1>[hdjw])|(?:dans|in)\s+(?P<n2>\d{1,3})\s+(?P<u2>[a-z]+))$"
)
_UNITS = {
    "h": "hours", "heure": "hours", "heures": "hours", "hour": "hours", "hours": "hours",
    "min": "minutes", "minute": "minutes", "minutes": "minutes",
    "d": "days", "j": "days", "jour": "days", "jours": "days", "day": "days", "days": "days",
    "w": "weeks", "semaine": "weeks", "semaines": "weeks", "week": "weeks", "weeks": "weeks",
}  # fmt: skip
_DAY_WORDS = {
    "aujourd'hui": 0, "aujourdhui": 0, "today": 0, "demain": 1, "tomorrow": 1,
    "apres-demain": 2, "apres demain": 2, "day after tomorrow": 2,
}  # fmt: skip
_NEXT = ("prochain", "prochaine", "next", "this", "ce", "cette")
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[t ](?P<rest>.+))?$"
_NUMERIC = r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?$"


def moment(text: str, tz: str, now: datetime, locale: str | None = None) -> Moment:
    """``text`` as a moment in ``tz``, or :class:`Unreadable`."""
    plain = _plain(text).strip(" ,")
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    relative = _re(_RELATIVE).match(plain)
    if relative:
        return _relative(relative, now, zone)
    iso = _re(_ISO).match(plain)
    if iso and iso["rest"]:
        if "+" in iso["rest"] or iso["rest"].endswith("z"):  # 2026-12-31T14:30+01:00
            return _aware(text)
        plain = f"{iso['y']}-{iso['m']}-{iso['d']} {iso['rest']}"
    day_text, time_text = _split_time(plain)
    when_time = _time(time_text, text) if time_text else None
    day = _day(day_text, today, locale, text) if day_text else today
    if day_text is None and when_time is None:
        raise Unreadable("date.unreadable", text=_shown(text))
    return _at(day, when_time, zone, now, text)


def _aware(text: str) -> Moment:
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Unreadable("date.unreadable", text=_shown(text)) from None
    return Moment(at.astimezone(UTC), at.date(), True)


def _relative(found: re.Match[str], now: datetime, zone: ZoneInfo) -> Moment:
    count = int(found["n1"] or found["n2"])
    unit = _UNITS.get(found["u1"] or found["u2"] or "")
    if unit is None:
        raise Unreadable("date.unreadable", text=_shown(found.string))
    if unit in ("hours", "minutes"):
        at = now + timedelta(**{unit: count})
        return Moment(at.astimezone(UTC), at.astimezone(zone).date(), True)
    day = now.astimezone(zone).date() + timedelta(**{unit: count})
    return _at(day, None, zone, now, found.string)


def _split_time(plain: str) -> tuple[str | None, str | None]:
    """``demain a 9h`` → (``demain``, ``a 9h``): the time, when there is one, comes last."""
    words = plain.split(" ")
    for cut in range(max(0, len(words) - 3), len(words)):
        tail = " ".join(words[cut:])
        found = _re(_TIME_RE).match(tail)
        if found and (found["sep"] or found["ampm"] or found["noon"] or found["midnight"]):
            head = " ".join(words[:cut]).strip(" ,")
            return (head or None), tail
    return plain, None


def _time(text: str, typed: str) -> time:
    found = _re(_TIME_RE).match(text)
    assert found is not None
    if found["noon"]:
        return time(12, 0)
    if found["midnight"]:
        return time(0, 0)
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    ampm = (found["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise Unreadable("date.unreadable", text=_shown(typed))
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise Unreadable("date.unreadable", text=_shown(typed))
    return time(hour, minute)


def _day(text: str, today: date, locale: str | None, typed: str) -> date:
    if text in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[text])
    names = _names()
    words = [w.rstrip(".,") for w in text.split(" ")]
    weekday_words = [w for w in words if w not in _NEXT]
    if len(weekday_words) == 1 and weekday_words[0] in names.weekdays and len(words) <= 2:
        ahead = (names.weekdays[weekday_words[0]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    iso = _re(_ISO).match(text)
    if iso and not iso["rest"]:
        return _valid(int(iso["y"]), int(iso["m"]), int(iso["d"]), typed)
    numeric = _re(_NUMERIC).match(text)
    if numeric:
        return _numeric(numeric, today, locale, typed)
    return _named(words, today, typed)


def _numeric(found: re.Match[str], today: date, locale: str | None, typed: str) -> date:
    first, second = int(found["a"]), int(found["b"])
    day, month = first, second
    if locale is not None and locale.startswith("en") and first != second:
        if first <= 12 and second <= 12:
            raise Unreadable(
                "date.ambiguous", text=_shown(typed),
                first=_month_day(first, second), second=_month_day(second, first),
            )  # fmt: skip
        if second > 12:
            day, month = second, first
    if found["y"]:
        year = int(found["y"])
        return _valid(year + 2000 if year < 100 else year, month, day, typed)
    return _next(month, day, today, typed)


def _month_day(month: int, day: int) -> str:
    return f"{date(2000, month, day):%B} {day}" if _fits(month, day) else f"{month}/{day}"


def _fits(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
    except ValueError:
        return False
    return True


def _named(words: list[str], today: date, typed: str) -> date:
    """``3 janvier [2027]``, ``January 3[,] [2027]``, with an optional weekday before."""
    names = _names()
    if words and words[0] in names.weekdays and len(words) > 2:  # "lundi 20 juin"
        found = _named(words[1:], today, typed)
        if found.weekday() != names.weekdays[words[0]]:
            raise Unreadable("date.unreadable", text=_shown(typed))
        return found
    if len(words) in (2, 3):
        first, second = words[0], words[1]
        year = words[2] if len(words) == 3 else None
        if first.isdigit() and second in names.months:
            day, month = int(first), names.months[second]
        elif second.isdigit() and first in names.months:
            day, month = int(second), names.months[first]
        else:
            raise Unreadable("date.unreadable", text=_shown(typed))
        if year is not None:
            if not re.fullmatch(r"\d{4}", year):
                raise Unreadable("date.unreadable", text=_shown(typed))
            return _valid(int(year), month, day, typed)
        return _next(month, day, today, typed)
    raise Unreadable("date.unreadable", text=_shown(typed))


def _next(month: int, day: int, today: date, typed: str) -> date:
    """The next such day from today on (``20/06`` in December: next June)."""
    this_year = _valid(today.year, month, day, typed) if _fits(month, day) else None
    if this_year is not None and this_year >= today:
        return this_year
    return _valid(today.year + 1, month, day, typed)


def _valid(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Unreadable("date.unreadable", text=_shown(typed)) from None


def _at(day: date, when: time | None, zone: ZoneInfo, now: datetime, typed: str) -> Moment:
    if when is None:
        at = datetime.combine(day, MORNING, tzinfo=zone)
        local_now = now.astimezone(zone)
        if day == local_now.date() and at < local_now:  # "today" after 09:00: the next hour
            at = (local_now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        return Moment(at.astimezone(UTC), day, False)
    at = datetime.combine(day, when, tzinfo=zone)
    back = at.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != at.replace(tzinfo=None):
        raise Unreadable("date.missing_time", text=_shown(typed))
    return Moment(at.astimezone(UTC), day, True)


def day(text: str, today: date, locale: str | None = None) -> date:
    """A day typed (``31/12/2026``, ``2026-12-31``, ``3 janvier``, ``demain``), or Unreadable."""
    plain = _plain(text).strip(" ,")
    if not plain:
        raise Unreadable("date.unreadable", text=_shown(text))
    relative = _re(_RELATIVE).match(plain)
    if relative:
        unit = _UNITS.get(relative["u1"] or relative["u2"] or "")
        if unit not in ("days", "weeks"):
            raise Unreadable("date.unreadable", text=_shown(text))
        return today + timedelta(**{unit: int(relative["n1"] or relative["n2"])})
    return _day(plain, today, locale, text)


def split_moment(
    text: str, tz: str, now: datetime, locale: str | None = None, most: int = 5
) -> tuple[Moment, str] | None:
    """The moment that starts ``text`` and what follows it (``demain à 9h Rappeler``).

    The longest start of up to ``most`` words that reads as a moment wins; ``None``
    when no start does. An ambiguous or impossible start is raised, never skipped.
    """
    words = text.split()
    for count in range(min(most, len(words)), 0, -1):
        start = " ".join(words[:count])
        try:
            found = moment(start, tz, now, locale)
        except Unreadable as exc:
            if exc.code != "date.unreadable":
                raise
            continue
        return found, " ".join(words[count:])
    return None
