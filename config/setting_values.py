"""How each runtime setting's text becomes a value: small parsers, strict.

Each takes the raw text of one variable and returns the typed value or
raises ``ValueError`` with a sentence the operator understands;
:func:`config.settings.load_settings` names the variable around it.
Booleans are strict (``true``/``false``, ``1``/``0``, ``yes``/``no``,
``on``/``off``): anything else is an error, never a silent ``False``.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.api import parse_duration


def port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("a port is between 0 and 65535")
    return value


def boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("use true or false")


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return text

    return parse


def timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("not an IANA time zone such as Europe/Paris") from exc
    return text


def url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
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
            raise ValueError("must be a SQLite file or a postgresql:// URL")
        return value
    parts = urlsplit(value)
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError("a PostgreSQL URL names its host and database: postgresql://user@host/db")
    return value


def positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def hour(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 23:
        raise ValueError("an hour is between 0 and 23")
    return value


def lead_time(text: str) -> int:
    """Seconds in ``15m`` / ``1h`` (``0``: none)."""
    if text.strip() == "0":
        return 0
    return parse_duration(text)


def sender(text: str) -> str:
    if "@" not in parseaddr(text)[1]:
        raise ValueError("not an e-mail address such as Relais <relais@example.com>")
    return text
