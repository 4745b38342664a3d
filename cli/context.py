"""What a command runs with: settings, output streams, and the engine, opened once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from config.settings import Settings
from engine.api import Actor, Engine

Handler = Callable[[argparse.Namespace, "Context"], Awaitable[int]]


@dataclass
class Context:
    settings: Settings
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _engine: Engine | None = None

    async def engine(self) -> Engine:
        if self._engine is None:
            self._engine = await Engine.open(self.settings.database_target)
        return self._engine

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
