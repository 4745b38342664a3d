"""The outbox part: the one outbox, its lanes (slack, email, webhook) and dead letters.

Deliverers claim (a lease) and settle (an attempt recorded; delivered, retried
or dead); the Slack bot also queues its own messages and finds a record's
notice here; the command line lists, shows and retries. Each method is one
unit of work, so no adapter hands the engine a function of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import clock
from engine.actors import Actor
from engine.chat import store as chat
from engine.facade.base import Part
from engine.outbox import lanes
from engine.outbox import queue as outbox
from engine.store.db import Tx

ACTOR = Actor.system("outbox")


class Outbox(Part):
    """Owns the outbox queue: claiming due messages, settling them, reading them back.

    Claims are made in the name :meth:`serve_as` gave (the instance's), or in none.
    """

    owner: str | None = None

    async def serve_as(self, owner: str) -> int:
        """Claim from now on as ``owner``, first giving back what that name still holds (a
        predecessor's, dead before settling: one live process per name). Returns how many."""
        self.owner = owner
        return await self._write(lambda tx: outbox.release_claims(tx, owner), ACTOR)

    def _lease(self, seconds: float = outbox.LEASE) -> outbox.Lease:
        return outbox.Lease(seconds, self.owner)

    async def claim(
        self, kinds: tuple[str, ...], now: datetime | None = None, limit: int = 20
    ) -> list[outbox.Message]:
        """Claim up to ``limit`` due messages of ``kinds`` for one worker (one write)."""
        moment = now or clock.utcnow()
        lease = self._lease()
        return await self._write(lambda tx: outbox.claim(tx, kinds, moment, limit, lease), ACTOR)

    async def claim_lane(
        self, lane: str, now: datetime | None = None, limit: int = 20,
        lease: float = outbox.LEASE,
    ) -> list[outbox.Message]:  # fmt: skip
        """Claim the due heads of ``lane`` (one per order key), leased for ``lease`` seconds."""
        moment = now or clock.utcnow()
        return await self._write(
            lambda tx: outbox.claim_lanes(tx, (lane,), moment, limit, self._lease(lease)), ACTOR
        )

    async def claim_one(
        self, message_id: int, lease: float = outbox.LEASE
    ) -> outbox.Message | None:
        """Claim this pending message out of its turn; None if it is not pending."""
        moment = clock.utcnow()
        terms = self._lease(lease)
        return await self._write(lambda tx: lanes.claim_one(tx, message_id, moment, terms), ACTOR)

    async def settle(
        self, message_id: int, outcome: outbox.Outcome, now: datetime | None = None,
        link: tuple[str, str, str] | None = None,
    ) -> str:  # fmt: skip
        """Record a delivery attempt's outcome; returns the message's new status.

        ``link`` (``ref, channel, ts``): the Slack message now showing a record,
        written in the same transaction, so an update finds it.
        """
        moment = now or clock.utcnow()

        def settle(tx: Tx) -> str:
            status = outbox.settle(tx, message_id, outcome, moment)
            if link is not None and outcome.ok:
                chat.record_link(tx, link)
            return status

        return await self._write(settle, ACTOR)

    async def retry(self, message_id: int, actor: Actor) -> outbox.Message:
        """A dead letter is due again now (NotFound, or ValidationFailed if not dead)."""
        await self._write(lambda tx: lanes.retry(tx, message_id), actor)
        return await self.message(message_id)

    async def queue_slack(
        self, recipient: str, form: str, payload: dict[str, Any] | None = None,
        ref: str | None = None, *, once: bool = False, actor: Actor = ACTOR,
    ) -> int | None:  # fmt: skip
        """Queue one of the bot's messages (``channel:C…`` or ``user:U…``) in the slack lane."""
        return await self._write(
            lambda tx: lanes.queue_slack(tx, recipient, form, payload, ref, once=once), actor
        )

    async def messages(
        self, deal_id: int | None = None, status: str | None = None, lane: str | None = None
    ) -> list[outbox.Message]:
        return await self._read(lambda c: outbox.messages(c, deal_id, status, lane))

    async def message(self, message_id: int) -> outbox.Message:
        return await self._read(lambda c: outbox.message(c, message_id))

    async def attempts(self, message_id: int) -> list[outbox.Attempt]:
        return await self._read(lambda c: outbox.attempts(c, message_id))

    async def attachments(self, message_id: int) -> list[outbox.Attachment]:
        """The files stored with an outbox e-mail, as they are sent."""
        return await self._read(lambda c: outbox.attachments(c, message_id))

    async def counts(self, lane: str | None = None) -> dict[str, int]:
        return await self._read(lambda c: lanes.counts(c, lane))

    async def due_count(self, lane: str) -> int:
        """How many messages of ``lane`` could be claimed right now."""
        moment = clock.utcnow()
        return await self._read(lambda c: lanes.due_count(c, lane, moment))

    async def next_due(self, lane: str) -> datetime | None:
        return await self._read(lambda c: lanes.next_due(c, lane))

    async def pending_notice(self, recipient: str, ref: str) -> outbox.Message | None:
        """The notice of ``ref`` still queued for ``recipient`` (a reply waits for it)."""
        return await self._read(lambda c: lanes.pending_notice(c, recipient, ref))

    async def link(self, ref: str) -> tuple[str, str] | None:
        """``(channel, ts)`` of the Slack message showing the record ``ref``."""
        return await self._read(lambda c: chat.message_for(c, ref))
