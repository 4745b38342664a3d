"""Bolt listeners by kind, each module with ``register(app, engine)`` and its ``JOBS``.

Every listener acks first. Most do nothing else before the ack than journal
the request (:func:`deferred`); the job then runs as a task. Commands and
buttons must go through :func:`deferred`: its journal write is also what
claims the request against replays (:mod:`bot.replays`). Modal submissions
validate through the engine before the ack, because Slack only shows field
errors that come back in the ack itself.

Each listener declares which of its requests only read (``reads``: a card, a
list, a search, a form to open): those are neither journaled nor claimed —
there is nothing to lose in a crash, and a copy simply answers again — so
they cost no write at all. Everything else (a move, a claim, a creation) keeps
its journal row, and a copy of it is still done once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.i18n import t
from bot.jobs import UNJOURNALED
from bot.replays import claim_in
from bot.runtime import Runtime
from engine.api import RelaisError, clock
from engine.api.chat import store

log = logging.getLogger("relais.slack")

Listener = Callable[..., Awaitable[None]]
# Which requests only read: all of a listener's (True), none (False), or those it names.
Reads = bool | Callable[[Mapping[str, Any]], bool]


def only_reads(reads: Reads, body: Mapping[str, Any]) -> bool:
    return reads(body) if callable(reads) else reads


def deferred(runtime: Runtime, kind: str, *, reads: Reads = False) -> Listener:
    """A listener that journals the request, acks, then runs job ``kind`` as a task.

    A request ``reads`` declares read-only is acked and run without a journal row.
    """

    async def journal_then_ack(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        if only_reads(reads, body):
            await read_now(runtime, kind, body, context, ack)
            return
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


async def read_now(
    runtime: Runtime, kind: str, body: dict[str, Any], context: Any, ack: AsyncAck
) -> None:
    """Ack a read and run it from memory: no journal row, no replay claim (a copy reads again)."""
    claim = claim_in(context)
    if claim is not None:
        claim.kept = False
    await ack()
    runtime.journal.start(store.JobRow(UNJOURNALED, kind, body, "pending", 0, clock.utcnow()))


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
