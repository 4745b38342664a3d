"""Scratch PostgreSQL databases for the benches: created on the given server, dropped after.

A bench given ``--database postgresql://…`` never touches the database the URL
names: it creates ``relais_bench_<pid>`` (and copies of it, same prefix) on that
server, with the ``C`` collation as docs/scaling.md asks, and drops every one of
them when it ends, even on an error.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg


def on_database(url: str, name: str) -> str:
    """The same server and user, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def server_version(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


class Scratch:
    """The bench's databases on one server; ``url`` is the first, the others are copies."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.prefix = f"relais_bench_{os.getpid()}"
        self._made: list[str] = []
        self._numbers = itertools.count(1)
        self.url = self.create(self.prefix)

    def create(self, name: str, template: str = "template0") -> str:
        """A new empty database (or a copy of ``template``, which nobody may be connected to)."""
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {template} LOCALE 'C'")
        self._made.append(name)
        return on_database(self.server, name)

    def copy(self, template_url: str) -> str:
        """A fresh copy of one of the scratch databases (a run's own, as a copied SQLite file)."""
        template = urlsplit(template_url).path.lstrip("/")
        return self.create(f"{self.prefix}_{next(self._numbers)}", template)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name in self._made:
            self._made.remove(name)

    def drop_all(self) -> None:
        with psycopg.connect(self.server, autocommit=True) as admin:
            for name in reversed(self._made):
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._made.clear()


@contextlib.contextmanager
def scratch(server: str) -> Iterator[Scratch]:
    """``relais_bench_<pid>`` on ``server`` for the time of the block, dropped after."""
    databases = Scratch(server)
    try:
        yield databases
    finally:
        databases.drop_all()
