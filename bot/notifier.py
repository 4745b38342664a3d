"""From the timeline to the outbox: what the leads channel must be told.

The notifier reads the timeline from its cursor. A lead or a deal created by
mail gets a notice in the leads channel; any later change to a record that
has a notice gets an update of that message. The outbox rows and the new
cursor are written in one transaction, so a crash neither loses nor repeats
a notice, and whatever happened while Slack was not configured or the
service was down is caught up (except notices older than a day, skipped).

The bus only wakes it up; the timeline is the source of truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox import Outbox
from bot.tasks import Tasks
from engine.api import DomainEvent, Engine, clock, wait_at_most
from engine.api.crm import HELD_PAUSE, TimelineEntry

log = logging.getLogger("relais.slack")

CURSOR = "notifier"
BATCH = 200
MAX_AGE = timedelta(days=1)
NOTICED = ("lead", "deal")


@dataclass(frozen=True, slots=True)
class Planned:
    lane: str
    kind: str
    ref: str


def plan(
    entries: Iterable[TimelineEntry], channels: dict[str, str], leads_channel: str,
    now: datetime,
) -> list[Planned]:  # fmt: skip
    """Pure: the notices and updates a run of timeline entries calls for."""
    planned: list[Planned] = []
    channels = dict(channels)
    for entry in entries:
        if entry.entity not in NOTICED:
            continue
        ref = f"{entry.entity}:{entry.entity_id}"
        if _from_mail(entry) and leads_channel and now - entry.at <= MAX_AGE:
            planned.append(Planned(leads_channel, "notice", ref))
            channels[ref] = leads_channel
        elif ref in channels and entry.action != "created":
            planned.append(Planned(channels[ref], "notice_update", ref))
    return planned


def _from_mail(entry: TimelineEntry) -> bool:
    return entry.action == "created" and entry.actor_kind == "mail"


class Notifier:
    def __init__(self, engine: Engine, outbox: Outbox, tasks: Tasks, leads_channel: str) -> None:
        self.engine = engine
        self.outbox = outbox
        self.tasks = tasks
        self.leads_channel = leads_channel
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._working = False
        self._held = False

    def start(self) -> None:
        self._wake.set()
        self._task = self.tasks.spawn(self._run(), "slack-notifier", service=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def on_event(self, event: DomainEvent) -> None:
        if event.entity in NOTICED:
            self._wake.set()

    @property
    def held(self) -> bool:
        """Entries wait for an older transaction still running: it looks again soon."""
        return self._held

    @property
    def busy(self) -> bool:
        return self._wake.is_set() or self._working or self._held

    async def _run(self) -> None:
        while True:
            if self._held:  # entries wait for an older transaction: look again soon
                await wait_at_most(self._wake, HELD_PAUSE)
            else:
                await self._wake.wait()
            self._wake.clear()
            self._working = True
            try:
                while await self.catch_up():
                    pass
            except Exception:
                log.exception("event=slack_notifier_failed")
                await asyncio.sleep(1.0)
                self._wake.set()
            finally:
                self._working = False

    async def catch_up(self) -> bool:
        """Read one batch past the cursor; True when there may be more."""
        position = await self.engine.chat.cursor(CURSOR)
        entries = await self.engine.timeline.since(position, BATCH)
        if len(entries) < BATCH:
            self._held = await self.engine.timeline.held_back(
                entries[-1].mark if entries else position
            )
        if not entries:
            return False
        refs = [f"{e.entity}:{e.entity_id}" for e in entries if e.entity in NOTICED]
        channels = await self.engine.chat.notice_channels(refs)
        planned = plan(entries, channels, self.leads_channel, clock.utcnow())
        last = entries[-1].mark
        items = [(item.lane, item.kind, item.ref) for item in planned]
        if not await self.engine.chat.plan_notices(items, CURSOR, (position, last)):
            return True  # another instance noticed these first: read on from where it got
        if planned:
            self.outbox.kick()
        return len(entries) == BATCH
