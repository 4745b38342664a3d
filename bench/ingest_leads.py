"""The ingest bench's lead-visibility figures: from a mail's 250 to its lead in the database.

* sporadic mail on an otherwise idle server (the bench polls the database);
* mail under the 8-session load (the database's own received/processed times),
  with the time the backlog takes to drain once the load stops;
* a plain mail sent right after a hostile HTML mail (100,000 table rows, or
  100,000 nested ``<blockquote>``, ~2.5 MB each): one such mail once stalled
  intake for minutes. Target: the plain mail's lead within 2 s of its 250.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from bench.ingest_smtp import message_id, reply, transaction

SPORADIC = 0.1  # seconds between two messages of the lead-visibility run on an idle server
HOSTILE_TARGET = 2.0  # seconds from the plain mail's 250 to its lead


async def visibility_idle(
    port: int, database: Path, count: int, numbers: Iterator[int]
) -> list[float]:
    """Sporadic messages: from each one's 250 until the bench sees its lead."""
    conn = sqlite3.connect(database, isolation_level=None)
    reader, writer = await open_session(port)
    delays = []
    for _ in range(count):
        n = next(numbers)
        code, _ = await transaction(reader, writer, n)
        acknowledged = time.perf_counter()
        if code == 250:
            await wait_for_lead(conn, message_id(n))
            delays.append(time.perf_counter() - acknowledged)
        await asyncio.sleep(SPORADIC)
    writer.close()
    conn.close()
    return delays


async def open_session(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader)
    writer.write(b"EHLO bench\r\n")
    await reply(reader)
    return reader, writer


async def wait_for_lead(conn: sqlite3.Connection, mid: str) -> None:
    sql = "SELECT lead_id FROM mails WHERE message_id = ? AND lead_id IS NOT NULL"
    while True:
        if conn.execute(sql, (mid,)).fetchone() is not None:
            return
        await asyncio.sleep(0.0005)


def visibility_under_load(database: Path, since: str) -> tuple[list[float], int]:
    conn = sqlite3.connect(database)
    rows = conn.execute(
        "SELECT (julianday(processed_at) - julianday(received_at)) * 86400.0 FROM mails"
        " WHERE received_at >= ? AND processed_at IS NOT NULL",
        (since,),
    ).fetchall()
    waiting = conn.execute("SELECT count(*) FROM mails WHERE status = 'received'").fetchone()[0]
    conn.close()
    return [r[0] for r in rows], int(waiting)


def probe(database: Path | str) -> sqlite3.Connection:
    """A connection of the bench's own to the server's database: a SQLite file, or a URL."""
    if isinstance(database, str):
        import psycopg  # PostgreSQL only when asked for

        conn: Any = psycopg.connect(database, autocommit=True)
        return cast(sqlite3.Connection, conn)  # execute(sql).fetchone() reads the same
    return sqlite3.connect(database)


async def drain_time(database: Path | str, limit: float = 300.0) -> float:
    """Seconds until no mail waits to be processed (``limit`` at most)."""
    started = time.perf_counter()
    conn = probe(database)
    while conn.execute("SELECT count(*) FROM mails WHERE status = 'received'").fetchone()[0]:
        if time.perf_counter() - started > limit:
            break
        await asyncio.sleep(0.05)
    conn.close()
    return time.perf_counter() - started


# -- a plain mail right after a hostile one --------------------------------------------


def hostile(kind: str, n: int) -> bytes:
    """~2.5 MB of HTML: 100,000 table rows, or 100,000 nested ``<blockquote>``."""
    if kind == "rows":
        html = "<table>\r\n" + "<tr><td>ligne</td></tr>\r\n" * 100_000 + "</table>"
    else:
        html = "<blockquote>\r\n" * 100_000 + "x" + "</blockquote>\r\n" * 100_000
    head = (
        f"From: Hostile {n} <hostile{n}@attack.example>\r\nTo: leads@relais.example\r\n"
        f"Subject: {kind} {n}\r\nMessage-ID: <{message_id(n)}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return (head + html + "\r\n").encode()


async def after_hostile(
    port: int, database: Path, pairs: int, numbers: Iterator[int]
) -> list[float]:
    """A hostile HTML mail, then at once a plain one: from the plain one's 250 to its lead."""
    conn = sqlite3.connect(database, isolation_level=None)
    reader, writer = await open_session(port)
    delays = []
    for index in range(pairs):
        bad, n = next(numbers), next(numbers)
        code, _ = await transaction(
            reader, writer, bad, hostile(("rows", "nested")[index % 2], bad)
        )
        if code == 250 and (await transaction(reader, writer, n))[0] == 250:
            acknowledged = time.perf_counter()
            await wait_for_lead(conn, message_id(n))
            delays.append(time.perf_counter() - acknowledged)
        await drain_time(database)
    writer.close()
    conn.close()
    return delays
