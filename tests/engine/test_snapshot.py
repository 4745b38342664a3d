"""run.py backup: a whole, consistent copy of the database, taken while it is written."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.data.snapshot import SnapshotFailed, take

CLI = Actor.cli("test")


async def test_a_snapshot_taken_under_writes_is_whole_consistent_and_usable(
    tmp_path: Path,
) -> None:
    source, copy = tmp_path / "live.db", tmp_path / "backups" / "copy.db"
    engine = await Engine.open(source)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            await engine.deals.create(DealDraft(f"Affaire {written}", expected_revenue="100"), CLI)
            written += 1
        return written

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.2)
    done = await asyncio.to_thread(take, source, copy)
    stop.set()
    written = await writer
    await engine.close()

    assert done.path == copy and done.size == copy.stat().st_size > 0
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        deals = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        created = conn.execute(
            "SELECT count(*) FROM timeline WHERE entity = 'deal' AND action = 'created'"
        ).fetchone()[0]
    finally:
        conn.close()
    # a moment of the live database: every deal with its timeline entry, none half-written
    assert 0 < deals == created <= written
    assert not (copy.parent / ".copy.db.partial").exists()

    restored = await Engine.open(copy)  # a snapshot opens as a database of its own
    try:
        assert (await restored.deals.get(1)).title == "Affaire 0"
    finally:
        await restored.close()


async def test_a_snapshot_does_not_overwrite_unless_asked(tmp_path: Path) -> None:
    source, copy = tmp_path / "live.db", tmp_path / "copy.db"
    engine = await Engine.open(source)
    await engine.deals.create(DealDraft("Première"), CLI)
    await engine.close()
    take(source, copy)
    with pytest.raises(SnapshotFailed, match="already exists"):
        take(source, copy)
    assert take(source, copy, replace=True).schema_version > 0


def test_no_database_no_snapshot(tmp_path: Path) -> None:
    with pytest.raises(SnapshotFailed, match="no database"):
        take(tmp_path / "missing.db", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
