"""The numbered migration files as data: what they are, and which tables they key by ``id``.

Apart from :mod:`engine.store.migrations` (which applies them) and
:mod:`engine.store.dialect` (which needs :data:`ID_TABLES` to translate an
``INSERT``), so that both import this module and neither imports the other:
the schema is read in one place, applied in one, translated in one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE_WITH_ID = re.compile(r"CREATE TABLE (\w+) \(\s*id INTEGER PRIMARY KEY", re.IGNORECASE)


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


def id_tables(migrations: tuple[Migration, ...]) -> frozenset[str]:
    """Tables whose key is ``id INTEGER PRIMARY KEY``, as ``migrations`` create them.

    PostgreSQL's ``INSERT`` into one of them gets ``RETURNING id`` (SQLite's ``lastrowid``).
    """
    return frozenset(name.lower() for m in migrations for name in _TABLE_WITH_ID.findall(m.sql))


MIGRATIONS: tuple[Migration, ...] = load_migrations()
ID_TABLES = id_tables(MIGRATIONS)
