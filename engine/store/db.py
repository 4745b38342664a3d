"""The store: one writer with group commit, one reader, numbered migrations.

On SQLite (a file path, the default) or PostgreSQL (a ``postgresql://`` URL):
the same engine, the same migrations; what differs is in ``sqlite.py``,
``postgres.py`` and ``dialect.py`` beside this module.

Why this shape (see PLATFORM-NOTES §5 and §10):

* Every await on aiosqlite is a hop to its thread (~0.1 ms), so a unit of
  work is a plain function run *in* the database thread in a single hop.
* All writes go through one connection and one task. Jobs that arrive while
  a commit is in flight are batched into the next ``BEGIN IMMEDIATE …
  COMMIT``: they share one fsync, and each runs inside its own SAVEPOINT so
  that one job's failure rolls back only that job.
* Readers use a second connection; WAL lets them run beside the writer (on
  PostgreSQL each read is one REPEATABLE READ READ ONLY snapshot).
* Domain events collected during a job are published only after COMMIT.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

from engine import clock
from engine.actors import Actor
from engine.errors import RelaisError, StorageError
from engine.events import DomainEvent, EventBus
from engine.store import sqlite, targets
from engine.store.migrations import apply_migrations
from engine.store.sqlite import open_sync as _open_sqlite

__all__ = ["Database", "Tx", "like_escaped", "open_sync"]

log = logging.getLogger("relais.db")

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]
MAX_BATCH = 256
RETRIES = 3  # runs of a job that keeps losing races with other instances


def open_sync(target: str | Path) -> sqlite3.Connection:
    """A plain connection for tools and benchmarks that need no event loop.

    A SQLite file, or a ``postgresql://`` URL (a connection with the same surface).
    """
    if targets.is_url(target):
        from engine.store import postgres  # the driver only when PostgreSQL is asked for

        conn: Any = postgres.connect(str(target))
        return cast(sqlite3.Connection, conn)
    return _open_sqlite(target)


class Tx:
    """One job's view of the write transaction: SQL helpers, actor, timeline."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        self.now = clock.now_db()
        self.events: list[DomainEvent] = []

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
        )
        # PostgreSQL: RETURNING id (engine/store/dialect.py); 0 for a table keyed otherwise.
        return int(cursor.lastrowid or 0)

    def ids_taken(self, table: str) -> None:
        """Rows went in with their own ids (a restore): new rows get ids past them.

        SQLite picks max(id) + 1 by itself; PostgreSQL's identity counter is moved.
        """
        if hasattr(self.conn, "script"):
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce(max(id), 0) + 1, false) FROM {table}"
            )

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id]
        )

    def record(
        self,
        entity: str,
        entity_id: int,
        action: str,
        changes: dict[str, tuple[Any, Any]] | None = None,
        *,
        version: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> DomainEvent:
        """Write a timeline entry and queue the matching domain event."""
        changes = changes or {}
        self.conn.execute(
            "INSERT INTO timeline (at, actor_kind, actor_user_id, actor_label, channel,"
            " entity, entity_id, action, changes, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.now,
                self.actor.kind,
                self.actor.user_id,
                self.actor.label,
                self.actor.channel,
                entity,
                entity_id,
                action,
                json.dumps({k: [_plain(o), _plain(n)] for k, (o, n) in changes.items()}),
                version,
            ),
        )
        event = DomainEvent(entity, action, entity_id, self.actor, changes, data or {})
        self.events.append(event)
        return event


