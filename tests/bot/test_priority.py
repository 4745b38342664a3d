"""Backpressure (bot.priority): acks wait for room once the backlog is full, work stops waiting.

Real asyncio, no sleeps for timing: a waiter is shown still waiting after the
loop has run everything else it could, and shown done within a deadline.
"""

from __future__ import annotations

import asyncio
import time

from bot.priority import AckFirst

DEADLINE = 5.0  # seconds: far longer than anything here should take


async def _still_waiting(task: asyncio.Task[None]) -> bool:
    """True when ``task`` is not done after the loop ran every ready callback a few times."""
    for _ in range(20):
        await asyncio.sleep(0)
    return not task.done()


def _full(bound: int, **kwargs: float) -> AckFirst:
    acks = AckFirst(bound=bound, **kwargs)
    for _ in range(bound):
        acks.queued()
    return acks


async def test_a_request_comes_in_at_once_while_the_backlog_is_below_the_bound() -> None:
    acks = AckFirst(bound=3)
    acks.queued()
    acks.queued()
    await asyncio.wait_for(acks.admit(time.monotonic()), DEADLINE)
    assert acks.backlog == 2


async def test_a_full_backlog_holds_a_request_until_a_job_is_done() -> None:
    acks = _full(3, max_wait=60.0)
    waiting = asyncio.create_task(acks.admit(time.monotonic()))
    assert await _still_waiting(waiting)
    acks.done()  # one job finished: room for one more
    await asyncio.wait_for(waiting, DEADLINE)
    assert acks.backlog == 2 and acks.peak == 3


async def test_a_held_request_is_acked_anyway_after_the_maximum_wait() -> None:
    acks = _full(2, max_wait=0.05)
    arrived = time.monotonic()
    await asyncio.wait_for(acks.admit(arrived), DEADLINE)  # nothing was ever done
    assert time.monotonic() - arrived >= 0.05
    assert acks.backlog == 2
    late = _full(2, max_wait=60.0)  # a request that already waited its maximum goes in
    await asyncio.wait_for(late.admit(time.monotonic() - 61.0), DEADLINE)


async def test_work_waits_for_calm_until_the_backlog_fills_then_starts() -> None:
    acks = AckFirst(bound=2, patience=60.0)
    acks.started()  # a request is being acked: no calm
    working = asyncio.create_task(acks.wait(time.monotonic()))
    assert await _still_waiting(working)
    acks.queued()
    assert await _still_waiting(working)
    acks.queued()  # the bound: work no longer waits for the acks
    await asyncio.wait_for(working, DEADLINE)
    await asyncio.wait_for(acks.wait(time.monotonic()), DEADLINE)  # nor does the next job


async def test_calm_still_lets_work_start_below_the_bound() -> None:
    acks = AckFirst(quiet=0.01, bound=8, patience=60.0)
    acks.started()
    working = asyncio.create_task(acks.wait(time.monotonic()))
    assert await _still_waiting(working)
    acks.finished()  # the last request acked: calm comes after ``quiet``
    await asyncio.wait_for(working, DEADLINE)
