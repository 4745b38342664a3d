"""PostgreSQL under the engine's sqlite3-shaped surface (psycopg 3, sync API).

The engine's units of work are plain functions of a connection run in the
database's own thread; on PostgreSQL that connection is a :class:`PgConnection`:
``execute(sql, params)`` takes the engine's SQL (translated once per text by
:mod:`engine.store.dialect`) and returns a cursor with ``fetchone``,
``fetchall``, ``rowcount`` and ``lastrowid``, whose rows are read as
``row["name"]`` and ``row[0]``, like ``sqlite3.Row``. Values come back as
SQLite gives them: integers (``sum`` of integers too), text, bytes, floats.
Errors come back as the ``sqlite3`` exceptions the engine already handles.

Each connection has one thread of its own, as aiosqlite gives each SQLite
connection, so a unit of work is one hop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import psycopg
from psycopg import ClientCursor, errors, pq
from psycopg.adapt import Dumper, Loader
from psycopg.types.string import StrDumperUnknown

from engine.store.dialect import POLYFILLED, POLYFILLS, schema, statement
from engine.store.pg_rows import Cursor, Row, names_of, row_factory
from engine.store.repeat_reads import MAX_ROWS, KeptRows, RepeatReads
from engine.store.targets import ConcurrentUpdate, KeyTaken

T = TypeVar("T")

_ROLLED_BACK = (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)


BEGIN_WRITE = "BEGIN ISOLATION LEVEL REPEATABLE READ"
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# A transaction's start and the writer's savepoint around each job of a batch
# (engine/store/db.py) are sent with the statement that follows, in one round trip;
# so is a write whose answer nobody reads (``execute_later``: the timeline entry).
_DEFERRED = frozenset({BEGIN_WRITE, BEGIN_READ, "SAVEPOINT job", "RELEASE job"})
_RETURNING_ID = " RETURNING id"


class PgConnection:
    """One psycopg connection with the surface of a ``sqlite3.Connection`` the engine uses."""

    def __init__(self, conn: psycopg.Connection[Row], url: str, reader: bool) -> None:
        self.raw = conn
        self._url, self._reader = url, reader
        self._deferred: list[str] = []
        self._writes = 0  # of the deferred statements, writes sent by ``execute_later``
        # The writer answers a read its transaction repeats from the first answer.
        self._reads = None if reader else RepeatReads()

    @property
    def in_transaction(self) -> bool:
        return bool(self._deferred) or self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    @property
    def aborted(self) -> bool:
        """A statement failed in this transaction: PostgreSQL refuses the rest of it."""
        return self.raw.info.transaction_status == pq.TransactionStatus.INERROR

    def execute(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> Cursor | KeptRows:
        if sql == "COMMIT" and self.aborted:
            # PostgreSQL would answer COMMIT with a silent ROLLBACK.
            raise sqlite3.OperationalError("the transaction was aborted by a failed statement")
        if sql.startswith("BEGIN") and self.raw.closed:
            # The server went away (a restart, a fail-over): a new transaction
            # may start on a new connection.
            self.raw = connect(self._url, reader=self._reader).raw
        if sql in _DEFERRED:
            if sql.startswith("BEGIN") and self._reads is not None:
                self._reads.forget()
            self._deferred.append(sql)
            return Cursor(None, False)
        key = None if self._reads is None else self._read_key(sql, params)
        if key is not None and self._reads is not None and (kept := self._reads.answer(key)):
            return kept
        if sql == "ROLLBACK":
            self._deferred.clear()
        if sql.startswith("ROLLBACK"):
            self._forget_writes()  # the failed job's: never sent, nothing to undo
        translated = statement(sql)
        skip = len(self._deferred)
        cursor = self.raw.cursor()
        try:
            if skip:  # one text, bound here: psycopg would parse it anew each time
                cursor.execute(self._with_deferred(cursor, translated.sql, params))
            else:
                cursor.execute(translated.sql, params)
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc
        for _ in range(skip):
            cursor.nextset()
        if key is not None and self._reads is not None and 0 <= cursor.rowcount <= MAX_ROWS:
            return self._reads.keep(key, cursor.fetchall(), names_of(cursor))
        return Cursor(cursor, translated.returns_id)

    def _with_deferred(
        self, cursor: psycopg.Cursor[Row], sql: str, params: Sequence[Any] | Mapping[str, Any]
    ) -> bytes:
        """The statements kept for this one, then this one bound: sent as one text."""
        bound = cast(ClientCursor[Row], cursor).mogrify(sql, params)
        return "; ".join([*self._take_deferred(), bound]).encode()

    def _read_key(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> Any:
        """The writer's key for a read it may keep in this transaction; other statements
        make it forget what they could have changed (:mod:`engine.store.repeat_reads`)."""
        assert self._reads is not None
        key = self._reads.key(sql, params) if self.in_transaction else None
        if key is None:
            self._reads.wrote(sql)
        return key

    def executemany(self, sql: str, rows: Sequence[Sequence[Any] | Mapping[str, Any]]) -> Cursor:
        self._forget_reads()
        self._flush()
        translated = statement(sql)
        cursor = self.raw.cursor()
        try:
            cursor.executemany(translated.sql, rows)
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc
        return Cursor(cursor, False)

    def execute_later(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> None:
        """A write whose answer nobody reads, sent with the next statement (one round trip less).

        Its values are bound here (as ``execute`` binds them on the client). If it fails, the
        next statement raises its error, or :meth:`send_writes` does: the writer calls it at
        the end of each job, so the error is the job's own. Outside a transaction it is sent
        at once.
        """
        text = statement(sql).sql.removesuffix(_RETURNING_ID)
        if not self.in_transaction:
            self.execute(sql, params)
            return
        if self._reads is not None:
            self._reads.wrote(sql)
        try:
            bound = ClientCursor(self.raw).mogrify(text, params)
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc
        self._deferred.append(bound)
        self._writes += 1

    def send_writes(self) -> None:
        """Send the writes ``execute_later`` kept, now: a job's end (its errors are its own)."""
        if self._writes:
            self._flush()

    def _forget_writes(self) -> None:
        """Drop the kept writes (a job rolled back); the deferred ``BEGIN``/``SAVEPOINT`` stay."""
        if self._writes:
            self._deferred = [text for text in self._deferred if text in _DEFERRED]
            self._writes = 0

    def _take_deferred(self) -> list[str]:
        """What waits for the next statement, handed over once: it is sent now."""
        taken, self._deferred, self._writes = self._deferred, [], 0
        return taken

    def _flush(self) -> None:
        """Send what waits for the next statement now (it is not one ``execute``)."""
        if self._deferred:
            waiting = "; ".join(self._take_deferred())
            self._send(waiting)  # what it writes, ``execute_later`` made the kept reads forget

    def _forget_reads(self) -> None:
        if self._reads is not None:
            self._reads.forget()

    def script(self, sql: str) -> None:
        """DDL as it is, no placeholders."""
        self._forget_reads()
        self._send(sql)

    def _send(self, sql: str) -> None:
        try:
            self.raw.execute(sql.encode())
        except psycopg.Error as exc:
            raise _as_sqlite(exc) from exc

    def install_polyfills(self) -> None:
        """Define the SQLite functions the engine calls, once per database (migrations)."""
        if not self.execute(POLYFILLED).fetchone():
            for sql in POLYFILLS:
                self.script(sql)

    def translate_schema(self, statements: list[str], existing: set[str]) -> list[str]:
        """A migration's statements as PostgreSQL reads them (``existing``: its tables)."""
        return schema(statements, existing)

    def close(self) -> None:
        self.raw.close()


