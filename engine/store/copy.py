"""Moving up: a live SQLite database copied into an empty PostgreSQL database.

``run.py database copy --to postgresql://…`` runs :func:`copy_database`:

1. the source is read in one SQLite read transaction (WAL: the service keeps
   writing meanwhile; the copy is the database as that snapshot saw it);
2. the target gets the schema (the same numbered migrations) and must hold no
   data: a database with rows of its own is refused, nothing is touched;
3. in one PostgreSQL transaction every table is emptied of what the
   migrations seeded, then filled with ``COPY`` (parents before children),
   and every identity counter moves past the largest id copied;
4. before that transaction commits, each table's row count and each money
   column's sum (``…_cents``) are read on both sides: any difference rolls
   the whole copy back.

Times go over as the UTC text SQLite keeps (``timestamptz`` reads it), money
as integer cents, raw mail and files as bytes.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import RelaisError
from engine.store import targets
from engine.store.migrations import MIGRATIONS, apply_migrations, current_version

if TYPE_CHECKING:  # the driver is loaded only when a copy runs
    from engine.store import postgres

_SEEDED = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.IGNORECASE | re.MULTILINE)
KEPT = "schema_migrations"  # the target's own, written by its migrations
# Kept by the target's own triggers as the deals go in (migration 16): not copied.
DERIVED = frozenset({"board_totals"})


class CopyRefused(RelaisError):
    """The copy cannot start (or did not match): nothing was written to the target."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    name: str
    source_rows: int
    target_rows: int
    sums: dict[str, tuple[int, int]] = field(default_factory=dict)  # column: (source, target)

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and all(a == b for a, b in self.sums.values())


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: str
    target: str  # without its password
    schema_version: int
    tables: tuple[TableCopy, ...]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)

    @property
    def money(self) -> dict[str, int]:
        """``{table.column: sum of cents}`` as copied."""
        return {f"{t.name}.{c}": s[1] for t in self.tables for c, s in t.sums.items()}


def seeded_tables() -> frozenset[str]:
    """Tables the migrations put rows in (a fresh database is not empty there: the
    cursors start at the timeline's end; the rest copy older tables' rows)."""
    return frozenset(name.lower() for m in MIGRATIONS for name in _SEEDED.findall(m.sql))


def copy_database(source: Path, url: str) -> CopyReport:
    """Copy the SQLite file ``source`` into the empty PostgreSQL database ``url``."""
    started = time.perf_counter()
    if not targets.is_url(url):
        raise CopyRefused(f"--to must be a postgresql:// URL, not {url!r}")
    if not Path(source).is_file():
        raise CopyRefused(f"no SQLite database at {source}")
    reader = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True, timeout=10.0)
    try:
        reader.execute("BEGIN")  # one snapshot for every table read below
        version = current_version(reader)
        known = MIGRATIONS[-1].number
        if version != known:
            raise CopyRefused(
                f"{source} is at migration {version}, this Relais at {known}:"
                " run `run.py migrate` on it (or start the service once) first"
            )
        tables = _tables_in_order(reader)
        target = _prepared(url)
        try:
            copied = _copy_all(reader, target, tables)
        finally:
            target.close()
        reader.execute("COMMIT")
    finally:
        reader.close()
    return CopyReport(
        str(source), targets.safe_url(url), version, copied, time.perf_counter() - started
    )


def _prepared(url: str) -> postgres.PgConnection:
    """The target, migrated to this schema; refused if it already holds data."""
    try:
        from engine.store import postgres

        target = postgres.connect(url)
    except Exception as exc:
        raise CopyRefused(f"cannot connect to {targets.safe_url(url)}: {exc}") from exc
    try:
        found = [r[0] for r in target.execute(_PG_TABLES).fetchall()]
        if found and KEPT not in found:
            raise CopyRefused(
                f"{targets.safe_url(url)} holds tables that are not Relais's"
                f" ({', '.join(found[:5])}…): copy into a new, empty database"
            )
        apply_migrations(target)
        seeded = seeded_tables() | {KEPT}
        for (table,) in target.execute(_PG_TABLES).fetchall():
            if table in seeded:
                continue
            if target.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise CopyRefused(
                    f"{targets.safe_url(url)} is not empty (table {table} has rows):"
                    " copy into a new, empty database (CREATE DATABASE …)"
                )
    except BaseException:
        target.close()
        raise
    return target


_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
_FOREIGN_KEYS = (
    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
    " JOIN pg_namespace n ON n.oid = c.connamespace"
    " WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2"
)


def _tables_in_order(reader: sqlite3.Connection) -> list[str]:
    """The source's tables, each after the tables it refers to."""
    names = [
        r[0]
        for r in reader.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        if r[0] != KEPT and r[0] not in DERIVED
    ]
    parents = {
        name: {r[2] for r in reader.execute(f"PRAGMA foreign_key_list({name})")} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle: the rest as they come (not in the schema today)
            ready = [n for n in names if n not in ordered]
        ordered.extend(ready)
    return ordered


def _columns(reader: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in reader.execute(f"PRAGMA table_info({table})")]


def _copy_all(
    reader: sqlite3.Connection, target: postgres.PgConnection, tables: list[str]
) -> tuple[TableCopy, ...]:
    raw = target.raw
    target_tables = {r[0] for r in target.execute(_PG_TABLES).fetchall()}
    missing = [t for t in tables if t not in target_tables]
    if missing:
        raise CopyRefused(f"the target lacks tables {missing}: is it another Relais version?")
    try:
        with raw.transaction():
            # Foreign keys go while the rows go in (deals and leads refer to each
            # other) and come back before the commit, checking every row.
            keys = raw.execute(_FOREIGN_KEYS).fetchall()
            for table, name, _ in keys:
                raw.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            for table in reversed(tables):  # what the migrations seeded
                raw.execute(f"DELETE FROM {table}")
            for table in tables:
                _copy_table(reader, raw, table)
            for table, name, definition in keys:
                raw.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            copied = tuple(_compare(reader, target, table) for table in tables)
            wrong = [t for t in copied if not t.matches]
            if wrong:
                raise CopyRefused(f"the copy does not match the source: {wrong}; rolled back")
    except RelaisError:
        raise
    except Exception as exc:
        raise CopyRefused(f"the copy failed and was rolled back: {exc}") from exc
    return copied


def _copy_table(reader: sqlite3.Connection, raw: Any, table: str) -> None:
    columns = _columns(reader, table)
    names = ", ".join(columns)
    with raw.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in _rows(reader, f"SELECT {names} FROM {table} ORDER BY rowid"):
            copy.write_row(row)
    if "id" in columns:
        raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" coalesce(max(id), 0) + 1, false) FROM {table}"
        )


def _rows(reader: sqlite3.Connection, sql: str) -> Iterator[tuple[Any, ...]]:
    cursor = reader.execute(sql)
    while batch := cursor.fetchmany(1000):
        yield from batch


def _compare(reader: sqlite3.Connection, target: postgres.PgConnection, table: str) -> TableCopy:
    money = [c for c in _columns(reader, table) if c.endswith("_cents")]
    picks = ", ".join(["count(*)", *(f"coalesce(sum({c}), 0)" for c in money)])
    source = reader.execute(f"SELECT {picks} FROM {table}").fetchone()
    copied = target.execute(f"SELECT {picks} FROM {table}").fetchone()
    assert source is not None and copied is not None
    sums = {c: (int(source[i + 1]), int(copied[i + 1])) for i, c in enumerate(money)}
    return TableCopy(table, int(source[0]), int(copied[0]), sums)
