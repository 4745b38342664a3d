"""Timeline entries in a batch, on either backend (``db_path`` picks it).

On PostgreSQL ``Tx.record`` keeps its ``INSERT`` for the job's next statement
(``PgConnection.execute_later``: one round trip less per entry); these tests hold
what that must not change: the entry is in the job's transaction and visible to the
job, its values arrive as written, and an entry that fails fails its own job only,
never one batched with it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.actors import Actor
from engine.errors import ValidationFailed
from engine.store.db import Database, Tx

ACTOR = Actor.cli("timeline-test")
WAIT = 10.0  # seconds: a deadline, not a pause
ODD = "50 % of it's 100%s \\ %(x)s ‘ok’"


def entry(entity_id: int, action: Any = "noted") -> Callable[[Tx], int]:
    """A job that records one entry and reads back how many entries the deal has."""

    def job(tx: Tx) -> int:
        tx.record("deal", entity_id, action, {"note": (None, ODD)})
        return int(tx.scalar("SELECT count(*) FROM timeline WHERE entity_id = ?", (entity_id,)))

    return job


def refused_after_recording(tx: Tx) -> None:
    tx.record("deal", 99, "noted")
    raise ValidationFailed({"title": "refused"})


async def batched(db: Database, jobs: list[Callable[[Tx], Any]]) -> list[Any]:
    """Run ``jobs`` as one batch: a first write holds the writer until all are queued."""
    held, release = threading.Event(), threading.Event()

    def hold(tx: Tx) -> None:
        held.set()
        assert release.wait(WAIT)

    first = asyncio.create_task(db.write(hold, ACTOR))
    assert await asyncio.to_thread(held.wait, WAIT)
    commits = db.stats["commits"]
    tasks = [asyncio.create_task(db.write(job, ACTOR)) for job in jobs]
    await asyncio.sleep(0)  # let every task queue its job (no timing: a yield to the loop)
    release.set()
    await first
    answers = await asyncio.gather(*tasks, return_exceptions=True)
    assert db.stats["commits"] - commits == 2  # the held write's, then one for the batch
    return answers


async def entries(db: Database) -> list[tuple[int, str, str]]:
    rows = await db.read(
        lambda c: c.execute(
            "SELECT entity_id, action, changes FROM timeline ORDER BY id"
        ).fetchall()
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def test_an_entry_is_seen_by_its_own_job_and_kept_as_written(db_path: Path) -> None:
    async with Database(db_path) as db:
        assert await db.write(entry(1), ACTOR) == 1
        assert await db.write(entry(1), ACTOR) == 2
        stored = await entries(db)
    assert [(entity, action) for entity, action, _ in stored] == [(1, "noted"), (1, "noted")]
    assert [json.loads(changes)["note"] for *_, changes in stored] == [[None, ODD], [None, ODD]]


def only_entry(entity_id: int, action: Any) -> Callable[[Tx], object]:
    """A job whose last statement is its entry: nothing after it in the job to carry it."""
    return lambda tx: tx.record("deal", entity_id, action)


async def test_an_entry_that_fails_fails_its_own_job_only(db_path: Path) -> None:
    async with Database(db_path, writers=1) as db:  # one batch: one writer
        jobs = [entry(1), only_entry(2, None), entry(3), entry(4, action=None), entry(5)]
        answers = await batched(db, jobs)
        stored = await entries(db)
    assert [answers[0], answers[2], answers[4]] == [1, 1, 1]
    # NOT NULL action, on both backends, each the error of the job that recorded it
    assert isinstance(answers[1], sqlite3.IntegrityError)
    assert isinstance(answers[3], sqlite3.IntegrityError)
    assert [entity for entity, _, _ in stored] == [1, 3, 5]


async def test_an_entry_alone_in_its_batch_that_fails_is_its_jobs_error(db_path: Path) -> None:
    async with Database(db_path) as db:
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(lambda tx: tx.record("deal", 5, None), ACTOR)  # type: ignore[arg-type]
        assert await db.write(entry(6), ACTOR) == 1
        assert [entity for entity, _, _ in await entries(db)] == [6]


async def test_a_job_refused_after_recording_leaves_no_entry_and_spoils_no_other(
    db_path: Path,
) -> None:
    async with Database(db_path, writers=1) as db:  # one batch: one writer
        answers = await batched(db, [entry(1), refused_after_recording, entry(2)])
        stored = await entries(db)
    assert answers[0] == 1 and answers[2] == 1
    assert isinstance(answers[1], ValidationFailed)
    assert [entity for entity, _, _ in stored] == [1, 2]
