"""Bolt listeners by kind, each module with ``register(app, engine)`` and its ``JOBS``.

Every listener acks first. Most do nothing else before the ack than journal
the request (:func:`deferred`); the job then runs as a task. Commands and
buttons must go through :func:`deferred`: its journal write is also what
claims the request against replays (:mod:`bot.replays`). Modal submissions
validate through the engine before the ack, because Slack only shows field
errors that come back in the ack itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.i18n import t
from bot.replays import claim_in
from bot.runtime import Runtime
from engine.api import RelaisError

log = logging.getLogger("relais.slack")

Listener = Callable[..., Awaitable[None]]


def deferred(runtime: Runtime, kind: str) -> Listener:
    """A listener that journals the request, acks, then runs job ``kind`` as a task."""

    async def journal_then_ack(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        try:
            job = await runtime.journal.record(kind, body, claim=claim_in(context))
        except RelaisError as exc:
            log.error("event=slack_journal_failed kind=%s error=%r", kind, exc)
            await ack(text=t(runtime.settings.locale, "storage_busy"))
            return
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return journal_then_ack


def deferred_event(runtime: Runtime, kind: str) -> Listener:
    """Events API: journaled under their ``event_id``, so a retried delivery does nothing."""

    async def journal_once(body: dict[str, Any]) -> None:
        key = f"event:{body.get('team_id', '')}:{body.get('event_id', '')}"
        job = await runtime.journal.record(kind, body, dedupe_key=key)
        if job is None:
            log.info("event=slack_event_duplicate key=%s", key)
            return
        runtime.journal.start(job)

    return journal_once
