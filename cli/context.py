"""What a command runs with: settings, output streams, and the engine, opened once."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from config.settings import Settings
from engine.api import Actor, Engine

log = logging.getLogger("relais.cli")

Handler = Callable[[argparse.Namespace, "Context"], Awaitable[int]]


@dataclass
class Context:
    settings: Settings
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    # The command may apply the configuration folder to a database never started (run.py
    # sets it for every command but those that manage the database or its configuration).
    first_run: bool = False
    # The command's language (``--lang``, else RELAIS_LOCALE): what the context itself says.
    lang: str | None = None
    _engine: Engine | None = None

    async def engine(self) -> Engine:
        if self._engine is None:
            self._engine = await Engine.open(self.settings.database_target)
            if self.first_run:
                await self._first_start(self._engine)
        return self._engine

    async def _first_start(self, engine: Engine) -> None:
        """The first start's configuration, or one warning when the folder doesn't validate.

        Unlike ``serve``, a command goes on: the command may be the one that mends or
        checks the folder (``blueprint apply --check``), and the database stays unmarked,
        so the next command with a valid folder applies it.
        """
        try:
            await first_start(engine, self.settings)
        except Exception as exc:
            if not _the_folders(exc):
                raise
            from engine.api import text

            log.info("event=first_run applied=false reason=invalid_config error=%r", exc)
            folder = self.settings.config_path
            lang = self.lang or self.settings.locale
            self.fail(text(lang, "cli.first_run_invalid", folder=folder))

    async def actor(self, ref: str | None) -> Actor:
        """``--as`` resolved to a user; without it, the command line acts as an admin."""
        if not ref:
            return Actor.cli()
        engine = await self.engine()
        return await engine.users.actor_for(ref, "cli")

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.close()
            self._engine = None

    def print(self, *parts: object) -> None:
        print(*parts, file=self.out)

    def fail(self, *parts: object) -> None:
        print(*parts, file=self.err)


def config_errors() -> tuple[type[Exception], ...]:
    """A configuration file that does not validate stops a command with its message."""
    from config.cpq_schema import CpqConfigError
    from config.loader import ConfigError
    from config.routing import RoutingError

    return (ConfigError, RoutingError, CpqConfigError)


def _the_folders(exc: Exception) -> bool:
    """Whether ``exc`` is the configuration folder's problem (imported only when one is)."""
    from engine.api import ValidationFailed

    return isinstance(exc, (*config_errors(), ValidationFailed))


async def first_start(engine: Engine, settings: Settings) -> list[str] | None:
    """A database no start has set up gets the configuration folder first, as ``serve``.

    The same function as the service's first start (:func:`config.apply.first_run`: one
    transaction, logged, exactly once even when two commands race on a new database), so
    that ``deal new`` before the first ``serve`` does not leave the database "in use"
    without the shipped pipelines, users, blueprints, workflows and catalogue. Every later
    open costs one read. Without a configuration folder there is nothing to apply: the
    database stays unmarked for a later start that has one.
    """
    if await engine.first_run_done():
        return None
    if not settings.config_path.is_dir():
        log.info("event=first_run applied=false reason=no_folder folder=%s", settings.config_path)
        return None
    from bot import forms_fit  # what Slack's forms hold: blueprints are checked as serve does
    from config.apply import first_run
    from config.cpq_cache import cache_folder  # pricing.yaml parsed once, kept for the quotes

    return await first_run(engine, settings.config_path, forms_fit.fits, cache_folder(settings))