def _as_sqlite(exc: psycopg.Error) -> sqlite3.Error:
    message = (exc.diag.message_primary or str(exc)).strip()
    if isinstance(exc, errors.UniqueViolation):
        return KeyTaken(message)
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(message)
    if isinstance(exc, _ROLLED_BACK):
        return ConcurrentUpdate(message)
    if isinstance(exc, psycopg.OperationalError | psycopg.InternalError):
        return sqlite3.OperationalError(message)
    return sqlite3.OperationalError(message)


# -- values as SQLite gives them ------------------------------------------------


class _NumericLoader(Loader):
    """``sum`` of integers is ``numeric`` in PostgreSQL: an ``int`` here, as in SQLite."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        if "." in text or "e" in text or "N" in text:
            return float(text)
        return int(text)


class _MomentLoader(Loader):
    """A timestamptz (the session is in UTC) as clock.to_db writes it:
    ``2026-01-31 09:00:00.5+00`` → ``2026-01-31T09:00:00.500000Z``."""

    def load(self, data: Any) -> str:
        text = bytes(data).decode()
        fraction = ""
        if len(text) > 19 and text[19] == ".":
            end = 20
            while end < len(text) and text[end].isdigit():
                end += 1
            fraction = text[20:end]
        return f"{text[:10]}T{text[11:19]}.{fraction.ljust(6, '0')}Z"


class _TextLoader(Loader):
    def load(self, data: Any) -> str:
        return bytes(data).decode()


class _BoolAsInt(Dumper):
    """A Python bool is stored as 0/1: the schema's flags are integers, as in SQLite."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"

    def quote(self, obj: Any) -> bytes:
        return self.dump(obj)


class _TextWithoutNul(StrDumperUnknown):
    """PostgreSQL text cannot hold NUL: it is dropped (SQLite would keep it)."""

    def dump(self, obj: str) -> Any:
        return super().dump(obj.replace("\x00", "") if "\x00" in obj else obj)


def _adapt(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.adapters.register_loader("timestamptz", _MomentLoader)
    for name in ("json", "jsonb", "timestamp", "date"):
        conn.adapters.register_loader(name, _TextLoader)
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_dumper(str, _TextWithoutNul)


# -- connections and their threads ------------------------------------------------


def connect(url: str, *, reader: bool = False) -> PgConnection:
    conn: psycopg.Connection[Row] = psycopg.connect(
        url,
        autocommit=True,
        cursor_factory=ClientCursor,
        row_factory=row_factory,
        application_name="relais",
        prepare_threshold=None,  # client-side binding (ClientCursor): nothing to prepare
    )
    _adapt(conn)
    # on: a commit is durable (on the server's disk) before it returns, which
    # the SMTP 250 promises.
    conn.execute("SET synchronous_commit = on")
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET lock_timeout = '10s'")
    if reader:
        conn.execute("SET default_transaction_read_only = on")
    return PgConnection(conn, url, reader)


class PgLink:
    """A connection and the one thread it is used in."""

    def __init__(self, conn: PgConnection, thread: ThreadPoolExecutor) -> None:
        self.conn = conn
        self._thread = thread

    @classmethod
    async def open(cls, url: str, *, reader: bool = False) -> PgLink:
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relais-pg")
        loop = asyncio.get_running_loop()
        try:
            conn = await loop.run_in_executor(thread, lambda: connect(url, reader=reader))
        except psycopg.Error as exc:
            thread.shutdown()
            raise _as_sqlite(exc) from exc
        return cls(conn, thread)

    async def hop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def close(self) -> None:
        await self.hop(self.conn.close)
        self._thread.shutdown(wait=True)
