"""Replays: the same Slack request again is answered as the first was, and not done twice.

Slack retries neither slash commands nor interactions, but whoever saw one
(a proxy, a log) could send it again byte for byte while its signature was
fresh, and each copy did the work again: two deals. A request is known by
its signature with its timestamp (HTTP mode) and by its ``trigger_id``
(unique per click or command); the same signature, or the same trigger, is
the same request. Its first answer is kept in ``slack_requests`` (migration
13) for :data:`KEEP`, well past the five minutes a signature is accepted, so
a copy sent after a restart is recognised too.

A request is claimed durably *before* it can do anything:

* commands, buttons and shortcuts (``FOLDED``) are journaled by :func:`bot.listeners.deferred`
  before their ack, and the claim rides in that same write — no extra
  commit on the busiest path; a copy finds the claim, journals nothing, and
  gets the stored (empty) ack;
* but those their listener declares read-only (a card, a list, a form to
  open) are not kept at all (``Claim.kept``): a copy reads and answers again,
  and the read costs no write;
* anything else that carries a key (modal submissions, whose engine work
  runs before the ack) is claimed in a write of its own before Bolt sees it;
  a copy arriving while the first is still being answered waits for that
  answer.

Events API deliveries keep their own de-duplication by ``event_id`` (see
:mod:`bot.jobs`), and external-select searches only read, so neither is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.tasks import Tasks
from engine.api import Engine, RelaisError, clock
from engine.api.chat import Answer, RequestKeys

log = logging.getLogger("relais.slack")

KEEP = timedelta(hours=1)  # signatures are accepted five minutes either side of now
PRUNE_EVERY = 600.0  # seconds between two prunings while the service runs
WAIT = 2.5  # seconds a copy waits for the first's answer (Slack gives up at 3)
CONTEXT_KEY = "relais_claim"
FOLDED = ("command", "block_actions", "shortcut", "message_action")  # journaled by deferred
UNKEPT = ("event_callback", "block_suggestion", "url_verification")
Dispatch = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]
T = TypeVar("T")


@dataclass(slots=True)
class Claim:
    """One request's keys, and what became of its claim."""

    signature: str | None
    trigger: str | None
    folded: bool  # claimed by the listener's journal write, not before dispatch
    taken: bool = False  # this request is the first: it does the work
    replayed: bool = False  # the listener found it already claimed
    kept: bool = True  # False: the listener declared it read-only, nothing to keep

    @property
    def keys(self) -> RequestKeys:
        return (self.signature, self.trigger)


def claim_of(request: AsyncBoltRequest) -> Claim | None:
    """The request's claim, or None when it carries no key or is not kept."""
    body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
    kind = "command" if "command" in body else str(body.get("type", ""))
    if kind in UNKEPT or "ssl_check" in body:
        return None
    signature = _signature(request) if request.mode == "http" else None
    trigger = body.get("trigger_id")
    trigger = trigger if isinstance(trigger, str) and trigger else None
    if signature is None and trigger is None:
        return None
    return Claim(signature, trigger, folded=kind in FOLDED)


def _signature(request: AsyncBoltRequest) -> str | None:
    stamp = request.headers.get("x-slack-request-timestamp", [""])[0]
    signed = request.headers.get("x-slack-signature", [""])[0]
    return f"{stamp}:{signed}" if stamp and signed else None


def claim_in(context: Any) -> Claim | None:
    """The claim :class:`Replays` put in a request's Bolt context, if any."""
    found = context.get(CONTEXT_KEY) if isinstance(context, dict) else None
    return found if isinstance(found, Claim) else None


def bolt_response(answer: Answer) -> BoltResponse:
    return BoltResponse(status=answer.status, body=answer.body)


