"""Structured logs: one line per event, key=value or JSON, secrets redacted.

Log calls write their fields in the message, ``log.info("event=x deal=%s", 12)``; the
key=value format prints it as it is, the JSON format turns it into keys (``{"event":
"x", "deal": 12, …}``: see :func:`fields`), plus any ``extra=`` a call gives.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from config.settings import Settings
from service import instance


class RedactSecrets(logging.Filter):
    """Replace any configured secret (tokens, signing secret) that reaches a record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.redact(record.getMessage()), None
            for name in _extra_names(record):
                value = record.__dict__[name]
                if isinstance(value, str):
                    record.__dict__[name] = self.redact(value)
        return True

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        level = record.levelname.lower()
        line = f"at={stamp} level={level} instance={instance.name()} logger={record.name}"
        line += f" {record.getMessage()}"
        if record.exc_info:
            line += " exc=" + json.dumps(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``at``, ``level``, ``logger``, then the event's fields.

    A message in the ``key=value`` form becomes keys; any other message (a library's)
    is kept whole as ``message``. ``exc`` holds a traceback.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "instance": instance.name(),
            "logger": record.name,
        }
        message = record.getMessage()
        parsed = fields(message)
        if parsed is None:
            entry["message"] = message
        else:
            entry.update((k, v) for k, v in parsed.items() if k not in _RESERVED)
        entry.update((name, record.__dict__[name]) for name in _extra_names(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# ``key=`` at the start or after a space: the next field starts there.
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_.]*)=")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_RESERVED = frozenset({"at", "level", "instance", "logger", "exc"})
_WORDS: dict[str, Any] = {"None": None, "True": True, "False": False}
# What every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def fields(message: str) -> dict[str, Any] | None:
    """``event=x deal=12 reason="no stage" error=ValueError('a b')`` as a dict, else ``None``.

    A value runs to the next `` key=``: it may hold spaces (a ``%r``). Double-quoted
    values are unquoted; integers and decimals become numbers; ``None``, ``True`` and
    ``False`` JSON's null, true, false; anything else stays a string.
    """
    starts = list(_KEY.finditer(message))
    if not starts or starts[0].start() != 0:
        return None
    found: dict[str, Any] = {}
    for n, match in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(message)
        found[match.group(1)] = _value(message[match.end() : end].strip())
    return found


def _value(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)
        except ValueError:
            return text[1:-1]
    if text in _WORDS:
        return _WORDS[text]
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def _extra_names(record: logging.LogRecord) -> list[str]:
    return [name for name in record.__dict__ if name not in _STANDARD]


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else KeyValueFormatter())
    handler.addFilter(RedactSecrets(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("aiosqlite", "apscheduler.scheduler", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
