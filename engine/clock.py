"""Time: stored in UTC as ISO-8601 text, shown in the user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


_WIDTH = len("2026-01-31T09:00:00.000000Z")


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order in SQL."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before storing it")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str) -> datetime:
    """What :func:`to_db` wrote (``fromisoformat``: read on every row, some 25 times
    ``strptime``'s speed); anything but that fixed-width form is refused, as before."""
    if len(text) != _WIDTH or text[10] != "T" or text[-1] != "Z":
        raise ValueError(f"not a stored moment: {text!r}")
    return datetime.fromisoformat(text)


def now_db() -> str:
    return to_db(utcnow())


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def show(moment: datetime, tz: str) -> str:
    """A stored moment as the user reads it: local date and time with offset."""
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())
