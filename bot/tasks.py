"""Background work the bot starts after an ack, each task strongly referenced.

The event loop keeps only weak references to tasks: one nobody holds may be
collected mid-flight. ``Tasks`` holds them until they finish, logs their
failures, and lets the service (and the tests) wait for them or cancel them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("relais.slack")


class Tasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._services: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def busy(self) -> bool:
        """Some one-off work (not a long-running loop) is still going."""
        return bool(self._tasks - self._services)

    def spawn(
        self, work: Coroutine[Any, Any, None], name: str, *, service: bool = False
    ) -> asyncio.Task[None]:
        """Start ``work``; a ``service`` runs until cancelled (a loop), the rest finish."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        if service:
            self._services.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._services.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event=slack_task_failed task=%s error=%r", task.get_name(), task.exception())

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._tasks.clear()
        self._services.clear()
