"""Time: stored in UTC as ISO-8601 text, shown in the user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order in SQL."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before storing it")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


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
