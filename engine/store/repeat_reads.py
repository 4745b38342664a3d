"""PostgreSQL: a read a write transaction repeats is answered from its first answer.

On PostgreSQL every statement is a round trip, and a writer runs its batch's
statements one after another, so round trips are what caps the writes. The jobs
of one batch repeat many reads: thirty deals created together each look up the
default pipeline and its first stage. Within one
``REPEATABLE READ`` transaction a read's answer can only change through the
transaction's own writes, so the writer keeps each small read's rows and answers
the same text with the same values from them, until a write could have changed
them:

* an ``INSERT`` or ``UPDATE`` of a table forgets every kept read whose text names
  that table, or a table its triggers write (:data:`TRIGGERED`: migration 16's
  board totals follow ``deals``; the schema has no view, and an ``INSERT`` or
  ``UPDATE`` cascades nowhere else);
* anything else that is not a plain read (a ``DELETE``, whose foreign keys may
  cascade; DDL; ``WITH``…) forgets them all, and so does every ``ROLLBACK`` (to a
  savepoint too: a failed job's reads may have seen its own writes), ``BEGIN`` and
  ``COMMIT``.

Only plain ``SELECT`` statements are kept, never one that locks rows, draws from a
sequence, calls a ``pg_`` function or one whose answer changes within a transaction
(``random()``, ``clock_timestamp()``…), and never one of more than
:data:`MAX_ROWS` rows. SQLite needs none of this: its statements are calls, not
round trips.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

MAX_ROWS = 64
_READ = re.compile(r"^\s*SELECT\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY|KEY)\b|\bSKIP\s+LOCKED\b|\bnextval\b|\bsetval\b"
    r"|\bcurrval\b|\blastval\b|\bpg_\w+\s*\(|\brandom\s*\(|\bclock_timestamp\b"
    r"|\btimeofday\b|\bstatement_timestamp\b|\buuid\w*\s*\(|\btxid_\w+",
    re.IGNORECASE,
)
_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE)\s+(\w+)", re.IGNORECASE)
# Tables a write to the key table changes too, through its triggers.
TRIGGERED: dict[str, tuple[str, ...]] = {"deals": ("board_totals",)}
Params = Sequence[Any] | Mapping[str, Any]
Key = tuple[str, tuple[Any, ...]]


class KeptRows:
    """What ``execute`` returns for a kept read: its rows, served again from the start."""

    lastrowid = None

    def __init__(self, rows: list[Any], names: tuple[str, ...]) -> None:
        self._rows = rows
        self._names = names
        self.rowcount = len(rows)
        self._next = 0

    @property
    def description(self) -> list[tuple[str | None, ...]]:
        """As ``sqlite3``'s: a 7-tuple per column, its name first."""
        return [(name, None, None, None, None, None, None) for name in self._names]

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class RepeatReads:
    """The reads kept in the writer's current transaction (see the module's docstring)."""

    def __init__(self) -> None:
        self._kept: dict[Key, tuple[list[Any], tuple[str, ...], str]] = {}

    def key(self, sql: str, params: Params) -> Key | None:
        """The read's key if it may be kept, else ``None`` (not a plain read, or unhashable)."""
        if not _plain_read(sql):
            return None
        values = tuple(sorted(params.items())) if isinstance(params, Mapping) else tuple(params)
        try:
            hash(values)
        except TypeError:
            return None
        return sql, values

    def answer(self, key: Key) -> KeptRows | None:
        kept = self._kept.get(key)
        return None if kept is None else KeptRows(kept[0], kept[1])

    def keep(self, key: Key, rows: list[Any], names: tuple[str, ...]) -> KeptRows:
        """Keep a read's rows (at most :data:`MAX_ROWS`); the caller reads them from the answer."""
        if len(rows) <= MAX_ROWS:
            self._kept[key] = (rows, names, key[0].lower())
        return KeptRows(rows, names)

    def wrote(self, sql: str) -> None:
        """A statement that is not a kept read ran: forget what it could have changed."""
        if not self._kept or _plain_read(sql):
            return
        table = _changed_by(sql)
        if table is None:
            self._kept.clear()
            return
        self._kept = {k: v for k, v in self._kept.items() if not _names(table, v[2])}

    def forget(self) -> None:
        self._kept.clear()


# The engine's statements are a few hundred constant texts: each is looked at once.
@functools.lru_cache(maxsize=4096)
def _plain_read(sql: str) -> bool:
    """A plain ``SELECT`` whose answer only the transaction's own writes can change."""
    return _READ.match(sql) is not None and _NOT_PLAIN.search(sql) is None


@functools.lru_cache(maxsize=4096)
def _changed_by(sql: str) -> re.Pattern[str] | None:
    """What finds, in a kept read's text, the tables ``sql`` writes; None: it may write any."""
    write = _WRITE.match(sql)
    if write is None:
        return None
    written = write.group(1).lower()
    names = "|".join(re.escape(t) for t in (written, *TRIGGERED.get(written, ())))
    return re.compile(rf"\b(?:{names})\b")


@functools.lru_cache(maxsize=4096)
def _names(table: re.Pattern[str], read: str) -> bool:
    """Whether the kept ``read`` names a table ``table`` finds (the same pairs recur)."""
    return table.search(read) is not None
