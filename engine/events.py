"""Domain events and the in-process bus that carries them.

Events are collected while a transaction runs and handed to the bus only
after it commits, so a subscriber never sees a change that was rolled back.
Subscribers run as tasks: a slow or failing one never delays the writer.

The engine only publishes; who listens to what in the running service is one
table of the composition root (``service/wiring.py``), applied at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.actors import Actor

log = logging.getLogger("relais.events")

Handler = Callable[["DomainEvent"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """``entity`` created / updated / deleted (or a named domain fact)."""

    entity: str
    action: str
    entity_id: int
    actor: Actor
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.entity}.{self.action}"


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[str, Handler]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """``pattern`` is ``"*"``, ``"deal.*"`` or an exact name like ``"lead.created"``."""
        self._subscribers.append((pattern, handler))

    def publish(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            for pattern, handler in self._subscribers:
                if _matches(pattern, event.name):
                    task = asyncio.get_running_loop().create_task(_guarded(handler, event))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every handler started so far has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _matches(pattern: str, name: str) -> bool:
    if pattern in ("*", name):
        return True
    return pattern.endswith(".*") and name.startswith(pattern[:-1])


async def _guarded(handler: Handler, event: DomainEvent) -> None:
    try:
        await handler(event)
    except Exception:
        log.exception("event=%s handler=%s failed", event.name, getattr(handler, "__name__", "?"))
