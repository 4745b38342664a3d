"""The workflow runner: from committed changes to runs, durable at every step.

The bus (after-commit events) wakes the runner through
:meth:`WorkflowRunner.on_event`, which whoever starts the runner subscribes to
every event (the service's wiring table; the runner never subscribes itself);
the timeline is its source of truth. It reads the entries after its cursor,
finds the workflows each concerns through the (entity, event) index — never a
scan — and starts the runs in one write that also moves the cursor: a change
made while the service was down, or by another process (the command line),
still triggers its workflows, exactly once. Each further action is its own write.

Loop protection: an entry written by a workflow's action carries the run's
depth + 1 (``workflow_causes``); a run that would start at ``max_depth`` is
recorded as stopped, with the cut, and does nothing.

Timed work lives in the database too: :meth:`WorkflowRunner.tick` resumes
waiting runs whose time has come (claimed with a status update in the same
write as their next step), fires date triggers, persists the cursor and
prunes old runs (the writes themselves in :mod:`engine.workflows.timed`).
``now`` may be given (tests, ``run.py workflows tick``).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from engine import clock
from engine.actors import Actor
from engine.crm.marks import HELD_PAUSE, START, Mark, held_back
from engine.events import DomainEvent
from engine.store.db import Database, Tx
from engine.text.catalogue import Phrase
from engine.waiting import wait_at_most
from engine.workflows import runs, timed
from engine.workflows.dates import DueDate, due_dates
from engine.workflows.execute import Progress, Setup, advance
from engine.workflows.feed import (
    Batch,
    Entry,
    depths,
    entries,
    last_settled,
    move_mark,
    stored_mark,
)  # fmt: skip
from engine.workflows.model import ENTITIES, Definition
from engine.workflows.runs import Start
from engine.workflows.store import Index, Indexed, definition, load_index, stamp

log = logging.getLogger("relais.workflows")

ACTOR = Actor.system("workflows")
POLL_SECONDS = 5.0
PRUNE_EVERY = timedelta(hours=1)


@dataclass
class TickReport:
    started: int = 0
    resumed: int = 0
    dated: int = 0
    pruned: int = 0


@dataclass
class Stats:
    entries: int = 0
    started: int = 0
    cut: int = 0
    writes: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class WorkflowRunner:
    """Runs the active workflows of one database; ``start()`` starts its loop.

    Whoever starts it also subscribes :meth:`on_event` to every event (``*``),
    through the wiring table (``service.wiring``); unsubscribed, it still
    catches up on every poll (``POLL_SECONDS``) and tick.
    """

    def __init__(
        self, db: Database, setup: Setup | None = None, *, batch: int = 500,
        retention_days: int = 90,
    ) -> None:  # fmt: skip
        self.db = db
        self.setup = setup or Setup()
        self.batch = batch
        self.retention_days = retention_days
        self.claim = uuid.uuid4().hex
        self.stats = Stats()
        self._index = Index()
        self._cache: dict[int, Definition] = {}
        self._position: Mark | None = None  # how far this runner has read
        self._stored: Mark | None = None  # where it last saw the cursor written down
        self.held = False  # committed entries wait for an older transaction: read again soon
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None

    # -- life cycle ------------------------------------------------------------

    def start(self) -> None:
        self._wake.set()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        async with self._lock:
            await self._persist()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def busy(self) -> bool:
        return self._wake.is_set() or self._lock.locked()

    async def on_event(self, event: DomainEvent) -> None:
        """The listener the wiring table subscribes to ``*``: a change may start runs."""
        if event.entity in ENTITIES:
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            await wait_at_most(self._wake, HELD_PAUSE if self.held else POLL_SECONDS)
            self._wake.clear()
            try:
                await self.catch_up()
            except Exception:
                log.exception("event=workflow_runner_failed")

    async def settle(self, seconds: float = 10.0) -> None:
        """Wait until every change so far has been through the workflows (tests, bench)."""
        async with asyncio.timeout(seconds):
            while True:
                await self.db.bus.drain()
                if not await self.catch_up() and not self.held:
                    await self.db.bus.drain()
                    if not await self.catch_up() and not self.held:
                        return
                if self.held:
                    await asyncio.sleep(HELD_PAUSE)

    # -- from the timeline to runs ------------------------------------------------

    async def catch_up(self) -> int:
        """Start the runs every unread timeline entry calls for; returns how many entries."""
        seen = 0
        async with self._lock:
            while True:
                batch = await self.db.read(self._read)
                self.held = batch.held
                if batch.index is not None:
                    self._index = batch.index
                if self._stored is None:
                    self._stored = self._position = batch.stored
                if self._position is not None and batch.last <= self._position:
                    return seen
                seen += len(batch.entries)
                if not await self._handle(batch) or len(batch.entries) < self.batch:
                    return seen

    def _read(self, conn: sqlite3.Connection) -> Batch:
        stored = stored_mark(conn)
        fresh = stamp(conn)
        index = load_index(conn, self._cache) if fresh != self._index.stamp else None
        after = self._position if self._position is not None else stored
        active = index if index is not None else self._index
        if not active.by_event:
            last = last_settled(conn, after)
            return Batch(stored, index, [], {}, last, held_back(conn, last))
        found = entries(conn, after, self.batch)
        last = found[-1].mark if found else after
        held = len(found) < self.batch and held_back(conn, last)
        return Batch(stored, index, found, depths(conn, found), last, held)

    async def _handle(self, batch: Batch) -> bool:
        """Start what the batch calls for; False if another runner got there first."""
        starts = [s for entry in batch.entries for s in self._starts(entry, batch.depths)]
        self.stats.entries += len(batch.entries)
        if not starts:
            self._position = batch.last
            return True
        now = clock.utcnow()
        expected = self._stored
        try:
            progress = await self.db.write(
                partial(self._begin, expected=expected, last=batch.last, starts=starts, now=now),
                ACTOR,
            )
        except Exception:  # a bug in one run: again, each run in its own savepoint
            log.exception("event=workflow_batch_failed runs=%d", len(starts))
            progress = await self.db.write(
                partial(self._begin, expected=expected, last=batch.last, starts=starts, now=now,
                        guarded=True),
                ACTOR,
            )  # fmt: skip
        self.stats.writes += 1
        if progress is None:  # another runner moved the cursor: read again from there
            self._stored = self._position = None
            return False
        self._stored = self._position = batch.last
        self._count(progress, started=True)
        await self._continue([p.run_id for p in progress if p.status == "running"])
        return True

    def _starts(self, entry: Entry, depths: dict[int, int]) -> list[Start]:
        found: list[Start] = []
        for item in self._index.matching(entry.entity, entry.action, entry.changes):
            if item.triggered_by == "owner" and entry.actor_user_id != item.owner_id:
                continue
            found.append(
                Start(
                    item.id,
                    item.name,
                    item.owner_id,
                    item.version_id,
                    entry.entity,
                    entry.entity_id,
                    entry.cause(),
                    depths.get(entry.id, 0),
                    entry.id,
                )
            )
        return found

    def _begin(
        self, tx: Tx, expected: Mark | None, last: Mark, starts: list[Start], now: datetime,
        guarded: bool = False,
    ) -> list[Progress] | None:  # fmt: skip
        """Move the cursor and start the runs: one write for a whole batch of changes."""
        if not move_mark(tx, last, expected):
            return None
        return [self._start_one(tx, begin, now, guarded) for begin in starts]

    def _start_one(self, tx: Tx, begin: Start, now: datetime, guarded: bool = True) -> Progress:
        if begin.depth >= self.setup.max_depth:
            self.stats.cut += 1
            return runs.cut(tx, begin, now, self.setup)
        if not guarded:  # the fast path: a failing action has its own savepoint anyway
            program = self._definition(tx.conn, begin.version_id)
            return runs.start(tx, begin, program, now, self.setup, self.claim)
        tx.execute("SAVEPOINT workflow_start")
        try:
            program = self._definition(tx.conn, begin.version_id)
            progress = runs.start(tx, begin, program, now, self.setup, self.claim)
        except Exception as exc:
            tx.execute("ROLLBACK TO workflow_start")
            tx.execute("RELEASE workflow_start")
            return runs.broken(tx, begin, now, exc)
        tx.execute("RELEASE workflow_start")
        return progress

    def _definition(self, conn: sqlite3.Connection, version_id: int) -> Definition:
        if version_id not in self._cache:
            self._cache[version_id] = definition(conn, version_id)
        return self._cache[version_id]

    # -- the next steps ------------------------------------------------------------

    async def _continue(self, run_ids: Sequence[int], now: datetime | None = None) -> None:
        if run_ids:
            await asyncio.gather(*(self._run_on(run_id, now) for run_id in run_ids))

    async def _run_on(self, run_id: int, now: datetime | None) -> None:
        """Advance one run, one write per action, while it is running."""
        while True:
            step = partial(self._next, run_id=run_id, now=now or clock.utcnow())
            progress = await self.db.write(step, ACTOR)
            self.stats.writes += 1
            if progress is None or progress.status != "running":
                if progress is not None:
                    self._count([progress])
                return

    def _next(self, tx: Tx, run_id: int, now: datetime) -> Progress | None:
        tx.now = clock.to_db(now)
        run = runs.still_mine(tx, run_id, self.claim)
        if run is None:
            return None
        return advance(tx, run, self._definition(tx.conn, run.version_id), now,
                                     self.setup)  # fmt: skip

    def _count(self, progress: Sequence[Progress], *, started: bool = False) -> None:
        for item in progress:
            self.stats.started += started
            if item.status != "running":
                self.stats.outcomes[item.status] = self.stats.outcomes.get(item.status, 0) + 1

    # -- timed work ------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Resume due runs, fire date triggers, persist the cursor, prune old runs."""
        moment = now or clock.utcnow()
        report = TickReport()
        report.started = await self.catch_up()
        async with self._lock:
            await self._persist()
        report.resumed = await self._resume_due(moment)
        report.dated = await self._fire_dates(moment)
        report.pruned = await self._prune(moment)
        return report

    async def _persist(self) -> None:
        """Store how far the timeline was read (entries that started nothing)."""
        position, expected = self._position, self._stored
        if position is None or position == expected:
            return

        if await self.db.write(partial(move_mark, to=position, expected=expected), ACTOR):
            self._stored = position
        else:
            self._stored = self._position = None

    async def _resume_due(self, now: datetime) -> int:
        at = clock.to_db(now)
        due = await self.db.read(partial(timed.due_runs, at=at))
        results = await asyncio.gather(*(self._resume(run_id, now) for run_id in due))
        return sum(results)

    async def _resume(self, run_id: int, now: datetime) -> int:
        progress = await self.db.write(lambda tx: self._claim(tx, run_id, now), ACTOR)
        if progress is None:
            return 0
        if progress.status == "running":
            await self._run_on(run_id, now)
        else:
            self._count([progress])
        return 1

    def _claim(self, tx: Tx, run_id: int, now: datetime) -> Progress | None:
        tx.now = clock.to_db(now)
        run = runs.claim_due(tx, run_id, now, self.setup, self.claim)
        if run is None:
            return None
        active = tx.scalar("SELECT active FROM workflows WHERE id = ?", (run.workflow_id,))
        if not active:
            return runs.stop(tx, run, Phrase("workflow.reason.deactivated"), now)
        return advance(tx, run, self._definition(tx.conn, run.version_id), now,
                                     self.setup)  # fmt: skip

    async def _fire_dates(self, now: datetime) -> int:
        fired = 0
        for item in list(self._index.dated):
            due = await self.db.read(partial(due_dates, item=item, now=now))
            if not due:
                continue
            progress = await self.db.write(partial(self._fire, item=item, due=due, now=now), ACTOR)
            self._count(progress, started=True)
            fired += len(progress)
            await self._continue([p.run_id for p in progress if p.status == "running"], now)
        return fired

    def _fire(self, tx: Tx, item: Indexed, due: list[DueDate], now: datetime) -> list[Progress]:
        tx.now = clock.to_db(now)
        return timed.fire_dates(tx, item, due, lambda begin: self._start_one(tx, begin, now))

    async def _prune(self, now: datetime) -> int:
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return 0
        self._pruned_at = now
        return await self.db.write(
            lambda tx: timed.prune(tx, now, self.retention_days, self._stored or START), ACTOR
        )
