"""Acknowledgements before work, and no more acknowledged work than can be done soon.

Slack gives an ack three seconds; the work behind it has no such deadline
(a ``response_url`` lasts 30 minutes, a modal once open can be filled any
time). So during a burst of requests, journaled work waits: it starts once
requests have stopped arriving for ``quiet`` seconds (a few milliseconds
between two clicks is enough), or when it has waited ``patience`` seconds,
whichever comes first. Out of bursts nothing waits noticeably.

Backpressure: acking is cheaper than the work behind it (a deal card costs
about four acks of CPU), so under sustained load acks alone would pile up
acknowledged work without end, every card posted seconds late. Once
``bound`` jobs are acknowledged and not finished, work no longer waits for
calm, and a new request waits before it is taken in (:meth:`AckFirst.admit`)
until the backlog falls below the bound, at most ``max_wait`` after it
arrived: then it is acked anyway, well inside Slack's three seconds. Both
modes take requests in the same way (:meth:`AckFirst.taken_in`): HTTP in
``SlackBot.handle``, Socket Mode in the app's dispatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from engine.api import wait_at_most

QUIET = 0.02
# Work waits for calm at most this long. Shorter, cards are posted sooner but share
# the loop with the acks during a burst, and the ack targets fail (bench/slack.py, 16
# concurrent, best of 3: at 1 s, deal card ack p99 3.0x the baseline's; at 5 s 0.46x;
# docs/benchmarks.md, Slack).
PATIENCE = 5.0
# A modal is what the person is looking at, and its trigger lives 3 s: the form's
# job waits for calm at most this long (measured: 0.5 s made every click under
# load wait the full 0.5 s; see docs/benchmarks.md, Slack).
MODAL_PATIENCE = 0.05
# The form opens in one views.open when it is ready this long after the request;
# past it a loading modal opens (well inside the trigger's 3 s), filled once it is.
MODAL_BUDGET = 1.5
# Acknowledged, unfinished jobs past which new requests wait. Measured (bench/slack.py,
# 16 concurrent, 3 s; docs/benchmarks.md): at 32 (eight per worker) cards are posted
# as fast as by the bare Bolt baseline, but acks then go at the pace of the work (a
# card costs ~2.7 ms of CPU, the baseline's whole request ~1 ms): 0.37-0.45x its
# throughput, ack p99 2.7-4.9x, and issue #16's ack targets fail; at 1024 the waits
# still show in the ack p99 (3.7x). So by default the bound is a safety valve, twice
# the ~7,400 jobs a 3-s burst at 16 acked: it keeps a sustained overload from piling
# up work without end. A smaller value trades ack throughput for end to end.
BACKLOG = 16384
# A request waits for room at most this long after it arrived, then is acked anyway:
# Slack's deadline is 3 s, and the wait is on top of the ack's own work.
MAX_WAIT = 1.0


class AckFirst:
    def __init__(
        self, quiet: float = QUIET, patience: float = PATIENCE, bound: int = BACKLOG,
        max_wait: float = MAX_WAIT,
    ) -> None:  # fmt: skip
        self.quiet = quiet
        self.patience = patience
        self.bound = bound
        self.max_wait = max_wait
        self._acking = 0
        self._last = 0.0
        self._calm = True
        self._backlog = 0  # jobs acknowledged and not finished
        self.peak = 0  # the largest backlog so far
        self.held = 0  # requests that found the backlog full and waited for room
        self._go = asyncio.Event()  # calm, or a full backlog: work starts
        self._go.set()
        self._room = asyncio.Event()  # the backlog is below the bound: requests come in
        self._room.set()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def backlog(self) -> int:
        return self._backlog

    def started(self) -> None:
        """A request came in: work not yet started waits for it to be acknowledged."""
        self._acking += 1
        self._last = time.monotonic()
        self._calm = False
        self._update()

    def finished(self) -> None:
        self._acking -= 1
        if self._acking == 0 and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.quiet, self._check)

    def queued(self) -> None:
        """A job was acknowledged: it counts in the backlog until :meth:`done`."""
        self._backlog += 1
        self.peak = max(self.peak, self._backlog)
        self._update()

    def done(self) -> None:
        self._backlog -= 1
        self._update()

    def _check(self) -> None:
        self._timer = None
        if self._acking:
            return  # the request in flight will look again when it is done
        left = self.quiet - (time.monotonic() - self._last)
        if left > 0:
            self._timer = asyncio.get_running_loop().call_later(left, self._check)
        else:
            self._calm = True
            self._update()

    def _update(self) -> None:
        full = self._backlog >= self.bound
        _flag(self._go, self._calm or full)
        _flag(self._room, not full)

    async def wait(self, since: float, patience: float | None = None) -> None:
        """Wait for calm (or a full backlog), at most until ``patience`` after ``since``."""
        left = since + (self.patience if patience is None else patience) - time.monotonic()
        if self._go.is_set() or left <= 0:
            return
        await wait_at_most(self._go, left)

    @contextlib.asynccontextmanager
    async def taken_in(self, arrived: float) -> AsyncIterator[None]:
        """One request, in either mode: admitted, then answered while work holds off."""
        await self.admit(arrived)
        self.started()
        try:
            yield
        finally:
            self.finished()

    async def admit(self, arrived: float) -> None:
        """Let a request in when the backlog is below the bound, or ``max_wait`` after it came."""
        if not self._room.is_set():
            self.held += 1
        while not self._room.is_set():
            left = arrived + self.max_wait - time.monotonic()
            if left <= 0:
                return
            await wait_at_most(self._room, left)


def _flag(event: asyncio.Event, on: bool) -> None:
    if on:
        event.set()
    else:
        event.clear()
