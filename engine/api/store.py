"""Opening the database and its migrations.

Part of the public face adapters import (see :mod:`engine.api`). The
transaction object ``Tx`` stays inside the engine: an adapter asks the
``Engine`` facade for a unit of work instead of writing on a transaction.
"""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.store.db import open_sync
    from engine.store.migrations import MIGRATIONS, apply_migrations, current_version
    from engine.store.notify import OUTBOX, Listener
    from engine.store.private_files import open_private, write_private
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Listener": "engine.store.notify",
            "MIGRATIONS": "engine.store.migrations",
            "OUTBOX": "engine.store.notify",
            "apply_migrations": "engine.store.migrations",
            "current_version": "engine.store.migrations",
            "open_private": "engine.store.private_files",
            "open_sync": "engine.store.db",
            "write_private": "engine.store.private_files",
        },
    )

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
