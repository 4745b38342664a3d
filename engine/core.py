"""The engine: the one object adapters hold, its facade split per concept.

``Engine`` opens the database and holds one part per concept (``engine.deals``,
``engine.leads``, ``engine.quotes``… see :mod:`engine.facade`). Each method of
a part is one unit of work: a write runs as a single function in the database
thread (one hop, one savepoint inside a shared commit), a read as one function
on the reader connection. Domain services stay plain functions of a
transaction, testable without any event loop.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from engine.events import EventBus
from engine.facade import opening
from engine.store.db import Database

if TYPE_CHECKING:
    from pathlib import Path

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

__all__ = ["DealView", "Engine"]

P = TypeVar("P")


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """``DealView``, imported with the deals part on first use."""
        if name == "DealView":
            return importlib.import_module("engine.facade.deal_view").DealView
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Part(Generic[P]):
    """An engine attribute whose facade part is built on first use, then kept.

    A command asks for one or two parts (``run.py deal list``: deals); importing every
    part, and the domain modules behind each, would cost every command what only a few
    need. The part's module is imported the first time the attribute is read, and the
    part is stored on the engine instance, so later reads are plain attribute reads.
    """

    def __init__(self, module: str, cls: str) -> None:
        self.module = module
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, engine: None, owner: type) -> _Part[P]: ...

    @overload
    def __get__(self, engine: Engine, owner: type) -> P: ...

    def __get__(self, engine: Engine | None, owner: type) -> _Part[P] | P:
        if engine is None:
            return self
        part: P = getattr(importlib.import_module(self.module), self.cls)(engine.db)
        engine.__dict__[self.name] = part  # the instance's own attribute wins from now on
        return part


class Engine:
    """The database opened, and a part per concept to ask it for units of work.

    ``db`` is the database itself, for the engine's own tests and tools;
    adapters never use it (tests/test_layout.py): what they need is a method
    of a part. Each part is built the first time it is used (:class:`_Part`).
    """

    setup: _Part[Setup] = _Part("engine.facade.setup", "Setup")
    users: _Part[Users] = _Part("engine.facade.users", "Users")
    pipelines: _Part[Pipelines] = _Part("engine.facade.pipelines", "Pipelines")
    deals: _Part[Deals] = _Part("engine.facade.deals", "Deals")
    leads: _Part[Leads] = _Part("engine.facade.leads", "Leads")
    contacts: _Part[Contacts] = _Part("engine.facade.contacts", "Contacts")
    activities: _Part[Activities] = _Part("engine.facade.activities", "Activities")
    timeline: _Part[Timeline] = _Part("engine.facade.timeline", "Timeline")
    mail: _Part[Mail] = _Part("engine.facade.mail", "Mail")
    blueprints: _Part[Blueprints] = _Part("engine.facade.blueprints", "Blueprints")
    quotes: _Part[Quotes] = _Part("engine.facade.quotes", "Quotes")
    products: _Part[Products] = _Part("engine.facade.products", "Products")
    workflows: _Part[Workflows] = _Part("engine.facade.workflows", "Workflows")
    reminders: _Part[Reminders] = _Part("engine.facade.reminders", "Reminders")
    outbox: _Part[Outbox] = _Part("engine.facade.outbox", "Outbox")
    chat: _Part[Chat] = _Part("engine.facade.chat", "Chat")
    data: _Part[Data] = _Part("engine.facade.data", "Data")
    search: _Part[Search] = _Part("engine.facade.search", "Search")
    reports: _Part[Reports] = _Part("engine.facade.reports", "Reports")

    def __init__(self, database: Database) -> None:
        self.db = database
        self.bus: EventBus = database.bus

    @classmethod
    async def open(cls, path: str | Path, *, readers: int = 4, writers: int = 4) -> Engine:
        """``readers``, ``writers``: connections on PostgreSQL (``Database``)."""
        database = Database(path, readers=readers, writers=writers)
        await database.open()
        engine = cls(database)
        if not await database.read(opening.has_pipeline):  # the set-up part: fresh only
            await engine.setup.ensure_defaults()
        return engine

    async def first_run_done(self) -> bool:
        """Whether a first start already applied (or declined to apply) the configuration.

        Asked by every command that opens the database (``run.py``): one read, without
        the set-up part, which only the first start itself needs.
        """
        return await self.db.read(opening.first_run_done)

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
        Prometheus: an observer of the database's writes (``Database.observe_writes``),
        told of each one when it is answered, committed or failed.
        """
        self.db.observe_writes(lambda seconds, _outcome: observe(seconds))
