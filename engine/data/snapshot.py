"""A consistent copy of the whole database, taken while the service runs.

``run.py export`` writes the records a team works with, in readable JSON; a
snapshot is everything else too (quotes and their versions, mail, timelines,
blueprints, workflows and their runs, the outboxes). It uses SQLite's online
backup API in one step: the copy is the database as one read transaction saw
it, and in WAL mode writers are not held up while it is taken.

The copy is written beside the target, checked (``PRAGMA integrity_check``),
switched out of WAL so that it is one self-contained file, flushed to disk,
and only then renamed into place: a snapshot that exists is a whole one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from engine.errors import RelaisError
from engine.store.db import open_sync
from engine.store.migrations import current_version
from engine.store.private_files import create_private


class SnapshotFailed(RelaisError):
    code = "snapshot_failed"


@dataclass(frozen=True, slots=True)
class Snapshot:
    path: Path
    size: int  # bytes
    schema_version: int
    seconds: float


def take(source: Path, target: Path, *, replace: bool = False) -> Snapshot:
    """Copy the database at ``source`` to ``target``; refuses to overwrite unless ``replace``."""
    if not source.exists():
        raise SnapshotFailed(f"no database at {source}")
    if target.exists() and not replace:
        raise SnapshotFailed(f"{target} already exists (--force replaces it)")
    started = time.perf_counter()
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # 0600 (its folders 0700) before SQLite writes a page of it
    try:
        version = _copy(source, partial)
        _flush(partial)
        os.replace(partial, target)
        _flush(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Snapshot(target, target.stat().st_size, version, time.perf_counter() - started)


def _copy(source: Path, partial: Path) -> int:
    """The online backup, then the checks on the copy; returns its schema version."""
    live = open_sync(source)
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            live.backup(copy)  # all pages in one step: one consistent read transaction
            copy.execute("PRAGMA journal_mode = DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise SnapshotFailed(f"the copy failed its integrity check: {verdict}")
            return current_version(copy)
        finally:
            copy.close()
    finally:
        live.close()


def _flush(path: Path) -> None:
    """Make the file (or a folder's entry for it) durable before saying it is done."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
