"""What runs in a writer's (or reader's) thread: a batch, one job, one snapshot.

Every await on aiosqlite or a psycopg connection's thread is a hop (~0.1 ms),
so a unit of work is a plain function run *in* the database thread in one
hop. ``db.py`` decides what to run and whom to answer; these functions run it:
one transaction per batch, a savepoint per job, the lock of an
:class:`~engine.store.tx.Exclusive` write, the snapshot of a read.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine.actors import Actor
from engine.errors import RelaisError, StorageError
from engine.events import DomainEvent
from engine.store import targets
from engine.store.tx import Tx

log = logging.getLogger("relais.db")

T = TypeVar("T")
LOCK_WAIT = "300s"  # how long an exclusive write waits for another instance's (PostgreSQL)
KEY_WAIT = "10s"  # how long a writer waits for another's new record before trying again


@dataclass
class Job(Generic[T]):
    fn: Callable[[Tx], T]
    actor: Actor
    future: asyncio.Future[T]
    tries: int = 0
    started: float = 0.0


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None
    events: list[DomainEvent] | None = None


def failed(exc: BaseException) -> StorageError:
    return StorageError(f"the database could not commit: {exc}")


def as_outcome(exc: Exception) -> Outcome:
    """A commit that failed: a lost race stays one (it may run again), else a storage error."""
    return Outcome(error=exc if isinstance(exc, targets.ConcurrentUpdate) else failed(exc))


def log_failed_commit(jobs: int, exc: Exception) -> None:
    """A lost race is expected with several instances (INFO); anything else is an ERROR."""
    if isinstance(exc, targets.ConcurrentUpdate):
        log.info("event=commit_raced jobs=%d error=%r", jobs, exc)
    else:
        log.error("event=commit_failed jobs=%d error=%r", jobs, exc)


def told(outcome: Outcome) -> Outcome:
    """A race lost too often is a :class:`StorageError` (retry later), never a driver's error."""
    if isinstance(outcome.error, targets.ConcurrentUpdate):
        busy = f"the database is busy with the same records: {outcome.error}"
        return Outcome(error=StorageError(busy))
    return outcome


def settle(future: asyncio.Future[Any], outcome: Outcome) -> None:
    if future.done():
        return
    if outcome.error is not None:
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome.result)


def run_batch(conn: sqlite3.Connection, begin: str, batch: Sequence[Job[Any]]) -> list[Outcome]:
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


def locked_job(conn: Any, begin: str, job: Job[Any], key: int) -> tuple[Outcome, bool]:
    """Runs in its own connection's thread: the session lock ``key``, then the job's transaction.

    The lock is taken before ``BEGIN``, so the transaction's snapshot sees what the
    previous holder committed. Returns the outcome and whether the commit went through.
    """
    conn.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
    try:
        conn.execute("SELECT pg_advisory_lock(?)", (key,))
    except sqlite3.Error as exc:  # waited LOCK_WAIT: not a race to run again
        busy = f"another instance held the lock of this write for {LOCK_WAIT}: {exc}"
        return Outcome(error=StorageError(busy)), False
    try:
        return run_batch(conn, begin, [job])[0], True
    except Exception as exc:
        log_failed_commit(1, exc)
        return as_outcome(exc), False
    finally:
        _unlock(conn, key)


def wait_for_key(conn: Any, key: int) -> None:
    """Runs in a writer's thread between two batches: until the transaction that holds
    the advisory lock ``key`` (creating a record, ``claims.new_key``) ends.

    Outside the writer's own transactions, so the wait holds nothing anyone waits for.
    At most ``KEY_WAIT``: the job then runs again all the same (and steps back again).
    """
    conn.execute("BEGIN")
    try:
        conn.execute(f"SET LOCAL lock_timeout = '{KEY_WAIT}'")
        conn.execute("SELECT pg_advisory_xact_lock(?)", (key,))
    except sqlite3.Error as exc:
        log.warning("event=key_wait_ended key=%d error=%r", key, exc)
    finally:
        conn.execute("ROLLBACK")


def _unlock(conn: Any, key: int) -> None:
    try:
        conn.execute("SELECT pg_advisory_unlock(?)", (key,))
    except Exception as exc:  # the connection is gone: so is its lock
        log.warning("event=unlock_failed error=%r", exc)


def _run_job(conn: sqlite3.Connection, job: Job[Any]) -> Outcome:
    conn.execute("SAVEPOINT job")
    outcome = _attempt(job, conn)
    if outcome.error is not None:
        conn.execute("ROLLBACK TO job")
    conn.execute("RELEASE job")
    return outcome


def _attempt(job: Job[Any], conn: sqlite3.Connection) -> Outcome:
    """Run one job; a failure is its outcome (logged here unless it is expected).

    A lost race (:class:`~engine.store.targets.ConcurrentUpdate`) is not logged
    here: the job runs again, and ``db.py`` logs ``write_retried`` (INFO), or an
    ERROR once it gives up.
    """
    tx = Tx(conn, job.actor)
    try:
        result = job.fn(tx)
        _send_writes(conn)
        if getattr(conn, "aborted", False):
            raise StorageError("a statement of this write failed and was not retried")
    except Exception as exc:
        if not isinstance(exc, RelaisError) and not targets.raced(exc):
            log.exception("event=write_job_failed actor=%s", job.actor.kind)
        return Outcome(error=exc)
    return Outcome(result=result, events=tx.events)


def _send_writes(conn: Any) -> None:
    """PostgreSQL: the job's writes still kept for its next statement go now, so that
    their failure is this job's (``PgConnection.execute_later``)."""
    send = getattr(conn, "send_writes", None)
    if send is not None:
        send()


def in_snapshot(conn: sqlite3.Connection, begin: str, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Runs in a reader's thread: ``fn(conn)`` in one read transaction."""
    conn.execute(begin)
    try:
        result = fn(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result
