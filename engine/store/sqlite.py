"""SQLite under the store: aiosqlite's thread per connection, WAL, synchronous=FULL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from engine.store.private_files import create_private

T = TypeVar("T")

BEGIN_WRITE = "BEGIN IMMEDIATE"
BEGIN_READ = "BEGIN"


class SqliteLink:
    """One aiosqlite connection: ``conn`` is its sqlite3 connection, ``hop`` runs in its thread."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.conn: sqlite3.Connection = connection._conn

    @classmethod
    async def open(cls, path: Path, *, reader: bool = False) -> SqliteLink:
        connection = await aiosqlite.connect(path, isolation_level=None, timeout=10.0)
        connection.row_factory = sqlite3.Row
        link = cls(connection)
        await link.hop(configure, link.conn)
        if reader:
            await link.hop(link.conn.execute, "PRAGMA query_only = ON")
        return link

    async def hop(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in the connection's own thread: one hop for a whole unit of work.

        aiosqlite exposes only statement-level calls publicly; its ``_execute`` is
        the primitive they are all built on.
        """
        result: T = await self._connection._execute(fn, *args)  # type: ignore[no-untyped-call]
        return result

    async def close(self) -> None:
        await self._connection.close()


def configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit survives power loss, which the SMTP 250 promises.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # The timeline's feed reads entries of settled transactions (migration 18): on
    # SQLite every committed one, since one writer commits in id order (xact 0).
    conn.create_function("relais_settled", 0, _all_settled, deterministic=True)


def _all_settled() -> int:
    return SETTLED_ALL


SETTLED_ALL = 2**62  # above any xact: SQLite's are all 0


def create(path: Path) -> None:
    """A new database file is made 0600 first: SQLite gives its -wal and -shm the same mode."""
    if str(path) != ":memory:":
        create_private(path)


def open_sync(path: str | Path) -> sqlite3.Connection:
    """A plain connection for tools and benchmarks that need no event loop."""
    create(Path(path))
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    configure(conn)
    return conn
