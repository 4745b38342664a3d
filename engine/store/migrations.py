"""Numbered schema migrations, each applied in the transaction that records it.

The migrations are the files ``sql/NNNN_name.sql`` beside this module: plain SQL,
read in their number's order. Add one by adding the next file; never edit one
that shipped. Keeping them as SQL files, not Python strings, puts the schema
and its dialect in one place a reviewer (or another database) can read.

A statement that only one backend can run says so in a comment line before it
(:func:`for_backend`). The same files run on PostgreSQL, translated by its connection
(``PgConnection.translate_schema``, which uses :mod:`engine.store.dialect`),
under an advisory lock so that instances starting together apply each once.
This module knows the schema and never the dialect, not even for its types:
the files are read in :mod:`engine.store.sql_files`, which the dialect imports
too (:data:`ID_TABLES`), so the three modules import in one direction.
A database already at a migration this code does not know is refused, naming
it: an older instance must not write into a newer schema.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, Protocol

from engine import clock
from engine.errors import StorageError
from engine.store.sql_files import ID_TABLES, MIGRATIONS, SQL_DIR, Migration, load_migrations

__all__ = [
    "ADVISORY_LOCK",
    "ID_TABLES",
    "MIGRATIONS",
    "SQL_DIR",
    "Migration",
    "apply_migrations",
    "current_version",
    "load_migrations",
]


class Migrating(Protocol):
    """A ``sqlite3.Connection``, or PostgreSQL's, which also has ``script`` (DDL as it is)."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


ADVISORY_LOCK = 0x52454C414953  # "RELAIS": held while a PostgreSQL database migrates


def apply_migrations(conn: sqlite3.Connection | Migrating) -> list[int]:
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
        statements = for_backend(_statements(migration.sql), postgres)
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


_ONLY = re.compile(r"^\s*--\s*only on (sqlite|postgresql)\b", re.IGNORECASE | re.MULTILINE)


def for_backend(statements: list[str], postgres: bool) -> list[str]:
    """The statements this backend runs: all but those a comment line reserves for the
    other (``-- only on sqlite: …`` / ``-- only on postgresql: …``, before the statement).

    For what one SQL text cannot say for both, such as triggers: SQLite's run per row,
    PostgreSQL's are PL/pgSQL functions and can run once per statement.
    """
    wanted = "postgresql" if postgres else "sqlite"
    return [
        sql
        for sql in statements
        if (only := _ONLY.search(sql)) is None or only.group(1).lower() == wanted
    ]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(number) FROM schema_migrations").fetchone()
    return int(row[0] or 0)
