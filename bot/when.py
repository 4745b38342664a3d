"""Moments a person types or picks, read in their own time zone.

What people type (``demain 9h``, ``lundi``, ``20/06/2027``, ``dans 3 jours``,
``tomorrow 9am``, ``+2h``…) is read by ``engine.api.typed``, the one reader of
Slack and the command line; a day without a time means 09:00 there. Snoozing:
one hour, tomorrow 09:00, or a week later.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engine.api import clock, typed

MORNING = time(9, 0)


def at_morning(day: date, tz: str) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=clock.zone(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(clock.zone(tz)).date()


def parse_due(text: str, tz: str, now: datetime, locale: str = "fr") -> datetime | None:
    """A due moment in UTC, or None when ``text`` is not one (:func:`typed.moment`)."""
    try:
        return typed.moment(text, tz, now, locale).at
    except typed.Unreadable:
        return None


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
