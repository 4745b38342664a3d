"""The store on either backend (the ``db_path`` fixture picks it), and what only
PostgreSQL has: two instances on one database, the schema lock."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.actors import Actor
from engine.crm.versioning import update_record
from engine.errors import Conflict, NotFound, StorageError
from engine.events import DomainEvent
from engine.store.db import Database, Tx

ACTOR = Actor.cli("store-test")


def add_user(name: str) -> Any:
    def job(tx: Tx) -> int:
        return tx.insert("users", {"name": name, "created_at": tx.now, "updated_at": tx.now})

    return job


def rename(user_id: int, name: str, expected: int | None) -> Any:
    def job(tx: Tx) -> None:
        row = tx.one("SELECT * FROM users WHERE id = ?", (user_id,))
        assert row is not None
        update_record(tx, "users", "user", row, {"name": name}, expected)

    return job


async def names(db: Database) -> list[str]:
    return await db.read(lambda c: [r["name"] for r in c.execute("SELECT name FROM users")])


async def test_writes_that_arrive_together_share_one_commit(db_path: Path) -> None:
    async with Database(db_path) as db:
        before = dict(db.stats)
        ids = await asyncio.gather(*(db.write(add_user(f"u{n}"), ACTOR) for n in range(50)))
        assert len(set(ids)) == 50
        assert db.stats["jobs"] - before["jobs"] == 50
        assert db.stats["commits"] - before["commits"] < 50
        assert sorted(await names(db)) == sorted(f"u{n}" for n in range(50))


async def test_a_failing_job_rolls_back_only_its_own_work(db_path: Path) -> None:
    def fails(tx: Tx) -> None:
        tx.insert("users", {"name": "ghost", "created_at": tx.now, "updated_at": tx.now})
        tx.execute(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (1, 'x', ?, ?)",
            (tx.now, tx.now),
        )

    async with Database(db_path) as db:
        assert await db.write(add_user("first"), ACTOR) == 1
        results = await asyncio.gather(
            db.write(add_user("a"), ACTOR),
            db.write(fails, ACTOR),
            db.write(add_user("b"), ACTOR),
            return_exceptions=True,
        )
        assert isinstance(results[1], sqlite3.IntegrityError)
        assert sorted(await names(db)) == ["a", "b", "first"]


async def test_a_failing_job_takes_back_its_many_rows_too(db_path: Path) -> None:
    def many_then_fails(tx: Tx) -> None:
        tx.conn.executemany(
            "INSERT INTO users (name, created_at, updated_at) VALUES (?, ?, ?)",
            [(name, tx.now, tx.now) for name in ("m1", "m2")],
        )
        raise ValueError("no")

    async with Database(db_path) as db:
        with pytest.raises(ValueError):
            await db.write(many_then_fails, ACTOR)
        results = await asyncio.gather(
            db.write(add_user("a"), ACTOR),
            db.write(many_then_fails, ACTOR),
            return_exceptions=True,
        )
        assert isinstance(results[1], ValueError)
        assert await names(db) == ["a"]


async def test_a_write_resolves_after_its_commit_and_events_follow_it(db_path: Path) -> None:
    seen: list[list[str]] = []
    async with Database(db_path) as db, Database(db_path) as other:

        async def on_event(event: DomainEvent) -> None:
            seen.append(await names(other))

        db.bus.subscribe("user.created", on_event)

        def job(tx: Tx) -> int:
            user_id = add_user("durable")(tx)
            tx.record("user", user_id, "created")
            return int(user_id)

        await db.write(job, ACTOR)
        # Another connection (another instance) sees it as soon as the write returns.
        assert await names(other) == ["durable"]
        await db.bus.drain()
        assert seen == [["durable"]]


async def test_a_stale_version_is_a_conflict_across_two_instances(db_path: Path) -> None:
    async with Database(db_path) as one, Database(db_path) as two:
        user_id = await one.write(add_user("Ann"), ACTOR)
        await one.write(rename(user_id, "Anne", 1), ACTOR)
        with pytest.raises(Conflict):
            await two.write(rename(user_id, "Annie", 1), ACTOR)
        assert await names(two) == ["Anne"]


@pytest.mark.postgres
async def test_concurrent_edits_from_two_instances_never_overwrite(db_path: Path) -> None:
    """B read version 1 before A committed version 2: B's write fails, A's stays."""
    a_wrote, b_read, release = threading.Event(), threading.Event(), threading.Event()

    def a_job(tx: Tx) -> None:
        rename(user_id, "by A", 1)(tx)
        assert tx.scalar("SELECT version FROM users WHERE id = ?", (user_id,)) == 2  # sent
        a_wrote.set()
        release.wait(10)

    def b_job(tx: Tx) -> None:
        row = tx.one("SELECT * FROM users WHERE id = ?", (user_id,))
        assert row is not None
        b_read.set()
        update_record(tx, "users", "user", row, {"name": "by B"}, 1)

    async with Database(db_path) as one, Database(db_path) as two:
        user_id = await one.write(add_user("Ann"), ACTOR)
        a = asyncio.create_task(one.write(a_job, ACTOR))
        await asyncio.to_thread(a_wrote.wait, 10)
        b = asyncio.create_task(two.write(b_job, ACTOR))
        await asyncio.to_thread(b_read.wait, 10)
        await asyncio.sleep(0.2)  # B's UPDATE waits for A's row lock
        release.set()
        await a
        with pytest.raises((Conflict, sqlite3.OperationalError, StorageError)):
            await b
        version = await two.read(
            lambda c: tuple(c.execute("SELECT name, version FROM users").fetchone())
        )
        assert version == ("by A", 2)


@pytest.mark.postgres
async def test_a_job_that_swallows_a_failed_statement_fails_alone(db_path: Path) -> None:
    """PostgreSQL refuses the rest of a transaction after an error: the job fails, not its mates."""

    def swallows(tx: Tx) -> None:
        with contextlib.suppress(sqlite3.IntegrityError):
            tx.execute(
                "INSERT INTO users (id, name, created_at, updated_at) VALUES (1, 'x', ?, ?)",
                (tx.now, tx.now),
            )

    async with Database(db_path) as db:
        await db.write(add_user("first"), ACTOR)
        results = await asyncio.gather(
            db.write(add_user("a"), ACTOR), db.write(swallows, ACTOR), return_exceptions=True
        )
        assert isinstance(results[1], StorageError)
        assert sorted(await names(db)) == ["a", "first"]


async def test_a_database_migrated_past_this_code_is_refused(db_path: Path) -> None:
    async with Database(db_path) as db:

        def newer(tx: Tx) -> None:
            tx.execute(
                "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                (999, "from the future", tx.now),
            )

        await db.write(newer, ACTOR)
    with pytest.raises(StorageError, match=r"migration 999 \(from the future\)"):
        await Database(db_path).open()


async def test_rows_written_with_their_own_ids_leave_new_ids_past_them(db_path: Path) -> None:
    def restored(tx: Tx) -> None:
        for user_id in (7, 3):
            tx.insert(
                "users", {"id": user_id, "name": "r", "created_at": tx.now, "updated_at": tx.now}
            )
        tx.ids_taken("users")

    async with Database(db_path) as db:
        await db.write(restored, ACTOR)
        assert await db.write(add_user("new"), ACTOR) == 8


@pytest.mark.postgres
async def test_the_writer_waits_for_the_commit_to_be_durable(db_path: Path) -> None:
    async with Database(db_path) as db:
        setting = await db.write(lambda tx: tx.scalar("SHOW synchronous_commit"), ACTOR)
        isolation = await db.write(lambda tx: tx.scalar("SHOW transaction_isolation"), ACTOR)
        assert (setting, isolation) == ("on", "repeatable read")


async def test_observers_are_told_of_each_write_and_cannot_break_one(db_path: Path) -> None:
    def refused(tx: Tx) -> None:
        raise NotFound("deal", 1)

    def broken(seconds: float, outcome: str) -> None:
        raise RuntimeError("an observer's own bug")

    seen: list[tuple[float, str]] = []
    async with Database(db_path) as db:
        db.observe_writes(broken)
        db.observe_writes(lambda seconds, outcome: seen.append((seconds, outcome)))
        results = await asyncio.gather(
            *(db.write(add_user(f"u{n}"), ACTOR) for n in range(5)),
            db.write(refused, ACTOR),
            return_exceptions=True,
        )
        assert isinstance(results[-1], NotFound) and set(results[:5]) == {1, 2, 3, 4, 5}
    assert sorted(outcome for _, outcome in seen) == ["committed"] * 5 + ["failed"]
    assert all(seconds >= 0 for seconds, _ in seen)


async def test_an_exclusive_write_runs_as_any_other_and_is_observed(db_path: Path) -> None:
    from engine.store.claims import exclusively

    seen: list[str] = []
    async with Database(db_path) as db:
        db.observe_writes(lambda seconds, outcome: seen.append(outcome))
        first, second = await asyncio.gather(
            db.write(exclusively("test", add_user("alone")), ACTOR),
            db.write(exclusively("test", add_user("also")), ACTOR),
        )
        assert {first, second} == {1, 2} and sorted(await names(db)) == ["alone", "also"]
    assert seen == ["committed", "committed"]
