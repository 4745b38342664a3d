"""The reminders part: activity reminders and morning digests, queued when due."""

from __future__ import annotations

from datetime import datetime

from engine import clock
from engine.actors import Actor
from engine.facade.base import Part
from engine.store.db import Tx
from engine.timers import reminders

ACTOR = Actor("scheduler", "scheduler", label="reminders")


class Reminders(Part):
    """Owns the reminder run: what is due is read, then queued in one write (each once)."""

    async def run(
        self, settings: reminders.ReminderSettings, now: datetime | None = None
    ) -> reminders.ReminderReport:
        """Queue the activity reminders and morning digests due at ``now`` (each once)."""
        moment = now or clock.utcnow()
        due = await self._read(lambda c: reminders.due_reminders(c, moment, settings))
        digests = await self._read(lambda c: reminders.due_digests(c, moment, settings))
        report = reminders.ReminderReport()
        if not (due or digests):
            return report

        def send(tx: Tx) -> None:
            tx.now = clock.to_db(moment)
            report.reminders = reminders.send_reminders(tx, due, settings)
            report.digests = reminders.send_digests(tx, digests, moment, settings)

        await self._write(send, ACTOR)
        return report
