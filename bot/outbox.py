"""Delivering what the bot owes Slack: in order per lane, retried until it lands.

Every message (a notice in the leads channel, its later updates, a direct
message) is first a row of ``slack_outbox``, written in the same commit as
the decision to send it. A lane (one channel, or one person's direct
messages) delivers its rows one at a time, oldest first, so an update never
overtakes the message it updates. ``ratelimited`` pauses only that lane for
the ``Retry-After`` Slack asked for; Slack being down (no connection, 5xx)
backs off exponentially; any other refusal fails that row alone, logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.common import Message
from bot.tasks import Tasks
from engine.api import Actor, Engine, clock
from engine.api.chat import store

log = logging.getLogger("relais.slack")

ACTOR = Actor.system("slack")
MAX_BACKOFF = 300.0
# Render the current state of a record for a notice: ``ref`` → message, or None if gone.
Render = Callable[[str], Awaitable[Message | None]]
# Told when a row with a ``ref`` was delivered (error None) or refused for good.
Settled = Callable[[str, str | None, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after ``delay``: Slack is down or asked us to slow down."""

    delay: float
    error: str


class NotYet(Exception):
    """A reply whose thread (the record's notice) is not in Slack yet: try again soon."""

    delay = 1.0


class Outbox:
    def __init__(
        self, engine: Engine, client: AsyncWebClient, tasks: Tasks, render: Render,
        base_delay: float = 1.0, *, settled: Settled | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.client = client
        self.tasks = tasks
        self.render = render
        self.base_delay = base_delay
        self._wake = asyncio.Event()
        self._lanes: set[str] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.settled = settled

    def start(self) -> None:
        self._loop_task = self.tasks.spawn(self._dispatch(), "slack-outbox", service=True)

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    def kick(self) -> None:
        self._wake.set()

    async def idle(self) -> bool:
        """No lane busy and nothing due now (tests and benchmarks wait for this)."""
        due = await self.engine.read(lambda c: store.due_lanes(c, clock.utcnow()))
        return not self._lanes and not due

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            for lane in await self.engine.read(lambda c: store.due_lanes(c, clock.utcnow())):
                if lane not in self._lanes:
                    self._lanes.add(lane)
                    self.tasks.spawn(self._lane(lane), f"slack-lane-{lane}")
            await self._sleep()

    async def _sleep(self) -> None:
        upcoming = await self.engine.read(store.next_due)
        timeout = 60.0
        if upcoming is not None:
            timeout = min(timeout, max(0.01, (upcoming - clock.utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _lane(self, lane: str) -> None:
        try:
            while (row := await self.engine.read(lambda c: store.head_of_lane(c, lane))) and (
                row.next_attempt_at <= clock.utcnow()
            ):
                await self._attempt(row)
        finally:
            self._lanes.discard(lane)
            self.kick()

    async def _attempt(self, row: store.OutboxRow) -> None:
        outcome: Retry | str
        try:
            link = await self._deliver(row)
        except NotYet as exc:
            outcome = Retry(exc.delay, f"waiting for the notice it replies to: {exc}")
        except SlackApiError as exc:
            outcome = _classify(exc, row.attempts, self.base_delay)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            outcome = Retry(_backoff(row.attempts, self.base_delay), f"unreachable: {exc!r}")
        except Exception as exc:
            log.exception("event=slack_outbox_render_failed id=%s", row.id)
            outcome = f"{type(exc).__name__}: {exc}"
        else:
            await self.engine.write(lambda tx: store.mark_sent(tx, row.id, link), ACTOR)
            self.delivered += 1
            await self._tell(row, None, "" if link is None else f"{link[1]} {link[2]}")
            return
        await self._record_failure(row, outcome)
        if isinstance(outcome, str):
            await self._tell(row, outcome, "")

    async def _tell(self, row: store.OutboxRow, error: str | None, detail: str) -> None:
        if self.settled is not None and row.ref is not None:
            await self.settled(row.ref, error, detail)

    async def _record_failure(self, row: store.OutboxRow, outcome: Retry | str) -> None:
        if isinstance(outcome, Retry):
            log.warning(
                "event=slack_outbox_retry id=%s lane=%s in=%.1fs error=%s",
                row.id, row.lane, outcome.delay, outcome.error,
            )  # fmt: skip
            delay = timedelta(seconds=outcome.delay)
            await self.engine.write(
                lambda tx: store.mark_retry(tx, row.id, delay, outcome.error), ACTOR
            )
            return
        log.error("event=slack_outbox_failed id=%s lane=%s error=%s", row.id, row.lane, outcome)
        await self.engine.write(lambda tx: store.mark_failed(tx, row.id, outcome), ACTOR)

    async def _deliver(self, row: store.OutboxRow) -> tuple[str, str, str] | None:
        """Send one row; returns the ``(ref, channel, ts)`` link of a new notice."""
        if row.kind == "notice_update":
            await self._update(row)
            return None
        message = await self._message(row)
        if message is None:
            return None
        channel = await self._channel(row.lane)
        thread = await self._thread(row, channel)
        response = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread
        )
        if row.ref is None:
            return None
        return row.ref, str(response.get("channel") or channel), str(response.get("ts"))

    async def _thread(self, row: store.OutboxRow, channel: str) -> str | None:
        """The ``ts`` to reply under: the notice of the record the message is about.

        Only in the notice's own channel. A notice still queued in this lane is
        posted first (the lane is ordered, but the reply may have been queued
        before it); one about to be queued is waited for, once.
        """
        ref = row.payload.get("thread_of")
        if not ref:
            return None
        where = await self.engine.read(lambda c: store.message_for(c, ref))
        if where is None:
            notice = await self.engine.read(lambda c: store.pending_notice(c, row.lane, ref))
            if notice is not None:
                await self._attempt(notice)
                where = await self.engine.read(lambda c: store.message_for(c, ref))
                if where is None:
                    raise NotYet(ref)  # the notice failed this time: keep the order
            elif row.payload.get("notice_coming") and row.attempts == 0:
                raise NotYet(ref)
        if where is None or where[0] != channel:
            return None
        return where[1]

    async def _message(self, row: store.OutboxRow) -> Message | None:
        if row.kind == "notice" and row.ref is not None:
            return await self.render(row.ref)
        payload: dict[str, Any] = row.payload
        return Message(str(payload.get("text", "")), list(payload.get("blocks") or []))

    async def _update(self, row: store.OutboxRow) -> None:
        assert row.ref is not None
        ref = row.ref
        where = await self.engine.read(lambda c: store.message_for(c, ref))
        message = await self.render(ref)
        if where is None or message is None:
            return
        channel, ts = where
        await self.client.chat_update(
            channel=channel, ts=ts, text=message.text, blocks=message.blocks
        )

    async def _channel(self, lane: str) -> str:
        """A lane ``user:U…`` is that person's direct-message channel."""
        if not lane.startswith("user:"):
            return lane
        opened = await self.client.conversations_open(users=lane.removeprefix("user:"))
        return str((opened.get("channel") or {}).get("id"))


def _classify(exc: SlackApiError, attempts: int, base: float) -> Retry | str:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"http {status}")
    if status == 429 or error == "ratelimited":
        return Retry(_retry_after(exc.response.headers), "ratelimited")
    if status >= 500 or error in ("service_unavailable", "fatal_error", "internal_error"):
        return Retry(_backoff(attempts, base), error)
    return error


def _retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0


def _backoff(attempts: int, base: float) -> float:
    return float(min(MAX_BACKOFF, base * 2**attempts))
