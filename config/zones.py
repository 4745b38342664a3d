"""Time zones in the configuration: refused in the reader's words, with the nearest names.

Python's ``zoneinfo`` refuses an unknown zone in English (``No time zone found with key
Europe/Pari``). A user's zone and a blueprint's are checked here instead, while the file
is validated, so the problem names the file, the path and the zone in the reader's
language, and suggests the zones ``difflib`` finds closest.
"""

from __future__ import annotations

import difflib
import zoneinfo
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, StrictStr
from pydantic_core import PydanticCustomError

from config.problems import PREFIX, Choices, refused
from engine.api import Phrase


def unknown_timezone(name: str, key: str = PREFIX + "unknown_timezone") -> PydanticCustomError:
    """``unknown time zone 'Europe/Pari' (did you mean 'Europe/Paris'?)`` in the reader's
    words: the zone named, and the nearest names zoneinfo knows (looked up only once a
    zone is refused)."""
    return refused("timezone", key, name=repr(name), hint=timezone_hint(name))


def timezone_hint(name: str) -> str:
    """`` (did you mean 'Europe/Paris' or 'Europe/Madrid'?)`` for a near miss, else nothing."""
    close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=3)
    if not close:
        return ""
    return Phrase(PREFIX + "bp_hint", name=Choices(repr(zone) for zone in close))


def _zone(value: str, key: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise unknown_timezone(value, key) from exc
    return value


def _timezone(value: str) -> str:
    """A user's zone: the catalogue's ``not an IANA time zone such as Europe/Paris``, then
    the name written and the nearest names zoneinfo knows."""
    return _zone(value, PREFIX + "timezone_named")


def _known_zone(value: str) -> str:
    """A blueprint's zone, refused here in the reader's words (``unknown time zone 'X'``)
    rather than by the engine's check, whose words are Python's English."""
    return _zone(value, PREFIX + "unknown_timezone")


TimeZone = Annotated[StrictStr, AfterValidator(_timezone)]
KnownZone = Annotated[StrictStr, AfterValidator(_known_zone)]
