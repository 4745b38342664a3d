"""A read the writer's transaction repeats (PostgreSQL keeps its first answer), on either
backend: what the jobs see must be what they would see without it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.actors import Actor
from engine.errors import ValidationFailed
from engine.store.db import Database, Tx
from engine.store.repeat_reads import MAX_ROWS, KeptRows, RepeatReads

ACTOR = Actor.cli("repeat-test")
WAIT = 10.0  # seconds: a deadline, not a pause
NAMES = "SELECT name FROM users ORDER BY id"


def add_user(name: str) -> Callable[[Tx], int]:
    return lambda tx: tx.insert("users", {"name": name, "created_at": tx.now, "updated_at": tx.now})


def names(tx: Tx) -> list[str]:
    return [row[0] for row in tx.all(NAMES)]


async def batched(db: Database, jobs: list[Callable[[Tx], Any]]) -> list[Any]:
    """Run ``jobs`` as one batch (one transaction): a first write holds the writer meanwhile."""
    held, release = threading.Event(), threading.Event()

    def hold(tx: Tx) -> None:
        held.set()
        assert release.wait(WAIT)

    first = asyncio.create_task(db.write(hold, ACTOR))
    assert await asyncio.to_thread(held.wait, WAIT)
    commits = db.stats["commits"]
    tasks = [asyncio.create_task(db.write(job, ACTOR)) for job in jobs]
    await asyncio.sleep(0)  # a yield, so that every task queues its job
    release.set()
    await first
    answers = await asyncio.gather(*tasks, return_exceptions=True)
    assert db.stats["commits"] - commits == 2  # the held write's, then the batch's
    return answers


async def test_a_job_sees_its_own_insert_update_and_delete_between_two_same_reads(
    db_path: Path,
) -> None:
    def job(tx: Tx) -> list[list[str]]:
        seen = [names(tx)]
        user_id = add_user("Ada")(tx)
        seen.append(names(tx))
        tx.execute("UPDATE users SET name = ? WHERE id = ?", ("Grace", user_id))
        seen.append(names(tx))
        tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        seen.append(names(tx))
        return seen

    async with Database(db_path) as db:
        await db.write(add_user("Zed"), ACTOR)
        seen = await db.write(job, ACTOR)
    assert seen == [["Zed"], ["Zed", "Ada"], ["Zed", "Grace"], ["Zed"]]


async def test_jobs_of_one_batch_see_each_others_writes(db_path: Path) -> None:
    async with Database(db_path, writers=1) as db:  # one batch: one writer
        answers = await batched(db, [names, add_user("Ada"), names, add_user("Bob"), names])
    assert [answers[0], answers[2], answers[4]] == [[], ["Ada"], ["Ada", "Bob"]]


async def test_a_failed_jobs_writes_are_not_seen_by_the_next_job(db_path: Path) -> None:
    def refused(tx: Tx) -> None:
        add_user("Ghost")(tx)
        assert names(tx) == ["Ada", "Ghost"]
        raise ValidationFailed({"name": "refused"})

    async with Database(db_path, writers=1) as db:  # one batch: one writer
        await db.write(add_user("Ada"), ACTOR)
        answers = await batched(db, [names, refused, names])
    assert answers[0] == answers[2] == ["Ada"]
    assert isinstance(answers[1], ValidationFailed)


async def test_a_later_transaction_sees_what_others_committed(db_path: Path) -> None:
    async with Database(db_path) as db, Database(db_path) as other:
        assert await db.write(names, ACTOR) == []
        await other.write(add_user("Ada"), ACTOR)
        assert await db.write(names, ACTOR) == ["Ada"]


@pytest.mark.postgres
async def test_on_postgresql_the_writer_answers_a_repeated_read_without_the_server(
    db_path: Path,
) -> None:
    def job(tx: Tx) -> list[str]:
        first, again = tx.execute(NAMES), tx.execute(NAMES)
        after = tx.execute("SELECT name FROM users ORDER BY id FOR UPDATE")
        return [type(cursor).__name__ for cursor in (first, again, after)]

    async with Database(db_path) as db:
        assert await db.write(job, ACTOR) == ["KeptRows", "KeptRows", "Cursor"]


# -- the rules, without a database ---------------------------------------------------


def test_only_plain_reads_with_hashable_values_are_kept() -> None:
    reads = RepeatReads()
    assert reads.key("SELECT * FROM deals WHERE id = ?", (1,)) is not None
    assert reads.key("SELECT * FROM deals WHERE id = :id", {"id": 1}) is not None
    for sql in (
        "SELECT * FROM outbox WHERE id = ? FOR UPDATE SKIP LOCKED",
        "SELECT nextval('deals_id_seq')",
        "SELECT pg_try_advisory_lock(?)",
        "SELECT random()",
        "UPDATE deals SET title = ? WHERE id = ?",
        "WITH x AS (SELECT 1) SELECT * FROM x",
    ):
        assert reads.key(sql, (1,)) is None, sql
    assert reads.key("SELECT * FROM deals WHERE id IN (?)", ([1, 2],)) is None


def test_a_write_forgets_the_reads_naming_its_table_and_a_delete_forgets_all() -> None:
    reads = RepeatReads()
    deals = reads.key("SELECT * FROM deals d JOIN stages s ON s.id = d.stage_id", ())
    users = reads.key("SELECT * FROM users", ())
    assert deals is not None and users is not None
    reads.keep(deals, [("d",)], ())
    reads.keep(users, [("u",)], ())
    reads.wrote("INSERT INTO stages (name) VALUES (?)")
    assert reads.answer(deals) is None and reads.answer(users) is not None
    reads.keep(deals, [("d",)], ())
    reads.wrote("UPDATE users SET name = ?")
    assert reads.answer(users) is None and reads.answer(deals) is not None
    reads.wrote("DELETE FROM pipelines WHERE id = ?")
    assert reads.answer(deals) is None


def test_a_write_to_deals_forgets_the_board_totals_its_triggers_change() -> None:
    reads = RepeatReads()
    board = reads.key("SELECT stage_id, sum(n) FROM board_totals GROUP BY stage_id", ())
    assert board is not None
    reads.keep(board, [(1, 3)], ())
    reads.wrote("UPDATE deals SET stage_id = ? WHERE id = ?")
    assert reads.answer(board) is None


def test_a_kept_answer_is_read_from_its_start_each_time_and_large_ones_are_not_kept() -> None:
    reads = RepeatReads()
    key = reads.key("SELECT id FROM deals", ())
    assert key is not None
    rows = [(1,), (2,)]
    first = reads.keep(key, rows, ())
    assert first.fetchone() == (1,) and first.fetchall() == [(2,)] and first.fetchone() is None
    again = reads.answer(key)
    assert isinstance(again, KeptRows) and list(again) == rows and again.rowcount == 2
    big = reads.key("SELECT id FROM leads", ())
    assert big is not None
    reads.keep(big, [(n,) for n in range(MAX_ROWS + 1)], ())
    assert reads.answer(big) is None
