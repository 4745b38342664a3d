"""Claiming due work when several instances share one PostgreSQL database.

On SQLite one process writes, through one connection: a read followed by an
update in the same write is already atomic. On PostgreSQL any number of
instances write at once, each in its own ``REPEATABLE READ`` transaction, and
a claim must hold across them:

* :func:`skip_locked` is appended to the ``SELECT`` that picks due rows: rows
  another instance is claiming right now are passed over, not waited for;
* :func:`contended` runs a claim (or any write keyed once: an escalation, a
  reminder) inside a savepoint. Another instance that changed the same rows
  after this transaction's snapshot makes PostgreSQL refuse the statement
  (a serialization failure): that instance has the item, so the savepoint is
  rolled back and the claim takes nothing, while the rest of the batch commits;
* :func:`new_key` is taken before inserting a record this write found missing (a
  contact's e-mail, an organisation's domain): a second writer creating the same
  record steps back and runs again once the first has committed, instead of
  waiting inside its transaction, where two such waits deadlock;
* :func:`exclusively` serialises writes that must not interleave across
  instances (``config apply``, ``blueprint apply``): an advisory lock taken
  before the write's snapshot, so the second waits and then sees the first's.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, TypeVar

from engine.store.db import Exclusive, Tx
from engine.store.targets import ConcurrentUpdate, KeyBusy

T = TypeVar("T")


def is_postgres(conn: Any) -> bool:
    """The connection is PostgreSQL's (``PgConnection``), not sqlite3's."""
    return hasattr(conn, "script")


def skip_locked(conn: Any, of: str | None = None) -> str:
    """`` FOR UPDATE [OF of] SKIP LOCKED`` on PostgreSQL; nothing on SQLite."""
    if not is_postgres(conn):
        return ""
    return f" FOR UPDATE{f' OF {of}' if of else ''} SKIP LOCKED"


def contended(tx: Tx, claim: Callable[[], T], otherwise: T) -> T:
    """``claim()``, or ``otherwise`` when another instance took the same rows first.

    SQLite: ``claim()`` as it is (one writer). PostgreSQL: inside a savepoint;
    a concurrent update rolls back only what ``claim`` did (and the events it
    queued).
    """
    if not is_postgres(tx.conn):
        return claim()
    events = len(tx.events)
    tx.execute("SAVEPOINT claim")
    try:
        result = claim()
    except ConcurrentUpdate:
        tx.execute("ROLLBACK TO SAVEPOINT claim")
        tx.execute("RELEASE SAVEPOINT claim")
        del tx.events[events:]
        return otherwise
    tx.execute("RELEASE SAVEPOINT claim")
    return result


def lock_key(name: str) -> int:
    """A stable 32-bit key for ``name`` (an advisory lock's)."""
    return zlib.crc32(f"relais:{name}".encode())


def exclusive(tx: Tx, name: str) -> None:
    """Hold the advisory lock ``name`` until this transaction ends (PostgreSQL only)."""
    if is_postgres(tx.conn):
        tx.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))


def new_key(tx: Tx, name: str) -> None:
    """Before inserting a record keyed ``name`` (an e-mail, a domain) this write found missing.

    PostgreSQL: the key's advisory lock for this transaction, or :class:`KeyBusy` at
    once when another write holds it (it is inserting the same record); never a wait
    inside a transaction, so never a deadlock between writers. Then the key's row in
    ``record_keys``, which a writer that created the record since this snapshot began
    has written: the lock is free again but this snapshot cannot see the record, and
    the server refuses the row instead. SQLite: one writer.
    """
    if not is_postgres(tx.conn):
        return
    key = lock_key(f"new:{name}")
    if not tx.scalar("SELECT pg_try_advisory_xact_lock(?)", (key,)):
        raise KeyBusy(key)
    # Created by a writer that committed after this snapshot began: the server refuses
    # the row (a race lost: the write runs again and finds the record). Migration 19.
    tx.later("INSERT INTO record_keys (key) VALUES (?) ON CONFLICT (key) DO NOTHING", (key,))


CONFIGURATION = "configuration"  # config apply, blueprint apply: one at a time


def exclusively(name: str, write: Callable[[Tx], T]) -> Exclusive[T]:
    """``write`` under the advisory lock ``name`` (PostgreSQL): one instance at a time.

    The store runs it on a connection of its own that takes the lock before its
    transaction begins (:class:`~engine.store.db.Exclusive`): a second one waits
    for the first's commit, then reads what the first left and applies on it.
    """

    def locked(tx: Tx) -> T:
        exclusive(tx, name)  # held already by the session: immediate; kept if run inline
        return write(tx)

    return Exclusive(lock_key(name), locked)
