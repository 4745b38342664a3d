"""JSON logs: one object per line, the event's fields as keys; the text format unchanged."""

from __future__ import annotations

import json
import logging

from service.logs import JsonFormatter, KeyValueFormatter, RedactSecrets, fields


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("relais.test", logging.INFO, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_key_value_messages_become_typed_keys() -> None:
    assert fields('event=started database=var/r.db seconds=1.27 n=3 hint="a b" deal=None') == {
        "event": "started",
        "database": "var/r.db",
        "seconds": 1.27,
        "n": 3,
        "hint": "a b",
        "deal": None,
    }
    assert fields("event=failed error=ValueError('no such stage') mail=4") == {
        "event": "failed",
        "error": "ValueError('no such stage')",
        "mail": 4,
    }
    assert fields("Task exception was never retrieved") is None
    assert fields("") is None


def test_a_json_line_has_the_fields_extras_and_keeps_other_messages() -> None:
    line = JsonFormatter().format(record("event=x deal=%s title=%s", 12, "A b", lane="email"))
    entry = json.loads(line)
    assert entry["logger"] == "relais.test" and entry["level"] == "info"
    assert (entry["event"], entry["deal"], entry["title"], entry["lane"]) == (
        "x",
        12,
        "A b",
        "email",
    )
    assert "message" not in entry
    other = json.loads(JsonFormatter().format(record("plain words, %d", 2)))
    assert other["message"] == "plain words, 2"
    spoof = json.loads(JsonFormatter().format(record("event=x level=debug at=0")))
    assert spoof["level"] == "info" and spoof["at"] != 0


def test_secrets_are_redacted_in_fields_and_extras() -> None:
    made = record("event=auth token=%s", "xoxb-secret-1", header="Bearer xoxb-secret-1")
    RedactSecrets(["xoxb-secret-1"]).filter(made)
    entry = json.loads(JsonFormatter().format(made))
    assert entry["token"] == "***" and entry["header"] == "Bearer ***"


def test_the_text_format_is_unchanged() -> None:
    line = KeyValueFormatter().format(record("event=x deal=%s", 12))
    assert line.startswith("at=") and " level=info " in line
    assert line.endswith(" logger=relais.test event=x deal=12")
