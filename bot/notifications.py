"""The engine's outbound notifications (blueprint *After* actions, escalations), to Slack.

The engine writes a ``notification`` to its outbox in the transaction that
causes it; its recipient is ``channel:<id>`` or ``user:<slack id | e-mail>``.
This worker claims them (a lease: a crash only delays them), queues each in
the Slack outbox under ``outbox:<id>`` (once, however often it is claimed),
and settles it with the engine when Slack has taken it — or refused it for
good. Delivery itself (order per channel, ``Retry-After``, Slack down) is
the Slack outbox's job, which tells :meth:`EngineNotifications.settled` how each ended.

The service's wiring table (:mod:`service.wiring`) wakes it after every commit
that queued a notification; the poll is only a safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.blocks.common import escape, section
from bot.notifier import NOTICED
from bot.outbox import Outbox
from bot.tasks import Tasks
from engine.api import Actor, DomainEvent, Engine, NotFound
from engine.api.chat import store
from engine.api.outbox import Message, Outcome

log = logging.getLogger("relais.slack")

ACTOR = Actor.system("slack")
KINDS = ("notification",)
PREFIX = "outbox:"
POLL_SECONDS = 30.0


def message_payload(message: Message) -> dict[str, Any]:
    """What Slack shows; about a record, it answers in the thread of the record's notice.

    A workflow reacting to a record's creation may be queued before the notice
    itself: such a message waits for it (``notice_coming``) rather than being a
    second announcement of the same lead in the channel.
    """
    text = str(message.payload.get("text") or "")
    payload: dict[str, Any] = {"text": text, "blocks": [section(escape(text))] if text else []}
    record = str(message.payload.get("record") or "")
    if record.partition(":")[0] in NOTICED:
        payload["thread_of"] = record
        payload["notice_coming"] = str(message.payload.get("record_event", "")).endswith("created")
    return payload


class EngineNotifications:
    def __init__(self, engine: Engine, outbox: Outbox, tasks: Tasks) -> None:
        self.engine = engine
        self.outbox = outbox
        self.tasks = tasks
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._working = False

    def start(self) -> None:
        self._wake.set()
        self._task = self.tasks.spawn(self._run(), "slack-engine-notifications", service=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @property
    def busy(self) -> bool:
        return self._wake.is_set() or self._working

    def wake(self) -> None:
        """Something was queued for Slack (a commit's event, a reminder): claim it now."""
        self._wake.set()

    async def on_event(self, event: DomainEvent) -> None:
        self.wake()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            self._working = True
            try:
                await self.claim()
            except Exception:
                log.exception("event=slack_notifications_failed")
            finally:
                self._working = False

    async def claim(self) -> int:
        """Queue every due notification; returns how many were claimed."""
        messages = await self.engine.claim_outbox(KINDS, limit=50)
        for message in messages:
            await self._queue(message)
        if messages:
            self.outbox.kick()
        return len(messages)

    async def _queue(self, message: Message) -> None:
        lane = await self._lane(message.recipient)
        if lane is None:
            outcome = Outcome(False, f"no Slack member for {message.recipient}", retry=True)
            await self.engine.settle_outbox(message.id, outcome)
            return
        payload = message_payload(message)
        ref = f"{PREFIX}{message.id}"
        await self.engine.write(
            lambda tx: store.enqueue(tx, lane, "post", payload, ref=ref, once=True), ACTOR
        )

    async def _lane(self, recipient: str) -> str | None:
        kind, _, target = recipient.partition(":")
        if kind == "channel" and target:
            return target
        if kind != "user" or not target:
            return None
        if target[:1] in ("U", "W") and "@" not in target:
            return f"user:{target}"
        try:
            user = await self.engine.user(target)
        except NotFound:
            return None
        return f"user:{user.slack_id}" if user.slack_id else None

    async def settled(self, ref: str, error: str | None, detail: str) -> None:
        """Called by the Slack outbox when a ``outbox:<id>`` row is sent or refused."""
        if not ref.startswith(PREFIX):
            return
        outcome = Outcome(error is None, error or detail, retry=False)
        await self.engine.settle_outbox(int(ref.removeprefix(PREFIX)), outcome)
