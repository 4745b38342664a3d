"""Reminders and the morning digest settings.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.timers.reminders import ReminderReport, ReminderSettings

__all__ = [
    "ReminderReport",
    "ReminderSettings",
]
