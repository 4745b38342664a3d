"""Numbered schema migrations, each applied in the transaction that records it.

The migrations are the files ``sql/NNNN_name.sql`` beside this module: plain SQL,
read in their number's order. Add one by adding the next file; never edit one
that shipped. Keeping them as SQL files, not Python strings, puts the schema
and its dialect in one place a reviewer (or another database) can read.

The same files run on PostgreSQL, translated by its connection
(``PgConnection.translate_schema``, which uses :mod:`engine.store.dialect`),
under an advisory lock so that instances starting together apply each once.
This module knows the schema and never the dialect: it derives what the
dialect needs from the files (:data:`ID_TABLES`), and the dialect imports it.
A database already at a migration this code does not know is refused, naming
it: an older instance must not write into a newer schema.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import clock
from engine.errors import StorageError

if TYPE_CHECKING:
    from engine.store.postgres import PgConnection

SQL_DIR = Path(__file__).with_name("sql")
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str


def load_migrations(folder: Path = SQL_DIR) -> tuple[Migration, ...]:
    """Every ``NNNN_name.sql`` in ``folder``, numbered 1, 2, 3… without a gap."""
    found = sorted(
        (int(m.group(1)), m.group(2).replace("_", " "), path)
        for path in folder.glob("*.sql")
        if (m := _FILE.match(path.name))
    )
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {folder} are not numbered 1..N: {numbers}")
    return tuple(Migration(n, name, path.read_text(encoding="utf-8")) for n, name, path in found)


MIGRATIONS: tuple[Migration, ...] = load_migrations()
_TABLE_WITH_ID = re.compile(r"CREATE TABLE (\w+) \(\s*id INTEGER PRIMARY KEY", re.IGNORECASE)


def id_tables(migrations: tuple[Migration, ...]) -> frozenset[str]:
    """Tables whose key is ``id INTEGER PRIMARY KEY``, as ``migrations`` create them.

    PostgreSQL's ``INSERT`` into one of them gets ``RETURNING id`` (SQLite's ``lastrowid``).
    """
    return frozenset(name.lower() for m in migrations for name in _TABLE_WITH_ID.findall(m.sql))


ID_TABLES = id_tables(MIGRATIONS)
ADVISORY_LOCK = 0x52454C414953  # "RELAIS": held while a PostgreSQL database migrates


def apply_migrations(conn: sqlite3.Connection | PgConnection) -> list[int]:
    """Apply every migration not yet recorded; returns the numbers applied.

    ``conn`` is a ``sqlite3.Connection`` or a PostgreSQL ``PgConnection``.
    """
    postgres = hasattr(conn, "script")
    if postgres:
        conn.execute("SELECT pg_advisory_lock(?)", (ADVISORY_LOCK,))
    try:
        return _apply_all(conn, postgres)
    finally:
        if postgres:
            conn.execute("SELECT pg_advisory_unlock(?)", (ADVISORY_LOCK,))


def _apply_all(conn: Any, postgres: bool) -> list[int]:
    if postgres:
        conn.install_polyfills()
    kind = "BIGINT" if postgres else "INTEGER"
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        f" number {kind} PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
    refuse_newer(conn)
    applied = []
    for migration in MIGRATIONS:
        if migration.number in done:
            continue
        _apply(conn, migration, postgres)
        applied.append(migration.number)
    return applied


def refuse_newer(conn: Any) -> None:
    """Refuse a database a newer Relais has migrated past what this one knows."""
    known = MIGRATIONS[-1].number if MIGRATIONS else 0
    row = conn.execute(
        "SELECT number, name FROM schema_migrations WHERE number > ? ORDER BY number LIMIT 1",
        (known,),
    ).fetchone()
    if row is not None:
        raise StorageError(
            f"the database has migration {row[0]} ({row[1]}), newer than this Relais knows"
            f" (up to {known}): run the newer version, or restore a backup"
        )


def _apply(conn: Any, migration: Migration, postgres: bool) -> None:
    conn.execute("BEGIN" if postgres else "BEGIN IMMEDIATE")
    try:
        # Another process may have applied it while we waited for the lock.
        if conn.execute(
            "SELECT 1 FROM schema_migrations WHERE number = ?", (migration.number,)
        ).fetchone():
            conn.execute("COMMIT")
            return
        statements = _statements(migration.sql)
        if postgres:
            tables = {row[0] for row in conn.execute(_PG_TABLES)}
            for statement in conn.translate_schema(statements, tables):
                conn.script(statement)
        else:
            for statement in statements:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, clock.now_db()),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def _statements(script: str) -> list[str]:
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not _only_comments(buffer):
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(number) FROM schema_migrations").fetchone()
    return int(row[0] or 0)
