"""Acknowledgements before work.

Slack gives an ack three seconds; the work behind it has no such deadline
(a ``response_url`` lasts 30 minutes, a modal once open can be filled any
time). So during a burst of requests, journaled work waits: it starts once
requests have stopped arriving for ``quiet`` seconds (a few milliseconds
between two clicks is enough), or when it has waited ``patience`` seconds,
whichever comes first. Out of bursts nothing waits noticeably.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

QUIET = 0.02
PATIENCE = 5.0
# A modal's trigger lives 3 s: opening one waits for calm at most this long.
MODAL_PATIENCE = 0.5


class AckFirst:
    def __init__(self, quiet: float = QUIET, patience: float = PATIENCE) -> None:
        self.quiet = quiet
        self.patience = patience
        self._acking = 0
        self._last = 0.0
        self._calm = asyncio.Event()
        self._calm.set()
        self._timer: asyncio.TimerHandle | None = None

    def started(self) -> None:
        """A request came in: work not yet started waits for it to be acknowledged."""
        self._acking += 1
        self._last = time.monotonic()
        self._calm.clear()

    def finished(self) -> None:
        self._acking -= 1
        if self._acking == 0 and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.quiet, self._check)

    def _check(self) -> None:
        self._timer = None
        if self._acking:
            return  # the request in flight will look again when it is done
        left = self.quiet - (time.monotonic() - self._last)
        if left > 0:
            self._timer = asyncio.get_running_loop().call_later(left, self._check)
        else:
            self._calm.set()

    async def wait(self, since: float, patience: float | None = None) -> None:
        """Wait for calm, at most until ``patience`` after ``since`` (a monotonic time)."""
        left = since + (self.patience if patience is None else patience) - time.monotonic()
        if self._calm.is_set() or left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._calm.wait(), left)
