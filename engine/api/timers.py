"""Reminders and the morning digest settings.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.timers.reminders import ReminderReport, ReminderSettings
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "ReminderReport": "engine.timers.reminders",
            "ReminderSettings": "engine.timers.reminders",
        },
    )

__all__ = [
    "ReminderReport",
    "ReminderSettings",
]
