"""Shared fixtures: a real engine on a real temporary database.

SQLite by default (a file in the test's own folder). With
``RELAIS_TEST_POSTGRES=postgresql://user@host:port/dbname`` (a server the tests
may create databases on), each test's database is a fresh PostgreSQL database
instead, copied from a template migrated once per session and dropped after
the test; tests marked ``sqlite_only`` are skipped then.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.users import UserDraft
from engine.store.db import Database, Tx

POSTGRES = os.environ.get("RELAIS_TEST_POSTGRES", "")
_URLS: dict[Path, str] = {}  # a test's tmp_path → its PostgreSQL database


async def until(
    condition: Callable[[], Awaitable[bool]], within: float, what: str = "condition"
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``within`` seconds.

    For what no event announces (a row written by another task or process):
    waiting for the condition with a deadline, never a fixed sleep.
    """
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not true after {within:.0f} s")
        await asyncio.sleep(0.02)


def database_for(tmp_path: Path, name: str = "relais.db") -> str:
    """RELAIS_DATABASE for a command run beside the ``engine`` fixture: the same database."""
    return _URLS.get(tmp_path, str(tmp_path / name))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test reads the SQLite file itself; skipped on PostgreSQL",
    )
    config.addinivalue_line("markers", "postgres: needs RELAIS_TEST_POSTGRES (a PostgreSQL server)")


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES:
        return f"relais database: PostgreSQL ({_on_database(POSTGRES, '…')})"
    return "relais database: SQLite (set RELAIS_TEST_POSTGRES=postgresql://… for PostgreSQL)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if POSTGRES and marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        if not POSTGRES and item.get_closest_marker("postgres") is not None:
            item.add_marker(
                pytest.mark.skip(reason="needs RELAIS_TEST_POSTGRES=postgresql://… (a server)")
            )


def _on_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class _PostgresDatabase:
    """This session's database: migrated once, emptied before each test.

    Emptying (every table, the identity counters back to 1, the rows the
    migrations seed put back) takes a few milliseconds where a new database
    from a template takes most of a second.
    """

    def __init__(self) -> None:
        import psycopg

        from engine.store.migrations import apply_migrations
        from engine.store.postgres import connect

        self.name = f"relais_test_{os.getpid()}"
        self.url = _on_database(POSTGRES, self.name)
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {self.name} TEMPLATE template0 LOCALE 'C'")
        conn = connect(self.url)
        try:
            apply_migrations(conn)
        finally:
            conn.close()
        self.conn = psycopg.connect(self.url, autocommit=True)
        tables = [
            row[0]
            for row in self.conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        sequences = [
            row[0]
            for row in self.conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )
        ]
        self.seeds = {t: self.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        self.empty = "SET LOCAL session_replication_role = replica;" + "".join(
            [f"DELETE FROM {t};" for t in tables]
            + [f"ALTER SEQUENCE {s} RESTART;" for s in sequences]
        )

    def reset(self) -> str:
        with self.conn.transaction():
            self.conn.execute(self.empty.encode())
            for table, rows in self.seeds.items():
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    self.conn.cursor().executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return self.url

    def drop(self) -> None:
        import psycopg

        self.conn.close()
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[_PostgresDatabase]:
    if not POSTGRES:
        pytest.skip("needs RELAIS_TEST_POSTGRES=postgresql://… (a server)")
    database = _PostgresDatabase()
    yield database
    database.drop()


@asynccontextmanager
async def an_older_write_open(db: Database) -> AsyncIterator[None]:
    """Inside the block, a write that has taken its transaction id stays open (it writes
    no timeline entry, so its end wakes nobody); it commits as the block ends."""
    held, release = threading.Event(), threading.Event()

    def older(tx: Tx) -> None:
        tx.insert("users", {"name": "Older", "created_at": tx.now, "updated_at": tx.now})
        held.set()
        assert release.wait(10.0)

    holding = asyncio.create_task(db.write(older, Actor.cli("older")))
    try:
        assert await asyncio.to_thread(held.wait, 10.0)
        yield
    finally:
        release.set()
        await holding


def on_the_test_database(db_path: Path) -> dict[str, str]:
    """A service's settings on ``db_path`` under RELAIS_TEST_POSTGRES (else its own file)."""
    return {"RELAIS_DATABASE": str(db_path)} if POSTGRES else {}


@pytest.fixture
def db_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The test's database: a SQLite file, or a PostgreSQL URL under RELAIS_TEST_POSTGRES.

    Typed ``Path`` for the tests that open it; on PostgreSQL it is the URL string
    of an empty, migrated database.
    """
    if not POSTGRES:
        return tmp_path / "relais.db"
    database: _PostgresDatabase = request.getfixturevalue("postgres_database")
    _URLS.clear()
    _URLS[tmp_path] = database.reset()
    return cast(Path, _URLS[tmp_path])


@pytest.fixture
async def engine(db_path: Path) -> AsyncIterator[Engine]:
    engine = await Engine.open(db_path)
    try:
        yield engine
    finally:
        await engine.close()


@pytest.fixture
def admin() -> Actor:
    return Actor.cli("test-admin")


@pytest.fixture
async def alice(engine: Engine, admin: Actor) -> Actor:
    await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
    return await engine.users.actor_for("alice@example.com", "slack")


@pytest.fixture
async def bob(engine: Engine, admin: Actor) -> Actor:
    await engine.users.upsert(UserDraft("Bob Durand", "bob@example.com", "U_BOB"), admin)
    return await engine.users.actor_for("U_BOB", "slack")
