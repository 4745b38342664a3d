"""Durations written the way people say them: ``15m``, ``36h``, ``2d``, ``3w``, ``2mo``.

A text that is not one is refused with a catalogue :class:`Phrase`
(``config.problem.duration.*``), so ``config check --lang fr`` says why in French.
"""

from __future__ import annotations

import re

from engine.text.catalogue import Phrase

UNITS = {"m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400, "mo": 30 * 86_400}
_PATTERN = re.compile(r"^\s*(\d+)\s*(mo|m|h|d|w)\s*$")


def parse_duration(text: str) -> int:
    """Seconds in ``text``; a month counts 30 days. Raises ``ValueError``."""
    match = _PATTERN.match(str(text))
    if match is None:
        raise ValueError(Phrase("config.problem.duration.invalid", text=repr(text)))
    seconds = int(match.group(1)) * UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(Phrase("config.problem.duration.positive"))
    return seconds


def format_duration(seconds: int) -> str:
    """The largest whole unit: 172800 → ``2d``."""
    for unit in ("mo", "w", "d", "h", "m"):
        size = UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
