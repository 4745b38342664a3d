"""The engine: the one object adapters hold, its facade split per concept.

``Engine`` opens the database and holds one part per concept (``engine.deals``,
``engine.leads``, ``engine.quotes``… see :mod:`engine.facade`). Each method of
a part is one unit of work: a write runs as a single function in the database
thread (one hop, one savepoint inside a shared commit), a read as one function
on the reader connection. Domain services stay plain functions of a
transaction, testable without any event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from engine.actors import Actor
from engine.events import EventBus
from engine.facade.activities import Activities
from engine.facade.blueprints import Blueprints
from engine.facade.chat import Chat
from engine.facade.contacts import Contacts
from engine.facade.data import Data
from engine.facade.deal_view import DealView
from engine.facade.deals import Deals
from engine.facade.leads import Leads
from engine.facade.mail import Mail
from engine.facade.outbox import Outbox
from engine.facade.pipelines import Pipelines
from engine.facade.products import Products
from engine.facade.quotes import Quotes
from engine.facade.reminders import Reminders
from engine.facade.reports import Reports
from engine.facade.search import Search
from engine.facade.setup import Setup
from engine.facade.timeline import Timeline
from engine.facade.users import Users
from engine.facade.workflows import Workflows
from engine.store.db import Database, Tx

__all__ = ["DealView", "Engine"]

T = TypeVar("T")


class Engine:
    """The database opened, and a part per concept to ask it for units of work.

    ``db`` is the database itself, for the engine's own tests and tools;
    adapters never use it (tests/test_layout.py): what they need is a method
    of a part.
    """

    def __init__(self, database: Database) -> None:
        self.db = database
        self.bus: EventBus = database.bus
        self.setup = Setup(database)
        self.users = Users(database)
        self.pipelines = Pipelines(database)
        self.deals = Deals(database)
        self.leads = Leads(database)
        self.contacts = Contacts(database)
        self.activities = Activities(database)
        self.timeline = Timeline(database)
        self.mail = Mail(database)
        self.blueprints = Blueprints(database)
        self.quotes = Quotes(database)
        self.products = Products(database)
        self.workflows = Workflows(database)
        self.reminders = Reminders(database)
        self.outbox = Outbox(database)
        self.chat = Chat(database)
        self.data = Data(database)
        self.search = Search(database)
        self.reports = Reports(database)

    @classmethod
    async def open(cls, path: str | Path) -> Engine:
        database = Database(path)
        await database.open()
        engine = cls(database)
        await engine.setup.ensure_defaults()
        return engine

    async def close(self) -> None:
        await self.bus.drain()
        await self.db.close()

    async def ping(self) -> bool:
        """Whether the database answers a read (``/healthz``)."""
        return await self.db.ping()

    @property
    def stats(self) -> dict[str, int]:
        """The writer's counts since open (``commits``, ``jobs``, ``failed_commits``),
        a copy for ``/metrics``."""
        return dict(self.db.stats)

    def time_writes(self, observe: Callable[[float], None]) -> None:
        """Call ``observe`` with the seconds each write waits until its commit.

        The metrics see every part's writes without the engine knowing
        Prometheus: this database instance's ``write`` is wrapped, once.
        """
        write = self.db.write

        async def timed(fn: Callable[[Tx], T], actor: Actor) -> T:
            started = time.perf_counter()
            try:
                return await write(fn, actor)
            finally:
                observe(time.perf_counter() - started)

        setattr(self.db, "write", timed)  # noqa: B010 - this instance only
