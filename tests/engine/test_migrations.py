import sqlite3
from pathlib import Path

import pytest

from engine.core import Engine
from engine.store.db import open_sync
from engine.store.migrations import MIGRATIONS, apply_migrations, current_version


def test_migrations_from_empty_then_reapplied(tmp_path: Path) -> None:
    conn = open_sync(tmp_path / "m.db")
    assert apply_migrations(conn) == [m.number for m in MIGRATIONS]
    assert apply_migrations(conn) == []
    assert current_version(conn) == MIGRATIONS[-1].number
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_failed_migration_leaves_nothing_half_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.store import migrations

    broken = (*MIGRATIONS, migrations.Migration(999, "broken", "CREATE TABLE t (x);\nNOT SQL;"))
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    conn = open_sync(tmp_path / "m.db")
    with pytest.raises(sqlite3.Error):
        apply_migrations(conn)
    assert current_version(conn) == MIGRATIONS[-1].number
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone()


async def test_engine_opens_an_existing_database_without_reapplying(db_path: Path) -> None:
    first = await Engine.open(db_path)
    await first.close()
    second = await Engine.open(db_path)
    assert len(await second.pipelines.all()) == 1
    await second.close()
