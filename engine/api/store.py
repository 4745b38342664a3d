"""Opening the database and its migrations.

Part of the public face adapters import (see :mod:`engine.api`). The
transaction object ``Tx`` stays inside the engine: an adapter asks the
``Engine`` facade for a unit of work instead of writing on a transaction.
"""

from engine.store.db import open_sync
from engine.store.migrations import MIGRATIONS, apply_migrations, current_version
from engine.store.notify import OUTBOX, Listener
from engine.store.private_files import open_private, write_private

__all__ = [
    "MIGRATIONS",
    "OUTBOX",
    "Listener",
    "apply_migrations",
    "current_version",
    "open_private",
    "open_sync",
    "write_private",
]
