"""Delivering the outbox's slack lane: in order per recipient, retried until it lands.

Every message for Slack is first a row of the one outbox (:mod:`engine.api.outbox`),
written in the same commit as the decision to send it: the engine's
notifications (rendered here when sent, :mod:`bot.notifications`) and the
bot's own notices, their updates and cards. The engine hands out only the
oldest unsettled message of each recipient (a channel, or one person's
direct messages), under a lease: a bot that dies mid-delivery only delays
it. Each attempt is settled with the engine: ``ratelimited`` waits the
``Retry-After`` Slack asked for, Slack being down (no connection, 5xx) backs
off exponentially, any other refusal makes a dead letter, kept with its reason
(``run.py outbox list --status dead``, ``run.py outbox retry ID``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.common import Message as Shown
from bot.notifications import message_payload, slack_member
from bot.tasks import Tasks
from engine.api import DomainEvent, Engine, NotFound, Phrase, clock, wait_at_most
from engine.api.outbox import Message, Outcome

log = logging.getLogger("relais.slack")

LANE = "slack"
BATCH = 50
LEASE = 300.0  # seconds a claimed message is ours; then another deliverer may take it
MAX_BACKOFF = 300.0
WAITED = 5.0  # seconds past its retry a reply waiting for its notice counts as busy
POLL = 30.0  # a safety net: commits and reminders wake the deliverer at once
# Render the current state of a record for a notice: ``ref`` → message, or None if gone.
Render = Callable[[str], Awaitable[Shown | None]]


class NotYet(Exception):
    """A reply whose thread (the record's notice) is not in Slack yet: try again soon."""

    delay = 1.0


class NoMember(Exception):
    """The recipient is no Slack member the bot knows (yet): retried, then a dead letter."""


class Outbox:
    def __init__(
        self, engine: Engine, client: AsyncWebClient, tasks: Tasks, render: Render,
        base_delay: float = 1.0, *, lease: float = LEASE,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.client = client
        self.tasks = tasks
        self.render = render
        self.base_delay = base_delay
        self.lease = lease
        self._wake = asyncio.Event()
        self._inflight: set[int] = set()
        self._waiting: dict[int, float] = {}  # replies retried soon for their notice → until
        self._loop_task: asyncio.Task[None] | None = None
        self.delivered = 0

    def start(self) -> None:
        self._wake.set()
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
        """Something was queued for Slack (a commit, a reminder): claim it now."""
        self._wake.set()

    async def on_event(self, event: DomainEvent) -> None:
        """The wiring table's ``slack.notifications``: a commit queued a notification."""
        self.kick()

    async def idle(self) -> bool:
        """Nothing in flight and nothing due now (tests and benchmarks wait for this).

        A reply retried in a moment for its notice counts as in flight: its
        delivery has begun and ends, threaded, once the notice is in Slack.
        """
        now = time.monotonic()
        self._waiting = {id: until for id, until in self._waiting.items() if until > now}
        busy = self._inflight or self._waiting
        return not busy and await self.engine.outbox.due_count(LANE) == 0

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            try:
                claimed = await self.engine.outbox.claim_lane(LANE, limit=BATCH, lease=self.lease)
            except Exception:  # the database is busy or gone: the next wake tries again
                log.exception("event=slack_outbox_claim_failed")
                claimed = []
            for message in claimed:
                self._inflight.add(message.id)
                self.tasks.spawn(self._one(message), f"slack-message-{message.id}")
            await self._sleep()

    async def _sleep(self) -> None:
        upcoming = await self.engine.outbox.next_due(LANE)
        timeout = POLL
        if upcoming is not None:
            timeout = min(timeout, max(0.01, (upcoming - clock.utcnow()).total_seconds()))
        # not wait_for: on Python 3.11 it can swallow a cancel that arrives as the wake
        # does, and this loop would then never stop (a hung shutdown).
        await wait_at_most(self._wake, timeout)

    async def _one(self, message: Message) -> None:
        try:
            await self._attempt(message)
        finally:
            self._inflight.discard(message.id)
            self.kick()  # the next message of its recipient may go now

    async def _attempt(self, message: Message) -> None:
        """Deliver one claimed message and settle it; never raises."""
        started = time.perf_counter()
        link: tuple[str, str, str] | None = None
        waits = False
        try:
            posted = await self._deliver(message)
        except Exception as exc:
            waits = isinstance(exc, NotYet)
            outcome = self._failure(message, exc, _ms(started))
        else:
            if posted is not None and message.ref is not None:
                link = (message.ref, *posted)
            detail = "" if posted is None else " ".join(posted)
            outcome = Outcome(True, detail, 200, _ms(started))
        try:
            status = await self.engine.outbox.settle(message.id, outcome, link=link)
        except Exception:  # the lease brings it back
            log.exception("event=slack_outbox_settle_failed id=%s", message.id)
            return
        if waits and status == "pending":  # another instance may take it: not for ever
            self._waiting[message.id] = time.monotonic() + NotYet.delay + WAITED
        else:
            self._waiting.pop(message.id, None)
        self._log(message, outcome, status)

    def _failure(self, message: Message, exc: Exception, ms: int) -> Outcome:
        base, attempts = self.base_delay, message.attempts
        if isinstance(exc, NotYet):
            detail = Phrase("outbox.error.not_yet", ref=str(exc)).stored()
            return Outcome(False, detail, None, ms, retry_after=exc.delay)
        if isinstance(exc, SlackApiError):
            return _classify(exc, attempts, base, ms)
        if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
            retry = _backoff(attempts, base)
            detail = Phrase("outbox.error.unreachable", error=repr(exc)).stored()
            return Outcome(False, detail, None, ms, retry_after=retry)
        if isinstance(exc, NoMember):
            detail = Phrase("outbox.error.no_member", recipient=str(exc)).stored()
            return Outcome(False, detail, None, ms)
        log.error("event=slack_outbox_render_failed id=%s", message.id, exc_info=exc)
        detail = Phrase("outbox.error.render", error=f"{type(exc).__name__}: {exc}").stored()
        return Outcome(False, detail, None, ms, retry=False)

    def _log(self, message: Message, outcome: Outcome, status: str) -> None:
        if status == "delivered":
            self.delivered += 1
        elif status == "pending":
            log.warning(
                "event=slack_outbox_retry id=%s to=%s in=%.1fs error=%s", message.id,
                message.recipient, outcome.retry_after or 0.0, Phrase.from_stored(outcome.detail),
            )  # fmt: skip
        elif status == "failed":
            log.error(
                "event=slack_outbox_failed id=%s to=%s error=%s",
                message.id, message.recipient, Phrase.from_stored(outcome.detail),
            )  # fmt: skip

    async def _deliver(self, message: Message) -> tuple[str, str] | None:
        """Send one message; returns the ``(channel, ts)`` it was posted as, if posted."""
        if message.form == "notice_update":
            await self._update(message)
            return None
        payload = self._payload(message)
        shown = await self._shown(message, payload)
        if shown is None:
            return None
        channel = await self._channel(message.recipient)
        thread = await self._thread(message, payload, channel)
        response = await self.client.chat_postMessage(
            channel=channel, text=shown.text, blocks=shown.blocks, thread_ts=thread
        )
        return str(response.get("channel") or channel), str(response.get("ts"))

    @staticmethod
    def _payload(message: Message) -> dict[str, Any]:
        """The engine's notifications are rendered now; the bot's own carry their blocks."""
        if message.form == "notification":
            return message_payload(message)
        return message.payload

    async def _shown(self, message: Message, payload: dict[str, Any]) -> Shown | None:
        if message.form == "notice" and message.ref is not None:
            return await self.render(message.ref)
        return Shown(str(payload.get("text", "")), list(payload.get("blocks") or []))

    async def _thread(self, message: Message, payload: dict[str, Any], channel: str) -> str | None:
        """The ``ts`` to reply under: the notice of the record the message is about.

        Only in the notice's own channel. A notice still queued for the same
        recipient is posted first (the recipient is ordered, but the reply may
        have been queued before it); one about to be queued is waited for, once.
        """
        ref = payload.get("thread_of")
        if not ref:
            return None
        where = await self.engine.outbox.link(ref)
        if where is None:
            where = await self._notice_first(message, ref, bool(payload.get("notice_coming")))
        if where is None or where[0] != channel:
            return None
        return where[1]

    async def _notice_first(
        self, message: Message, ref: str, coming: bool
    ) -> tuple[str, str] | None:
        key = message.order_key or message.recipient
        notice = await self.engine.outbox.pending_notice(key, ref)
        if notice is not None:
            claimed = await self.engine.outbox.claim_one(notice.id, self.lease)
            if claimed is not None:
                await self._attempt(claimed)
            where = await self.engine.outbox.link(ref)
            if where is None:
                raise NotYet(ref)  # the notice failed this time: keep the order
            return where
        if coming and message.attempts == 0:
            raise NotYet(ref)
        return None

    async def _update(self, message: Message) -> None:
        assert message.ref is not None
        where = await self.engine.outbox.link(message.ref)
        shown = await self.render(message.ref)
        if where is None or shown is None:
            return
        channel, ts = where
        await self.client.chat_update(channel=channel, ts=ts, text=shown.text, blocks=shown.blocks)

    async def _channel(self, recipient: str) -> str:
        """``channel:C…`` is that channel; ``user:…`` that person's direct messages."""
        kind, _, target = recipient.partition(":")
        if kind == "channel" and target:
            return target
        if kind != "user" or not target:
            raise NoMember(recipient)
        member = slack_member(target) or await self._member(target)
        opened = await self.client.conversations_open(users=member)
        return str((opened.get("channel") or {}).get("id"))

    async def _member(self, target: str) -> str:
        """A person named by e-mail (or any reference the engine knows) → Slack id."""
        try:
            user = await self.engine.users.get(target)
        except NotFound:
            raise NoMember(f"user:{target}") from None
        if not user.slack_id:
            raise NoMember(f"user:{target}")
        return str(user.slack_id)


def _classify(exc: SlackApiError, attempts: int, base: float, ms: int) -> Outcome:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"http {status}")
    if status == 429 or error == "ratelimited":
        detail = Phrase("outbox.error.ratelimited").stored()
        return Outcome(False, detail, status, ms, retry_after=_retry_after(exc.response))
    detail = Phrase("outbox.error.slack", error=error).stored()  # Slack's own error code
    if status >= 500 or error in ("service_unavailable", "fatal_error", "internal_error"):
        return Outcome(False, detail, status, ms, retry_after=_backoff(attempts, base))
    return Outcome(False, detail, status, ms, retry=False)


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None)
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


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