class Replays:
    """Recognises a request seen before and answers it as it was answered."""

    def __init__(self, engine: Engine, tasks: Tasks) -> None:
        self.engine = engine
        self.tasks = tasks
        self._pending: dict[str, asyncio.Future[Answer]] = {}
        self._pruned = time.monotonic()

    async def dispatch(self, request: AsyncBoltRequest, inner: Dispatch) -> BoltResponse:
        """Run ``inner`` for a new request; answer a copy as its first was answered."""
        claim = claim_of(request)
        if claim is None:
            return await inner(request)
        self._prune_now_and_then()
        request.context[CONTEXT_KEY] = claim
        if not claim.folded:
            early = await self._claim_first(claim)
            if early is not None:
                log.info("event=slack_replay_answered trigger=%s", claim.trigger)
                return bolt_response(early)
        answer = Answer(200, "")  # what a waiting copy gets if this one fails
        try:
            response = await inner(request)
            answer = Answer(response.status, response.body)
            stored = await self._settle(claim, answer)
        finally:  # stored first, then copies waiting in this process are answered
            self._release(claim, answer)
        return response if stored is None else bolt_response(stored)

    # -- claimed before dispatch ------------------------------------------------------

    async def _claim_first(self, claim: Claim) -> Answer | None:
        """Claim now: None to go on, or the answer a copy gets."""
        waiting = next((self._pending[k] for k in _keys(claim) if k in self._pending), None)
        if waiting is not None:
            return await self._wait(waiting)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.update({k: future for k in _keys(claim)})
        try:
            claim.taken = await self._guarded(
                self.engine.chat.claim_request(claim.keys, None), True
            )
        except BaseException:  # cancelled: copies waiting for this one stop waiting
            self._release(claim, Answer(200, ""))
            raise
        if claim.taken:
            return None
        answer = await self._stored(claim)
        self._release(claim, answer)
        return answer

    async def _wait(self, first: asyncio.Future[Answer]) -> Answer:
        try:
            async with asyncio.timeout(WAIT):
                return await asyncio.shield(first)
        except TimeoutError:
            return Answer(200, "")

    def _release(self, claim: Claim, answer: Answer) -> None:
        futures = {self._pending.pop(k) for k in _keys(claim) if k in self._pending}
        for future in futures:
            if not future.done():
                future.set_result(answer)

    # -- after dispatch -------------------------------------------------------------------

    async def _settle(self, claim: Claim, answer: Answer) -> Answer | None:
        """Keep the answer of a first request; the stored one for a copy (None: as is)."""
        if not claim.kept:
            return None
        if claim.replayed:
            log.info("event=slack_replay_answered trigger=%s", claim.trigger)
            return await self._stored(claim)
        if claim.taken and claim.folded:
            if answer != Answer(200, ""):  # the journal write stored an empty ack
                await self._guarded(self.engine.chat.answer_request(claim.keys, answer), None)
        elif claim.taken:
            await self._guarded(self.engine.chat.answer_request(claim.keys, answer), None)
        else:  # a command or click no journal write claimed (unknown command, refused…)
            await self._guarded(self.engine.chat.claim_request(claim.keys, answer), None)
        return None

    async def _stored(self, claim: Claim) -> Answer:
        """The first's answer; an empty ack if it never got one (it was cut short)."""
        found = await self.engine.chat.answered(claim.keys)
        return found or Answer(200, "")

    async def _guarded(self, write: Awaitable[T], failed: T) -> T:
        """A write of the claim; if storage fails, go on without the guard (logged)."""
        try:
            return await write
        except RelaisError as exc:
            log.warning("event=slack_replay_guard_failed error=%r", exc)
            return failed

    # -- pruning ----------------------------------------------------------------------------

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY:
            return
        self._pruned = time.monotonic()
        self.tasks.spawn(self.prune(), "slack-replays-prune")

    async def prune(self) -> None:
        """Forget requests older than :data:`KEEP`."""
        before = clock.utcnow() - KEEP
        await self._guarded(self.engine.chat.prune_requests(before), None)


def _keys(claim: Claim) -> list[str]:
    """The in-memory names of a claim's keys (a signature never looks like a trigger)."""
    return [f"{name}:{key}" for name, key in zip(("s", "t"), claim.keys, strict=True) if key]
