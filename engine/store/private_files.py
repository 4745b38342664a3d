"""Files that hold customers' data are created readable by Relais' own account only.

The database keeps raw mails and people's names, addresses and phone
numbers; backups and exports are copies of it. With the usual umask (022)
they used to be created world-readable (0644). Every such file is now
created 0600 and every folder Relais creates for them 0700, whatever the
umask: the mode is given to ``open``/``mkdir`` and set again explicitly.

SQLite creates a database's ``-wal``, ``-shm`` and ``-journal`` files with
the main file's permissions, so the main file is created (empty, 0600)
before SQLite first opens it. Files and folders that already exist keep
their mode: an administrator may have chosen it (a group for the backup
job, say). Exports, which are rewritten whole, are made 0600 again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each 0700; existing ones are left alone."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by someone else: theirs to decide
            continue
        os.chmod(created, FOLDER_MODE)  # the umask may have taken bits away, never added


def create_private(path: Path) -> bool:
    """Create ``path`` empty and 0600 (and its folders 0700) unless it exists; True if made."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def open_private(path: Path, *, encoding: str = "utf-8", newline: str | None = "") -> TextIO:
    """Open ``path`` to write its whole text, 0600 even if it existed (an export)."""
    fd = _private_fd(path)
    try:
        return os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` as the whole of ``path``, 0600 (a quote's PDF, say)."""
    fd = _private_fd(path)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def _private_fd(path: Path) -> int:
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd
