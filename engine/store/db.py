"""The store: one writer with group commit, readers, numbered migrations.

On SQLite (a file path, the default) or PostgreSQL (a ``postgresql://`` URL):
the same engine, the same migrations; what differs is in ``sqlite.py``,
``postgres.py`` and ``dialect.py`` beside this module.

Why this shape (see PLATFORM-NOTES §5 and §10):

* A unit of work is a plain function run *in* a database thread in a single
  hop (``batches.py``); a job sees a :class:`~engine.store.tx.Tx`.
* Writes go through write loops, each with its own connection. Jobs that arrive
  while a commit is in flight are batched into the next ``BEGIN … COMMIT``:
  they share one commit, and each runs inside its own SAVEPOINT so that one
  job's failure rolls back only that job. One writer is all a SQLite file
  allows; on PostgreSQL ``writers`` loops (``RELAIS_DB_WRITERS``) keep several
  transactions in flight, as many instances do: the timeline's feed follows
  transactions, not ids (engine/crm/marks.py), so ids may commit in any order.
* Readers use connections of their own; WAL lets them run beside the writer
  (on PostgreSQL each read is one REPEATABLE READ READ ONLY snapshot).
* Domain events collected during a job are published only after COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from engine.actors import Actor
from engine.errors import StorageError
from engine.events import EventBus
from engine.store import sqlite, targets
from engine.store.batches import (
    Job,
    Outcome,
    as_outcome,
    in_snapshot,
    locked_job,
    log_failed_commit,
    run_batch,
    settle,
    told,
    wait_for_key,
)
from engine.store.links import READERS, WRITERS, Link, Readers, close_all, open_link, open_links
from engine.store.migrations import apply_migrations
from engine.store.sqlite import open_sync as _open_sqlite
from engine.store.tx import Exclusive, Tx, like_escaped

__all__ = ["Database", "Exclusive", "Tx", "WriteObserver", "like_escaped", "open_sync"]

log = logging.getLogger("relais.db")

T = TypeVar("T")
MAX_BATCH = 256
RETRIES = 5  # runs of a job that keeps losing races with other instances' writes
# Told of each write when it is settled: seconds from ``write()`` to the answer, and
# ``"committed"`` or ``"failed"`` (the job raised, or its commit failed).
WriteObserver = Callable[[float, str], None]


def open_sync(target: str | Path) -> sqlite3.Connection:
    """A plain connection for tools and benchmarks that need no event loop.

    A SQLite file, or a ``postgresql://`` URL (a connection with the same surface).
    """
    if targets.is_url(target):
        from engine.store import postgres  # the driver only when PostgreSQL is asked for

        conn: Any = postgres.connect(str(target))
        return cast(sqlite3.Connection, conn)
    return _open_sqlite(target)


class Database:
    """The store. ``await db.write(fn, actor)`` runs ``fn(tx)`` durably, in one hop.

    ``target`` is a SQLite file or a ``postgresql://user@host:port/dbname`` URL.
    ``readers`` and ``writers``: connections on PostgreSQL (SQLite: one of each).
    """

    def __init__(
        self, target: str | Path, bus: EventBus | None = None, *, readers: int = READERS,
        writers: int = WRITERS,
    ) -> None:  # fmt: skip
        self.url = str(target) if targets.is_url(target) else None
        self.path = Path(target)
        self.bus = bus or EventBus()
        self.readers = max(1, readers) if self.url is not None else 1
        self.writers = max(1, writers) if self.url is not None else 1
        self._writers: list[Link] = []
        self._readers: Readers | None = None
        self._begin = (sqlite.BEGIN_WRITE, sqlite.BEGIN_READ)
        self._pending: list[Job[Any]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._idle = 0  # write loops waiting for jobs
        self._closing = False
        self._observers: list[WriteObserver] = []
        self.stats = {"commits": 0, "jobs": 0, "failed_commits": 0}

    def observe_writes(self, observer: WriteObserver) -> None:
        """Tell ``observer`` of every write once it is settled (its seconds, its outcome).

        What the metrics use (``Engine.time_writes``): the store stays free of them. An
        observer that raises is logged and the write's answer is unchanged.
        """
        self._observers.append(observer)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url is None else "postgresql"

    async def open(self) -> None:
        if self.url is not None:
            from engine.store import postgres  # the driver only when PostgreSQL is asked for

            self._begin = (postgres.BEGIN_WRITE, postgres.BEGIN_READ)
        else:
            sqlite.create(self.path)
        writer = await open_link(self.url, self.path)
        writers = [writer]
        try:
            applied = await writer.hop(apply_migrations, writer.conn)
            if applied:
                log.info("event=migrated database=%s applied=%s", self.where, applied)
            writers += await open_links(self.url, self.path, self.writers - 1, reader=False)
            self._readers = Readers(
                await open_links(self.url, self.path, self.readers, reader=True)
            )
        except BaseException:
            await close_all(writers)
            raise
        self._writers = writers
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._write_loop(link)) for link in writers]

    @property
    def where(self) -> str:
        """The database, for logs: the file, or the URL without its password."""
        if self.url is None:
            return str(self.path)
        return targets.safe_url(self.url)

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        await asyncio.gather(*self._tasks)
        if self._readers is not None:
            await self._readers.close()
        await close_all(self._writers)
        self._readers, self._writers, self._tasks = None, [], []

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def write(self, fn: Callable[[Tx], T], actor: Actor) -> T:
        if self._closing or not self._tasks:
            raise StorageError("database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        job = Job(fn, actor, future, started=time.perf_counter())
        if isinstance(fn, Exclusive) and self.url is not None:
            await self._run_alone(job, fn.key)
        else:
            self._pending.append(job)
            self._wake.set()
        return await future

    async def _run_alone(self, job: Job[Any], key: int) -> None:
        """An :class:`Exclusive` write on PostgreSQL: its own connection, lock, then snapshot."""
        try:
            outcome = await self._locked(job, key)
        except Exception as exc:  # the server is away: the caller is told, as for any write
            log.error("event=commit_failed jobs=1 error=%r", exc)
            outcome = as_outcome(exc)
        self._finish(job, outcome)

    async def _locked(self, job: Job[Any], key: int) -> Outcome:
        link = await open_link(self.url, self.path)
        try:
            while True:
                outcome, committed = await link.hop(locked_job, link.conn, self._begin[0], job, key)
                self._count([job], committed)
                if not self._again(job, outcome):
                    return outcome
                await self._wait_if_busy(link, outcome)  # its own lock is released by now
        finally:
            await link.close()

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on a reader connection, in one snapshot."""
        if self._readers is None:
            raise StorageError("database is closed")
        result: T = await self._readers.hop(in_snapshot, self._begin[1], fn)
        return result

    async def ping(self) -> bool:
        try:
            return bool(await self.read(lambda c: c.execute("SELECT 1").fetchone()[0]))
        except Exception:
            return False

    async def _write_loop(self, link: Link) -> None:
        """A writer: waits for jobs, commits its share of what waits in one batch.

        Its share is what waits split between it and the loops still idle (up to
        ``MAX_BATCH``): thirty-two callers answered together ask again together, and
        one loop taking all thirty-two would leave the others idle and run them as one
        long series of round trips. The wake is cleared before ``_pending`` is looked
        at, so a job added after the look sets it again; a loop that leaves jobs
        waiting sets it for the others.
        """
        while True:
            self._idle += 1
            try:
                await self._wake.wait()
            finally:
                self._idle -= 1
            self._wake.clear()
            while self._pending:
                share = min(MAX_BATCH, -(-len(self._pending) // (self._idle + 1)))
                batch, self._pending = self._pending[:share], self._pending[share:]
                if self._pending:
                    self._wake.set()
                await self._commit_batch(link, batch)
            if self._closing:
                self._wake.set()  # the other loops see it too
                return

    async def _commit_batch(self, link: Link, batch: list[Job[Any]]) -> None:
        try:
            outcomes = await link.hop(run_batch, link.conn, self._begin[0], batch)
        except Exception as exc:
            log_failed_commit(len(batch), exc)
            outcomes = [as_outcome(exc) for _ in batch]
            self._count(batch, committed=False)
        else:
            self._count(batch, committed=True)
        for job, outcome in zip(batch, outcomes, strict=True):
            await self._wait_if_busy(link, outcome)
            if self._tried_again(job, outcome):
                continue
            self._finish(job, outcome)

    async def _wait_if_busy(self, link: Link, outcome: Outcome) -> None:
        """A job that stepped back from a record another writer is creating
        (``targets.KeyBusy``): wait for that writer's commit before running it again."""
        if not isinstance(outcome.error, targets.KeyBusy):
            return
        try:
            await link.hop(wait_for_key, link.conn, outcome.error.key)
        except Exception as exc:  # the server is away: the retry will say so
            log.warning("event=key_wait_failed error=%r", exc)

    def _count(self, batch: list[Job[Any]], committed: bool) -> None:
        if committed:
            self.stats["commits"] += 1
            self.stats["jobs"] += len(batch)
        else:
            self.stats["failed_commits"] += 1

    def _finish(self, job: Job[Any], outcome: Outcome) -> None:
        """Answer the job's caller, publish its events, tell the observers."""
        if isinstance(outcome.error, targets.ConcurrentUpdate):
            log.error(
                "event=write_given_up tries=%d actor=%s error=%r",
                job.tries + 1,
                job.actor.kind,
                outcome.error,
            )
        answer = told(outcome)
        settle(job.future, answer)
        if outcome.events:
            self.bus.publish(outcome.events)
        seconds = time.perf_counter() - job.started
        result = "committed" if answer.error is None else "failed"
        for observer in self._observers:
            try:
                observer(seconds, result)
            except Exception:
                log.exception("event=write_observer_failed")

    def _again(self, job: Job[Any], outcome: Outcome) -> bool:
        """Whether a job that lost a race with another writer may run once more."""
        if not targets.raced(outcome.error) or job.tries >= RETRIES:
            return False
        job.tries += 1
        log.info("event=write_retried tries=%d actor=%s", job.tries, job.actor.kind)
        return True

    def _tried_again(self, job: Job[Any], outcome: Outcome) -> bool:
        """A job that lost a race with another writer runs again, in a new snapshot.

        PostgreSQL refuses a write to a row another transaction changed after this
        one's snapshot (REPEATABLE READ): the job saw nothing wrong, so it is run
        again up to ``RETRIES`` times; its own version checks then see the other's
        change and answer a :class:`~engine.errors.Conflict` if there is one.
        """
        if not self._again(job, outcome):
            return False
        self._pending.append(job)
        self._wake.set()
        return True
