"""How each runtime setting's text becomes a value: small parsers, strict.

Each takes the raw text of one variable and returns the typed value or
raises ``ValueError`` whose reason is a catalogue phrase
(``config.problem.setting_*``) the operator reads in French or English;
:func:`config.settings.load_settings` names the variable around it.
Booleans are strict (``true``/``false``, ``1``/``0``, ``yes``/``no``,
``on``/``off``): anything else is an error, never a silent ``False``.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.api import Phrase, parse_duration


def refused(what: str, /, **params: object) -> ValueError:
    """A refusal whose reason is the phrase ``config.problem.setting_<what>``: English in
    logs, the reader's language where a command renders it."""
    return ValueError(Phrase("config.problem.setting_" + what, **params))


def whole(text: str) -> int:
    """A whole number; Python's own refusal ("invalid literal for int()…") reads as code."""
    try:
        return int(text)
    except ValueError:
        raise refused("whole", value=repr(text)) from None


def port(text: str) -> int:
    value = whole(text)
    if not 0 <= value <= 65535:
        raise refused("port")
    return value


def boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise refused("boolean")


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise refused("choice", choices=", ".join(allowed))
        return text

    return parse


def timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise refused("timezone") from exc
    return text


def url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise refused("url")
    return text if text.endswith("/") else text + "/"


def optional_url(text: str) -> str:
    """An ``http(s)://`` address, or empty (none)."""
    return url(text) if text else ""


def text(text: str) -> str:
    return text


def database(text: str) -> str:
    """A SQLite file, or ``postgresql://user[:password]@host[:port]/dbname``."""
    from urllib.parse import urlsplit

    value = text.strip()
    if not value.startswith(("postgresql://", "postgres://")):
        if not value:
            raise refused("database")
        return value
    parts = urlsplit(value)
    if not parts.hostname or not parts.path.strip("/"):
        raise refused("postgres_url")
    return value


def positive(text: str) -> int:
    value = whole(text)
    if value <= 0:
        raise refused("positive")
    return value


def count(text: str) -> int:
    value = whole(text)
    if value < 0:
        raise refused("count")
    return value


def hour(text: str) -> int:
    value = whole(text)
    if not 0 <= value <= 23:
        raise refused("hour")
    return value


def lead_time(text: str) -> int:
    """Seconds in ``15m`` / ``1h`` (``0``: none)."""
    if text.strip() == "0":
        return 0
    return parse_duration(text)


def sender(text: str) -> str:
    if "@" not in parseaddr(text)[1]:
        raise refused("sender")
    return text
