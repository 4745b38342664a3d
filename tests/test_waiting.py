"""``wait_at_most`` and ``within``: an event or an awaitable, a time limit, and never a lost cancel

The regression: on Python 3.11 ``asyncio.wait_for(event.wait(), s)`` returns normally when
the waiting task is cancelled in the loop iteration in which the event is set, and a
dispatcher's loop that waits so never stops. ``wait_at_most`` must end cancelled there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

import pytest

from engine.api import wait_at_most, within

DEADLINE = 5.0  # seconds a test waits for what should take a few milliseconds


class Watched(asyncio.Event):
    """An event that says when someone is waiting on it (no polling, no sleeping)."""

    def __init__(self) -> None:
        super().__init__()
        self.awaited = asyncio.Event()

    async def wait(self) -> Literal[True]:
        self.awaited.set()  # the waiter parks on the event before this one's waiter resumes
        return await super().wait()


async def parked(seconds: float) -> tuple[Watched, asyncio.Task[bool]]:
    """A task waiting in ``wait_at_most`` on a new event, known to be parked on it."""
    event = Watched()
    task = asyncio.create_task(wait_at_most(event, seconds))
    async with asyncio.timeout(DEADLINE):
        await event.awaited.wait()
    return event, task


async def test_a_set_event_ends_the_wait_at_once_with_true() -> None:
    event, task = await parked(60.0)
    started = time.monotonic()
    event.set()
    async with asyncio.timeout(DEADLINE):
        assert await task is True
    assert time.monotonic() - started < 1.0  # not the 60 s it could have waited


async def test_an_event_already_set_is_true_without_waiting() -> None:
    event = asyncio.Event()
    event.set()
    async with asyncio.timeout(DEADLINE):
        assert await wait_at_most(event, 60.0) is True


async def test_past_the_time_the_wait_ends_with_false() -> None:
    started = time.monotonic()
    async with asyncio.timeout(DEADLINE):
        assert await wait_at_most(asyncio.Event(), 0.05) is False
    assert time.monotonic() - started >= 0.04  # it did wait (the loop's clock is coarse)


async def test_a_cancel_arriving_as_the_event_is_set_ends_the_task_cancelled() -> None:
    """Set, then cancel, in one loop iteration: the wake is already scheduled when the cancel
    comes. ``asyncio.wait_for`` (3.11) returns True here; the task must end cancelled."""
    event, task = await parked(60.0)
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(DEADLINE):
            await task
    assert task.cancelled()


async def test_a_cancel_while_waiting_ends_the_task_cancelled() -> None:
    event, task = await parked(60.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(DEADLINE):
            await task
    assert task.cancelled() and not event.is_set()


async def test_within_gives_the_result_or_a_timeout() -> None:
    async def answer() -> int:
        return 42

    assert await within(answer(), 60.0) == 42
    with pytest.raises(TimeoutError):
        await within(asyncio.Event().wait(), 0.05)


async def test_a_cancel_arriving_as_the_awaited_work_finishes_ends_the_task_cancelled() -> None:
    """The parser's case: a thread's answer comes back in the iteration the processor is
    stopped. ``asyncio.wait_for`` (3.11) returns the answer and loses the cancel."""
    done = Watched()

    async def work() -> str:
        await done.wait()
        return "parsed"

    task = asyncio.create_task(within(work(), 60.0))
    async with asyncio.timeout(DEADLINE):
        await done.awaited.wait()
    done.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(DEADLINE):
            await task
    assert task.cancelled()
