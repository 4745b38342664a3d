"""Several processes writing one database at once never see "database is locked"."""

import subprocess
import sys
from pathlib import Path

import pytest

from engine.store.db import open_sync

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import asyncio, sys
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft

async def main(path, tag):
    engine = await Engine.open(path)
    await asyncio.gather(*(engine.deals.create(DealDraft(f"{tag}-{i}"), Actor.cli(tag))
                           for i in range(150)))
    await engine.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.slow
def test_concurrent_processes_all_commit(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{n}"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors
    assert not any("locked" in e for e in errors)
    conn = open_sync(path)
    assert conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 600
    assert conn.execute("SELECT count(*) FROM pipelines").fetchone()[0] == 1
