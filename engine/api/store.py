"""Opening the database and its migrations.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.store.db import Tx, open_sync
from engine.store.migrations import MIGRATIONS, apply_migrations, current_version
from engine.store.private_files import open_private, write_private

__all__ = [
    "MIGRATIONS",
    "Tx",
    "apply_migrations",
    "current_version",
    "open_private",
    "open_sync",
    "write_private",
]