def like_escaped(text: str) -> str:
    """``text`` in a pattern of ``LIKE … ESCAPE '\\'``: ``%``, ``_``, ``\\`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class _Job(Generic[T]):
    fn: Callable[[Tx], T]
    actor: Actor
    future: asyncio.Future[T]
    tries: int = 0


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    events: list[DomainEvent] | None = None


class _Link(Protocol):
    """A connection and its thread: ``sqlite.SqliteLink`` or ``postgres.PgLink``."""

    conn: Any

    async def hop(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def close(self) -> None: ...


class Database:
    """The store. ``await db.write(fn, actor)`` runs ``fn(tx)`` durably, in one hop.

    ``target`` is a SQLite file or a ``postgresql://user@host:port/dbname`` URL.
    """

    def __init__(self, target: str | Path, bus: EventBus | None = None) -> None:
        self.url = str(target) if targets.is_url(target) else None
        self.path = Path(target)
        self.bus = bus or EventBus()
        self._writer: _Link | None = None
        self._reader: _Link | None = None
        self._begin = (sqlite.BEGIN_WRITE, sqlite.BEGIN_READ)
        self._pending: list[_Job[Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.stats = {"commits": 0, "jobs": 0, "failed_commits": 0}

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url is None else "postgresql"

    async def open(self) -> None:
        if self.url is not None:
            from engine.store import postgres  # the driver only when PostgreSQL is asked for

            self._begin = (postgres.BEGIN_WRITE, postgres.BEGIN_READ)
            self._writer = await postgres.PgLink.open(self.url)
        else:
            sqlite.create(self.path)
            self._writer = await sqlite.SqliteLink.open(self.path)
        try:
            applied = await self._writer.hop(apply_migrations, self._writer.conn)
            if applied:
                log.info("event=migrated database=%s applied=%s", self.where, applied)
            if self.url is not None:
                from engine.store import postgres

                self._reader = await postgres.PgLink.open(self.url, reader=True)
            else:
                self._reader = await sqlite.SqliteLink.open(self.path, reader=True)
        except BaseException:
            await self._writer.close()
            self._writer = None
            raise
        self._task = asyncio.get_running_loop().create_task(self._write_loop())

    @property
    def where(self) -> str:
        """The database, for logs: the file, or the URL without its password."""
        if self.url is None:
            return str(self.path)
        return targets.safe_url(self.url)

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        for link in (self._reader, self._writer):
            if link is not None:
                await link.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def write(self, fn: Callable[[Tx], T], actor: Actor) -> T:
        if self._closing or self._task is None:
            raise StorageError("database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append(_Job(fn, actor, future))
        self._wake.set()
        return await future

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the reader connection, in one snapshot."""
        if self._reader is None:
            raise StorageError("database is closed")
        result: T = await self._reader.hop(_in_snapshot, self._reader.conn, self._begin[1], fn)
        return result

    async def ping(self) -> bool:
        try:
            return bool(await self.read(lambda c: c.execute("SELECT 1").fetchone()[0]))
        except Exception:
            return False

    async def _write_loop(self) -> None:
        assert self._writer is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._commit_batch(batch)
            if self._closing:
                return

    async def _commit_batch(self, batch: list[_Job[Any]]) -> None:
        assert self._writer is not None
        try:
            outcomes = await self._writer.hop(_run_batch, self._writer.conn, self._begin[0], batch)
        except Exception as exc:
            self.stats["failed_commits"] += 1
            log.error("event=commit_failed jobs=%d error=%r", len(batch), exc)
            error = exc if isinstance(exc, targets.ConcurrentUpdate) else _failed(exc)
            outcomes = [_Outcome(error=error) for _ in batch]
        else:
            self.stats["commits"] += 1
            self.stats["jobs"] += len(batch)
        for job, outcome in zip(batch, outcomes, strict=True):
            if self._tried_again(job, outcome):
                continue
            _settle(job.future, _told(outcome))
            if outcome.events:
                self.bus.publish(outcome.events)

    def _tried_again(self, job: _Job[Any], outcome: _Outcome) -> bool:
        """A job that lost a race with another instance runs again, in a new snapshot.

        PostgreSQL refuses a write to a row another transaction changed after this
        one's snapshot (REPEATABLE READ): the job saw nothing wrong, so it is run
        again up to ``RETRIES`` times; its own version checks then see the other's
        change and answer a :class:`~engine.errors.Conflict` if there is one.
        """
        if not isinstance(outcome.error, targets.ConcurrentUpdate) or job.tries >= RETRIES:
            return False
        job.tries += 1
        log.info("event=write_retried tries=%d actor=%s", job.tries, job.actor.kind)
        self._pending.append(job)
        self._wake.set()
        return True


def _failed(exc: BaseException) -> StorageError:
    return StorageError(f"the database could not commit: {exc}")


def _told(outcome: _Outcome) -> _Outcome:
    """A race lost too often is a :class:`StorageError` (retry later), never a driver's error."""
    if isinstance(outcome.error, targets.ConcurrentUpdate):
        busy = f"the database is busy with the same records: {outcome.error}"
        return _Outcome(error=StorageError(busy))
    return outcome


def _settle(future: asyncio.Future[Any], outcome: _Outcome) -> None:
    if future.done():
        return
    if outcome.error is not None:
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome.result)


def _run_batch(conn: sqlite3.Connection, begin: str, batch: Sequence[_Job[Any]]) -> list[_Outcome]:
    """Runs in the writer thread: one transaction, one savepoint per job.

    A job alone in its batch needs no savepoint (its failure rolls the whole
    transaction back): each statement is a round trip to the GIL for this
    thread, which the busy event loop may hold for a switch interval.
    """
    started = time.perf_counter()
    conn.execute(begin)
    try:
        if len(batch) == 1:
            outcomes = [_attempt(batch[0], conn)]
            conn.execute("COMMIT" if outcomes[0].error is None else "ROLLBACK")
        else:
            outcomes = [_run_job(conn, job) for job in batch]
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    elapsed = time.perf_counter() - started
    if elapsed > 1.0:
        log.warning("event=slow_commit jobs=%d seconds=%.3f", len(outcomes), elapsed)
    return outcomes


def _run_job(conn: sqlite3.Connection, job: _Job[Any]) -> _Outcome:
    conn.execute("SAVEPOINT job")
    outcome = _attempt(job, conn)
    if outcome.error is not None:
        conn.execute("ROLLBACK TO job")
    conn.execute("RELEASE job")
    return outcome


def _attempt(job: _Job[Any], conn: sqlite3.Connection) -> _Outcome:
    tx = Tx(conn, job.actor)
    try:
        result = job.fn(tx)
        if getattr(conn, "aborted", False):
            raise StorageError("a statement of this write failed and was not retried")
    except Exception as exc:
        if not isinstance(exc, RelaisError):
            log.exception("event=write_job_failed actor=%s", job.actor.kind)
        return _Outcome(error=exc)
    return _Outcome(result=result, events=tx.events)


def _in_snapshot(conn: sqlite3.Connection, begin: str, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute(begin)
    try:
        result = fn(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result
