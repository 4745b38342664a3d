"""Several instances on one PostgreSQL database: two engines, each its own ``Database``.

Every test here needs ``RELAIS_TEST_POSTGRES=postgresql://…`` (a server the
tests may create databases on); without it they are skipped, saying so.

:func:`empty_postgres` and :func:`opened` serve a test elsewhere too (a copy to
PostgreSQL, tests/engine/test_board_totals.py): import them from here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from engine.core import Engine
from tests.conftest import POSTGRES, _on_database


@contextmanager
def empty_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new PostgreSQL database, as ``CREATE DATABASE`` leaves it (what a copy
    to PostgreSQL expects), dropped after; named ``prefix_<pid>``, one per test process."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE 'C'")
    try:
        yield _on_database(POSTGRES, name)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@asynccontextmanager
async def opened(target: Path | str) -> AsyncIterator[Engine]:
    """An engine on ``target`` (a SQLite file or a PostgreSQL URL), closed after."""
    engine = await Engine.open(target)
    try:
        yield engine
    finally:
        await engine.close()


@pytest.fixture
async def other(db_path: Path) -> AsyncIterator[Engine]:
    """A second instance on the ``engine`` fixture's database."""
    second = await Engine.open(db_path)
    try:
        yield second
    finally:
        await second.close()
