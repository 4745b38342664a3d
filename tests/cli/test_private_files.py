"""Customers' data on disk is private: the database, its WAL and SHM, backups, exports.

Each command runs as a real subprocess with the common umask 022, under which
files used to come out world-readable (0644); modes are read with os.stat.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from tests.cli.conftest import command_env

ROOT = Path(__file__).resolve().parents[2]
DEALS = "titre,contact_email,revenu\nPoêle Rika,jean@dupont-sa.fr,8000\n"


def run(tmp_path: Path, *args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT, env=command_env(tmp_path, str(database)),
        capture_output=True, text=True, timeout=60, umask=0o022,
    )  # fmt: skip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_a_new_database_its_wal_and_shm_and_its_folders_are_private(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "var" / "data" / "relais.db"
    engine = await Engine.open(path)
    try:
        await engine.db.write(lambda tx: tx.execute("CREATE TABLE probe (x)"), Actor.cli("test"))
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        # Open in WAL mode: both are on disk now (os.stat fails if one is missing).
        assert {mode(p) for p in (path, wal, shm)} == {0o600}
    finally:
        await engine.close()
    assert mode(tmp_path / "var") == mode(tmp_path / "var" / "data") == 0o700


async def test_an_existing_database_keeps_the_mode_its_owner_gave_it(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    engine = await Engine.open(path)
    await engine.close()
    assert mode(path) == 0o640


@pytest.mark.slow
def test_migrate_and_backup_create_private_files_and_folders(tmp_path: Path) -> None:
    database = tmp_path / "srv" / "relais.db"
    assert run(tmp_path, "migrate", database=database).returncode == 0
    assert (mode(database), mode(database.parent)) == (0o600, 0o700)
    copy = tmp_path / "backups" / "daily" / "relais.db"
    done = run(tmp_path, "backup", str(copy), database=database)
    assert done.returncode == 0, done.stderr
    assert mode(copy) == 0o600
    assert mode(copy.parent) == mode(copy.parent.parent) == 0o700
    assert run(tmp_path, "backup", str(copy), "--force", database=database).returncode == 0
    assert mode(copy) == 0o600


@pytest.mark.slow
def test_exports_are_private_files_in_private_folders(tmp_path: Path) -> None:
    database = tmp_path / "relais.db"
    deals = tmp_path / "deals-in.csv"
    deals.write_text(DEALS, encoding="utf-8")
    assert run(tmp_path, "import", "deals", str(deals), database=database).returncode == 0
    folder = tmp_path / "exports" / "csv"
    every = run(tmp_path, "export", "--format", "csv", "--output", str(folder), database=database)
    assert every.returncode == 0, every.stderr
    assert {mode(p) for p in folder.iterdir()} == {0o600} and len(list(folder.iterdir())) == 5
    assert mode(folder) == mode(folder.parent) == 0o700
    backup = tmp_path / "backup.json"
    backup.write_text("an older export, world-readable\n", encoding="utf-8")
    os.chmod(backup, 0o644)
    assert run(tmp_path, "export", "--output", str(backup), database=database).returncode == 0
    assert mode(backup) == 0o600 and '"Poêle Rika"' in backup.read_text(encoding="utf-8")
