"""Moments a person types or picks, read in their own time zone.

``2025-06-12``, ``2025-06-12 14:30``, ``today`` / ``aujourd'hui``,
``tomorrow`` / ``demain``, ``+3d`` / ``+3j``, ``+2h``; a day without a time
means 09:00 there. Snoozing: one hour, tomorrow 09:00, or a week later.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from engine.api import clock

MORNING = time(9, 0)
_RELATIVE = re.compile(r"^\+(\d{1,3})\s*([dhjw])$", re.I)
_WORDS = {
    "today": 0, "aujourd'hui": 0, "aujourdhui": 0, "tomorrow": 1, "demain": 1,
}  # fmt: skip


def at_morning(day: date, tz: str) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=clock.zone(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(clock.zone(tz)).date()


def parse_due(text: str, tz: str, now: datetime) -> datetime | None:
    """A due moment in UTC, or None when ``text`` is not one."""
    word = text.strip().lower()
    if word in _WORDS:
        return at_morning(local_today(now, tz) + timedelta(days=_WORDS[word]), tz)
    relative = _RELATIVE.match(word)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        if unit == "h":
            return now + timedelta(hours=amount)
        days = amount * 7 if unit == "w" else amount
        return at_morning(local_today(now, tz) + timedelta(days=days), tz)
    return _absolute(word, tz)


def _absolute(text: str, tz: str) -> datetime | None:
    try:
        if len(text) == 10:
            return at_morning(date.fromisoformat(text), tz)
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone(tz))
    return moment.astimezone(UTC)


def snoozed(choice: str, now: datetime, tz: str) -> datetime:
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "week":
        return at_morning(local_today(now, tz) + timedelta(days=7), tz)
    return at_morning(local_today(now, tz) + timedelta(days=1), tz)


def from_picker(day: str | None, tz: str) -> datetime | None:
    """A Block Kit datepicker's ``YYYY-MM-DD``, as 09:00 in the user's zone."""
    if not day:
        return None
    return at_morning(date.fromisoformat(day), tz)
