"""The scheduler is only a ticker: timed work lives in the database.

APScheduler 3 keeps at-most-once, in-memory jobs (PLATFORM-NOTES §6); so one
interval job ticks, and each registered task finds what is due by querying
the database. A restart loses nothing: what was due is still due.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from telemetry.metrics import Metrics

log = logging.getLogger("relais.scheduler")
Task = Callable[[], Awaitable[object]]


class Ticker:
    def __init__(self, interval: float, metrics: Metrics) -> None:
        self.interval = interval
        self.metrics = metrics
        self.tasks: list[tuple[str, Task]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._expected = 0.0
        self.ticks = 0

    def add(self, name: str, task: Task) -> None:
        self.tasks.append((name, task))

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        )
        self._scheduler.add_job(self.tick, "interval", seconds=self.interval, id="relais-tick")
        self._expected = time.monotonic() + self.interval
        self._scheduler.start()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and bool(self._scheduler.running)

    async def tick(self) -> None:
        now = time.monotonic()
        self.metrics.scheduler_lag.observe(max(0.0, now - self._expected))
        self._expected = now + self.interval
        self.ticks += 1
        for name, task in self.tasks:
            try:
                await task()
            except Exception:
                log.exception("event=tick_task_failed task=%s", name)

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)
        self._scheduler = None
