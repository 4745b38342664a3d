"""Migration 16's board totals: filled from the deals already there, kept by triggers
(SQLite's per row, PostgreSQL's per statement: :func:`engine.store.migrations.for_backend`).

That the totals equal a recount after every kind of write, on both databases, is
``test_board_recount.py``'s job.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm import queries
from engine.crm.deals import DealDraft
from engine.store import migrations
from engine.store.db import open_sync
from engine.store.migrations import for_backend
from tests.scaling.conftest import empty_postgres, opened

AT = "2026-03-01T09:00:00.000000Z"
DEALS = (  # stage, revenue cents, probability, status, archived
    ("nouveau", 123_456, 10, "open", 0),
    ("nouveau", None, 10, "open", 0),
    ("visite_technique", 50_000, 37, "open", 0),
    ("visite_technique", 99_999, 40, "open", 1),
    ("gagne", 70_000, 100, "won", 0),
)


@pytest.mark.sqlite_only("builds a SQLite database at migration 15 by hand")
async def test_the_migration_sums_the_deals_already_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    with monkeypatch.context() as patch:  # the engine of migration 15 makes the pipeline
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:15])
        await (await Engine.open(path)).close()
    conn = open_sync(path)
    stage = {r["key"]: r["id"] for r in conn.execute("SELECT id, key FROM stages")}
    for n, (key, cents, probability, status, archived) in enumerate(DEALS):
        conn.execute(
            "INSERT INTO deals (pipeline_id, stage_id, title, expected_revenue_cents,"
            " probability, status, archived, stage_entered_at, created_at, updated_at)"
            " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (stage[key], f"Chantier {n}", cents, probability, status, archived, AT, AT, AT),
        )
    assert migrations.apply_migrations(conn)[0] == 16  # and any later one
    board = {s.stage: (s.count, str(s.revenue), str(s.weighted)) for s in queries.board(conn)}
    assert board["Nouveau"] == (2, "1234.56", "123.46")  # 123,456 cents × 10 %
    assert board["Visite Technique"] == (1, "500.00", "185.00")  # not the archived deal
    assert board["Gagné"] == (0, "0.00", "0.00")  # nor the won one
    conn.close()


def test_each_backend_runs_its_own_statements_and_the_shared_ones() -> None:
    statements = [
        "CREATE TABLE t (n INTEGER)",
        "-- why\n-- only on sqlite\nCREATE TRIGGER a AFTER INSERT ON t BEGIN SELECT 1; END;",
        "-- only on postgresql\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS 'x'",
        "-- mentions only on sqlite, not at a line's start\nCREATE INDEX t_n ON t(n)",
    ]
    shared = [statements[0], statements[3]]
    assert for_backend(statements, postgres=False) == [shared[0], statements[1], shared[1]]
    assert for_backend(statements, postgres=True) == [shared[0], statements[2], shared[1]]


def test_migration_16_splits_into_its_statements_for_each_backend() -> None:
    sql = migrations.MIGRATIONS[15].sql
    sqlite = for_backend(migrations._statements(sql), postgres=False)
    postgres = for_backend(migrations._statements(sql), postgres=True)
    assert [s.split("\n")[-1][:40] for s in sqlite if "TRIGGER" in s] == [
        "END;", "END;", "END;"
    ]  # fmt: skip
    assert sum("CREATE FUNCTION" in s for s in postgres) == 3
    assert sum(s.count("FOR EACH STATEMENT") for s in postgres) == 3


def _moves(url: str, deal_id: int, stages: tuple[int, int], times: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for n in range(times):
            conn.execute("UPDATE deals SET stage_id = %s WHERE id = %s", (stages[n % 2], deal_id))


@pytest.mark.postgres
async def test_writers_moving_deals_both_ways_at_once_never_deadlock(
    engine: Engine, db_path: Path, alice: Actor
) -> None:
    """Plain SQL clients on PostgreSQL: each move takes the two stages' rows lowest first."""
    ones = [await engine.deals.create(DealDraft(f"A{n}"), alice) for n in range(2)]
    others = [await engine.deals.create(DealDraft(f"B{n}", stage="devis"), alice) for n in range(2)]
    one, other = ones[0].stage_id, others[0].stage_id
    with ThreadPoolExecutor(4) as pool:  # each deal back where it started after 300 moves
        done = [pool.submit(_moves, str(db_path), d.id, (other, one), 300) for d in ones] + [
            pool.submit(_moves, str(db_path), d.id, (one, other), 300) for d in others
        ]
        for future in done:
            future.result()  # a deadlock would raise psycopg.errors.DeadlockDetected
    board = {s.stage_id: s.count for s in await engine.deals.board()}
    assert (board[one], board[other]) == (2, 2)


@pytest.fixture
def copy_target() -> Iterator[str]:
    """A new PostgreSQL database, as ``CREATE DATABASE`` leaves it, dropped after."""
    with empty_postgres("relais_board_copy") as url:
        yield url


@pytest.mark.postgres
async def test_a_copy_to_postgresql_shows_the_same_board(tmp_path: Path, copy_target: str) -> None:
    """The totals are not copied: the target's triggers sum the deals once, as they go in."""
    admin = Actor.cli("test-admin")
    source = tmp_path / "source.db"
    engine = await Engine.open(source)
    try:
        made = [
            await engine.deals.create(
                DealDraft(f"D{n}", stage=stage, expected_revenue="100"), admin
            )
            for n, stage in enumerate(["nouveau", "nouveau", "devis", "devis"])
        ]
        await engine.deals.move(made[3].id, "gagne", admin)
        before = await engine.deals.board()
        assert [s.count for s in before][:4] == [2, 0, 0, 1]
        await engine.data.copy_to(copy_target)
    finally:
        await engine.close()
    async with opened(copy_target) as copied:
        assert await copied.deals.board() == before
