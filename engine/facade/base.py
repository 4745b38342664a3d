"""What every facade part shares: the database it runs its units of work on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from engine.actors import Actor
from engine.errors import Forbidden
from engine.store.db import Database, Tx
from engine.text.catalogue import Phrase

T = TypeVar("T")


class Part:
    """A facade part: a handle on the database, and the one-hop read and write.

    ``_read`` and ``_write`` stay private: adapters ask a part for a named unit
    of work, never hand the engine a function of their own.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _write(self, fn: Callable[[Tx], T], actor: Actor) -> T:
        return await self._db.write(fn, actor)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._db.read(fn)


def require_admin(actor: Actor, reason: str) -> None:
    """Refuse ``actor`` unless an admin: ``reason`` is the catalogue key of what only an
    admin can do (``admin_only.workflows``), read in each reader's language; a sentence
    that is no key reads as it is."""
    if not actor.is_admin:
        raise Forbidden(Phrase(reason))
