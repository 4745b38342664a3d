"""Waiting for an event at most so long, without losing a cancel.

``asyncio.wait_for(event.wait(), seconds)`` is the obvious spelling, but on Python 3.11
it swallows a cancel that arrives in the loop iteration in which the event is set
(CPython gh-86296, bpo-42130; 3.12 rebuilt ``wait_for`` on ``asyncio.timeout``): the
waiting task returns as if only woken and goes on. A loop that waits so while its
``stop()`` cancels it then never ends, and shutdown hangs. ``asyncio.timeout`` leaves
the cancel alone; :func:`wait_at_most` (an event) and :func:`within` (any awaitable)
are that spelling, once, for every such wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def wait_at_most(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set, or ``seconds`` have gone by; True if it is set.

    A cancel always ends the wait with ``CancelledError``, even one that arrives as the
    event is set (which ``asyncio.wait_for`` would swallow on Python 3.11).
    """
    try:
        async with asyncio.timeout(seconds):
            return await event.wait()
    except TimeoutError:
        return event.is_set()  # set in the very iteration the time ran out


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``await awaitable``, or ``TimeoutError`` after ``seconds``: ``asyncio.wait_for``
    without its 3.11 flaw. A cancel that arrives as the awaited work finishes still
    cancels: ``wait_for`` would return the result and lose the cancel, so a loop stopped
    while it parses a mail went on for ever and its ``stop()`` never returned.
    """
    async with asyncio.timeout(seconds):
        return await awaitable
