"""PostgreSQL's answers as ``sqlite3`` gives them: rows read by name or position, a cursor.

Apart from :mod:`engine.store.postgres` because every statement's answer passes
here: psycopg calls the row factory for each result, the statements sent ahead of
a job's next one too, so the column names are read from the result itself and their
index is built once per shape (``cursor.description`` builds a column object for
each column of each answer, which cost more than the statement's own work).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import pq


class Row(tuple[Any, ...]):
    """A row read by name or by position, as ``sqlite3.Row`` is."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._index[key])
            except KeyError:
                raise IndexError(f"No item with that key: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def row_factory(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    """Called for every result, the statements sent ahead of a job's next one too: the
    names are read from the result itself (``description`` builds a column object each)."""
    fields = _fields(cursor)
    if not fields:
        return Row
    index = _index_of(fields)

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._index = index
        return row

    return make


def _fields(cursor: psycopg.Cursor[Any]) -> tuple[bytes, ...]:
    result = cursor.pgresult
    if result is None:
        return ()
    return tuple(result.fname(i) or b"" for i in range(result.nfields))


@functools.lru_cache(maxsize=1024)
def _decoded(fields: tuple[bytes, ...]) -> tuple[str, ...]:
    return tuple(name.decode() for name in fields)


def names_of(cursor: psycopg.Cursor[Any]) -> tuple[str, ...]:
    """The answer's column names (``description`` builds a column object for each)."""
    return _decoded(_fields(cursor))


@functools.lru_cache(maxsize=1024)
def _index_of(fields: tuple[bytes, ...]) -> dict[str, int]:
    """Each column's position by name (the first of a repeated name, as ``sqlite3.Row``)."""
    return {name: position for position, name in reversed(list(enumerate(_decoded(fields))))}


class Cursor:
    """What ``conn.execute`` returns: the rows, the count, the new id."""

    def __init__(self, cursor: psycopg.Cursor[Row] | None, returns_id: bool) -> None:
        self.rowcount = -1 if cursor is None else cursor.rowcount
        self.lastrowid: int | None = None
        self._rows: list[Row] | None = [] if cursor is None else None
        self._cursor = cursor
        if cursor is not None and returns_id:
            self._rows = []
            first = cursor.fetchone() if _tuples(cursor) else None
            self.lastrowid = None if first is None else first[0]

    @property
    def description(self) -> Any:
        return None if self._cursor is None else self._cursor.description

    def fetchone(self) -> Row | None:
        if self._cursor is None or self._rows is not None or not _tuples(self._cursor):
            return None
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        if self._cursor is None or self._rows is not None or not _tuples(self._cursor):
            return []
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


def _tuples(cursor: psycopg.Cursor[Row]) -> bool:
    """Whether the statement answered rows (``description`` would, at the price of a
    column object for each of them)."""
    result = cursor.pgresult
    return result is not None and (
        result.nfields > 0 or result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE)
    )
