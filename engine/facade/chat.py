"""The chat part: the Slack bot's own durable state, as named units of work.

The journal of requests (so acknowledged work survives a restart), the
requests already answered (so a replayed request gets the same answer), the
notifier's cursor over the timeline and the channels notices went to. The
Slack outbox is not here: it is the outbox's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.actors import Actor
from engine.chat import store
from engine.crm.marks import Mark
from engine.facade.base import Part

ACTOR = Actor.system("slack")


class Chat(Part):
    """Owns the bot's journal, replay guard, notice cursor and pruning (engine/chat/store.py)."""

    # -- journal --------------------------------------------------------------

    async def record_job(
        self, kind: str, payload: dict[str, Any], dedupe_key: str | None = None,
        request: store.RequestKeys | None = None,
    ) -> int | None:  # fmt: skip
        """Journal one request; ``None`` when its dedupe key or ``request`` was seen."""
        return await self._write(
            lambda tx: store.record_job(tx, kind, payload, dedupe_key, request), ACTOR
        )

    async def start_job(self, job_id: int) -> None:
        await self._write(lambda tx: store.start_job(tx, job_id), ACTOR)

    async def finish_job(self, job_id: int, error: str | None = None) -> None:
        await self._write(lambda tx: store.finish_job(tx, job_id, error), ACTOR)

    async def unfinished_jobs(self) -> list[store.JobRow]:
        return await self._read(store.unfinished_jobs)

    async def expire_jobs(self, job_ids: list[int]) -> None:
        """Close jobs too old to replay, as failed."""
        await self._write(lambda tx: store.expire_jobs(tx, job_ids), ACTOR)

    # -- requests already answered (replays) ----------------------------------

    async def claim_request(self, keys: store.RequestKeys, answer: store.Answer | None) -> bool:
        """Write the request down (``answer`` None: still being answered); False if seen."""
        return await self._write(lambda tx: store.claim_request(tx, keys, answer), ACTOR)

    async def answer_request(self, keys: store.RequestKeys, answer: store.Answer) -> None:
        await self._write(lambda tx: store.answer_request(tx, keys, answer), ACTOR)

    async def answered(self, keys: store.RequestKeys) -> store.Answer | None:
        """How the first of these requests was answered (None: not yet, or never known)."""
        return await self._read(lambda c: store.answered(c, keys))

    async def prune_requests(self, before: datetime) -> None:
        await self._write(lambda tx: store.prune_requests(tx, before), ACTOR)

    async def prune(
        self, jobs_before: datetime, outbox_before: datetime, requests_before: datetime
    ) -> None:
        """Forget finished jobs, sent or failed posts and answered requests older than given."""
        await self._write(
            lambda tx: store.prune(tx, jobs_before, outbox_before, requests_before), ACTOR
        )

    # -- notices --------------------------------------------------------------

    async def cursor(self, name: str) -> Mark:
        """How far the named reader has read the timeline (``START``: nothing yet)."""
        return await self._read(lambda c: store.cursor(c, name))

    async def notice_channels(self, refs: list[str]) -> dict[str, str]:
        """The channel each record's notice went to (``deal:42`` → channel)."""
        return await self._read(lambda c: store.notice_channels(c, refs))

    async def plan_notices(
        self, planned: Sequence[tuple[str, str, str]], cursor: str, read: tuple[Mark, Mark]
    ) -> bool:
        """Queue each planned ``(lane, kind, ref)`` and move ``cursor`` over the entries read
        (``read``: from, to), in one write; False, and nothing queued, if another instance's
        reader moved it first (its notices are those)."""
        start, end = read
        return await self._write(
            lambda tx: store.enqueue_planned(tx, planned, cursor, end, start), ACTOR
        )
