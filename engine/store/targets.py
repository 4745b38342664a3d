"""Which database a target names, and the race another instance can win: no driver imported.

``engine/store/db.py`` asks these without importing psycopg, so a command on the
SQLite default never pays for PostgreSQL's driver (``bench/cli.py``).
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit, urlunsplit


def is_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class ConcurrentUpdate(sqlite3.OperationalError):
    """Another instance changed what this transaction read: the job may be tried again."""


class KeyTaken(sqlite3.IntegrityError):
    """PostgreSQL: a unique key refused an insert.

    Writes run side by side, so the key may have been taken by a transaction that
    committed after this one's snapshot began (two requests of one new Slack user, two
    quotes numbered at once): a race lost, and the job runs once more, in a snapshot that
    sees the other's row and takes the path for an existing key (a new quote number
    drawn after the other's), as often as a race is run again. Refused every time, the
    key was taken before the write began: the caller's ``IntegrityError``.
    """


class KeyBusy(ConcurrentUpdate):
    """PostgreSQL: another transaction in progress is creating the same new record.

    Its insert of the same e-mail or domain would make this one wait on the unique key
    until it ends, and two batches each creating what the other creates wait on each
    other until the server's deadlock check (a second) aborts one. Instead the job
    steps back at once; the writer waits for the advisory lock ``key`` outside any
    transaction (``batches.wait_for_key``), then runs it again, in a snapshot that sees
    the other's record.
    """

    def __init__(self, key: int) -> None:
        super().__init__(f"another write is creating the same record (lock {key})")
        self.key = key


def raced(error: BaseException | None) -> bool:
    """Whether a job that failed with ``error`` may have lost a race (and may run again)."""
    return isinstance(error, ConcurrentUpdate | KeyTaken)
