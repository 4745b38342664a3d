"""The store's connections: each a link (a connection and its one thread), and the readers' pool.

On SQLite one writer and one reader (WAL lets the reader run beside the
writer; a second writer would only wait for the file lock). On PostgreSQL
every statement is a round trip, so one connection that runs them one after
another caps an instance's reads: the store opens ``readers`` read connections
(``RELAIS_DB_READERS``) and the server overlaps them, and ``writers`` write
connections (``RELAIS_DB_WRITERS``), each with its own write loop in ``db.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from engine.store import sqlite

T = TypeVar("T")

READERS = 4  # read connections per instance on PostgreSQL (RELAIS_DB_READERS)
WRITERS = 4  # write connections per instance on PostgreSQL (RELAIS_DB_WRITERS)


class Link(Protocol):
    """A connection and its thread: ``sqlite.SqliteLink`` or ``postgres.PgLink``."""

    conn: Any

    async def hop(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def close(self) -> None: ...


async def open_link(url: str | None, path: Path, *, reader: bool = False) -> Link:
    """One connection to the PostgreSQL ``url``, or else to the SQLite file ``path``."""
    if url is not None:
        from engine.store import postgres  # the driver only when PostgreSQL is asked for

        return await postgres.PgLink.open(url, reader=reader)
    return await sqlite.SqliteLink.open(path, reader=reader)


async def open_links(url: str | None, path: Path, count: int, *, reader: bool) -> list[Link]:
    """``count`` links opened together; none left open if one fails."""
    opened = await asyncio.gather(
        *(open_link(url, path, reader=reader) for _ in range(count)), return_exceptions=True
    )
    links = [link for link in opened if not isinstance(link, BaseException)]
    for error in opened:
        if isinstance(error, BaseException):
            await close_all(links)
            raise error
    return links


async def close_all(links: list[Link]) -> None:
    for link in links:
        await link.close()


class Readers:
    """Read connections lent one read at a time: concurrent reads don't queue on one.

    A read takes a free link (or waits for one) and gives it back when done.
    """

    def __init__(self, links: list[Link]) -> None:
        self.links = links
        self._free: asyncio.Queue[Link] = asyncio.Queue()
        for link in links:
            self._free.put_nowait(link)

    async def hop(self, fn: Callable[..., T], *args: Any) -> T:
        if len(self.links) == 1:  # nothing to choose: the link's thread queues the reads
            return await self.links[0].hop(fn, self.links[0].conn, *args)
        link = await self._free.get()
        try:
            return await link.hop(fn, link.conn, *args)
        finally:
            self._free.put_nowait(link)

    async def close(self) -> None:
        await close_all(self.links)
        self.links = []
