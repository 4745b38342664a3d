"""Read and write connections in one instance (PostgreSQL), the feed's order, lost races.

On PostgreSQL an instance opens ``readers`` read connections and ``writers`` write
connections; SQLite keeps one of each. Writes overlap, so ids may commit out of
order: the timeline's feed reads in transaction order instead. A job that loses a
race (a row changed since its snapshot) runs again, and its caller gets the answer
of the run that committed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.marks import START
from engine.errors import StorageError
from engine.store import db as store
from engine.store.db import Database, Tx
from engine.store.targets import ConcurrentUpdate

ACTOR = Actor.cli("connections-test")
WAIT = 10.0  # seconds: a deadline, not a pause


def named(name: str) -> Callable[[Tx], tuple[int, str]]:
    def job(tx: Tx) -> tuple[int, str]:
        user_id = tx.insert("users", {"name": name, "created_at": tx.now, "updated_at": tx.now})
        row = tx.one("SELECT name FROM users WHERE id = ?", (user_id,))
        assert row is not None
        return user_id, str(row["name"])

    return job


async def test_many_callers_get_each_their_own_result_from_the_one_writer(db_path: Path) -> None:
    async with Database(db_path) as db:
        answers = await asyncio.gather(*(db.write(named(f"u{n}"), ACTOR) for n in range(120)))
        assert [name for _, name in answers] == [f"u{n}" for n in range(120)]
        assert len({user_id for user_id, _ in answers}) == 120
        stored = await db.read(lambda c: c.execute("SELECT count(*) FROM users").fetchone()[0])
        assert stored == 120 and db.stats["jobs"] == 120


async def test_sqlite_keeps_one_reader_and_one_writer(db_path: Path) -> None:
    database = Database(db_path, readers=4, writers=4)
    assert database.readers == database.writers == (1 if database.url is None else 4)


@pytest.mark.postgres
async def test_one_instance_commits_on_several_writers_at_once(db_path: Path) -> None:
    """A write held open does not keep the instance's next write waiting: another writer
    commits it meanwhile."""
    held, release = threading.Event(), threading.Event()
    async with Database(db_path, writers=2) as db:
        first = asyncio.create_task(db.write(entry("first", held, release), ACTOR))
        assert await asyncio.to_thread(held.wait, WAIT)
        second = await asyncio.wait_for(db.write(entry("second"), ACTOR), WAIT)
        assert not first.done()
        release.set()
        assert await first < second


def entry(
    name: str, held: threading.Event | None = None, release: threading.Event | None = None
) -> Callable[[Tx], int]:
    """A job writing one timeline entry; with events, it holds its transaction open."""

    def job(tx: Tx) -> int:
        tx.record("user", 0, name)
        entry_id = int(tx.scalar("SELECT max(id) FROM timeline"))  # sends the entry now
        if held is not None and release is not None:
            held.set()
            assert release.wait(WAIT)
        return entry_id

    return job


@pytest.mark.postgres
async def test_an_entry_committed_after_a_later_id_is_not_passed_by_the_feed(
    db_path: Path,
) -> None:
    """Writes overlap, so id 10 can commit after id 11: the feed waits for 10, then reads both.

    A cursor kept as an id would have read 11 and passed 10 for ever (engine/crm/marks.py).
    """
    held, release = threading.Event(), threading.Event()
    async with Database(db_path) as one, Database(db_path) as other:
        feed = Engine(other).timeline
        first = asyncio.create_task(one.write(entry("first", held, release), ACTOR))
        assert await asyncio.to_thread(held.wait, WAIT)
        second_id = await other.write(entry("second"), ACTOR)
        assert await feed.since(START) == []  # "second" waits for the older transaction
        assert await feed.held_back(START)  # and says so: read again soon
        release.set()
        first_id = await first
        assert first_id < second_id
        read = await feed.since(START)
        assert [e.id for e in read] == [first_id, second_id]
        assert await feed.since(read[-1].mark) == []
        assert not await feed.held_back(read[-1].mark)


async def test_a_race_lost_every_time_is_given_up_and_logged_once_as_an_error(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[int] = []

    def always_loses(tx: Tx) -> None:
        runs.append(1)
        raise ConcurrentUpdate("could not serialize access due to concurrent update")

    caplog.set_level(logging.INFO, logger="relais.db")
    async with Database(db_path) as db:
        with pytest.raises(StorageError, match="busy"):
            await db.write(always_loses, ACTOR)
    assert len(runs) == store.RETRIES + 1
    levels = [(r.levelno, r.getMessage().split()[0]) for r in caplog.records]
    assert levels.count((logging.INFO, "event=write_retried")) == store.RETRIES
    assert [event for level, event in levels if level >= logging.ERROR] == ["event=write_given_up"]
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.postgres
async def test_reads_run_in_parallel_on_several_readers(db_path: Path) -> None:
    """Two reads pass a barrier of two only if two connections run them at the same time."""
    both = threading.Barrier(2, timeout=WAIT)

    def meet(conn: sqlite3.Connection) -> int:
        both.wait()
        return int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])

    async with Database(db_path, readers=2) as db:
        pids = await asyncio.gather(db.read(meet), db.read(meet))
        assert len(set(pids)) == 2
