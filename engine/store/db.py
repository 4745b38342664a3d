"""SQLite storage: one writer with group commit, one reader, numbered migrations.

Why this shape (see PLATFORM-NOTES §5 and §10):

* Every await on aiosqlite is a hop to its thread (~0.1 ms), so a unit of
  work is a plain function run *in* the database thread in a single hop.
* All writes go through one connection and one task. Jobs that arrive while
  a commit is in flight are batched into the next ``BEGIN IMMEDIATE …
  COMMIT``: they share one fsync, and each runs inside its own SAVEPOINT so
  that one job's failure rolls back only that job.
* Readers use a second connection; WAL lets them run beside the writer.
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
from typing import Any, Generic, TypeVar

import aiosqlite

from engine import clock
from engine.actors import Actor
from engine.errors import RelaisError, StorageError
from engine.events import DomainEvent, EventBus
from engine.store.migrations import apply_migrations
from engine.store.private_files import create_private

log = logging.getLogger("relais.db")

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]
MAX_BATCH = 256


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
        assert cursor.lastrowid is not None
        return cursor.lastrowid

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


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    events: list[DomainEvent] | None = None


class Database:
    """The store. ``await db.write(fn, actor)`` runs ``fn(tx)`` durably, in one hop."""

    def __init__(self, path: str | Path, bus: EventBus | None = None) -> None:
        self.path = Path(path)
        self.bus = bus or EventBus()
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._pending: list[_Job[Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.stats = {"commits": 0, "jobs": 0, "failed_commits": 0}

    async def open(self) -> None:
        _create(self.path)
        self._writer = await _connect(self.path)
        applied = await _hop(self._writer, apply_migrations, self._writer._conn)
        if applied:
            log.info("event=migrated path=%s applied=%s", self.path, applied)
        self._reader = await _connect(self.path)
        await _hop(self._reader, self._reader._conn.execute, "PRAGMA query_only = ON")
        self._task = asyncio.get_running_loop().create_task(self._write_loop())

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
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
        result: T = await _hop(self._reader, _in_snapshot, self._reader._conn, fn)
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
            outcomes = await _hop(self._writer, _run_batch, self._writer._conn, batch)
        except Exception as exc:
            self.stats["failed_commits"] += 1
            log.error("event=commit_failed jobs=%d error=%r", len(batch), exc)
            error = StorageError(f"the database could not commit: {exc}")
            outcomes = [_Outcome(error=error) for _ in batch]
        else:
            self.stats["commits"] += 1
            self.stats["jobs"] += len(batch)
        for job, outcome in zip(batch, outcomes, strict=True):
            _settle(job.future, outcome)
            if outcome.events:
                self.bus.publish(outcome.events)


def _settle(future: asyncio.Future[Any], outcome: _Outcome) -> None:
    if future.done():
        return
    if outcome.error is not None:
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome.result)


def _run_batch(conn: sqlite3.Connection, batch: Sequence[_Job[Any]]) -> list[_Outcome]:
    """Runs in the writer thread: one transaction, one savepoint per job.

    A job alone in its batch needs no savepoint (its failure rolls the whole
    transaction back): each statement is a round trip to the GIL for this
    thread, which the busy event loop may hold for a switch interval.
    """
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
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
    except Exception as exc:
        if not isinstance(exc, RelaisError):
            log.exception("event=write_job_failed actor=%s", job.actor.kind)
        return _Outcome(error=exc)
    return _Outcome(result=result, events=tx.events)


def _in_snapshot(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN")
    try:
        return fn(conn)
    finally:
        conn.execute("COMMIT")


async def _hop(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in the connection's own thread: one hop for a whole unit of work.

    aiosqlite exposes only statement-level calls publicly; its ``_execute`` is
    the primitive they are all built on.
    """
    result: T = await conn._execute(fn, *args)  # type: ignore[no-untyped-call]
    return result


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    await _hop(conn, _configure, conn._conn)
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit survives power loss, which the SMTP 250 promises.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")


def _create(path: Path) -> None:
    """A new database file is made 0600 first: SQLite gives its -wal and -shm the same mode."""
    if str(path) != ":memory:":
        create_private(path)


def open_sync(path: str | Path) -> sqlite3.Connection:
    """A plain connection for tools and benchmarks that need no event loop."""
    _create(Path(path))
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    _configure(conn)
    return conn
