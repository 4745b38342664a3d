"""Waking a worker after a commit: run its work soon, once per burst, never missing one.

A worker that polls (the outbox worker, on each tick) also has work to do
right after a commit that queued something. :class:`Wake` runs that work in a
task; a wake-up that comes while it runs asks for one more run, so what a
commit queued during a run is not left for the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from engine.api import DomainEvent
from engine.api.store import OUTBOX, Listener

log = logging.getLogger("relais.service")


class Wake:
    """``wake()`` from anywhere in the loop; ``on_event`` for the wiring table."""

    def __init__(self, work: Callable[[], Awaitable[object]], name: str) -> None:
        self.work = work
        self.name = name
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._closed = False

    def wake(self) -> None:
        if self._closed:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)
        else:
            self._again = True

    async def on_event(self, event: DomainEvent) -> None:
        self.wake()

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self.work()
            except Exception:
                log.exception("event=wake_failed worker=%s", self.name)
            if self._closed or not self._again:
                return

    async def idle(self) -> None:
        """Wait until no run is under way, nor asked for."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def close(self) -> None:
        """Let the run under way finish (no new one starts after this)."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)


def across_instances(
    url: str | None, outbox: Wake | None, slack_kick: Callable[[], None] | None
) -> Listener | None:
    """PostgreSQL: wake this instance's deliverers when another instance queued a message.

    A notification on ``relais_outbox`` (sent in the committing transaction,
    :mod:`engine.store.notify`) says which lane: the Slack bot delivers the slack
    lane, the outbox worker the others. SQLite (one instance): no listener.
    """
    if url is None:
        return None

    def outbox_queued(lane: str) -> None:
        if lane in ("slack", "") and slack_kick is not None:
            slack_kick()
        if lane != "slack" and outbox is not None:
            outbox.wake()

    return Listener(url, {OUTBOX: outbox_queued})
