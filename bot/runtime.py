"""Everything the listeners need at request time, started and stopped as one.

The app made by :func:`bot.app.build_app` carries it (``app.runtime``), so
listeners keep the ``register(app, engine)`` shape and still reach the
journal, the people directory, the outbox and the home tab.

Which domain events wake the notifier, the home tab and the outbox's slack
lane (the engine's notifications) is not decided here but in the service's wiring table
(:mod:`service.wiring`), which subscribes their ``on_event``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import screens
from bot.blocks.common import Message
from bot.home import Home
from bot.jobs import JobSpec, Journal
from bot.notifier import Notifier
from bot.outbox import Outbox
from bot.people import People
from bot.priority import AckFirst
from bot.replays import KEEP as KEEP_REQUESTS
from bot.replays import Replays
from bot.tasks import Tasks
from config.settings import Settings
from engine.api import Engine, clock

log = logging.getLogger("relais.slack")

KEEP_JOBS = timedelta(days=2)
KEEP_SENT = timedelta(days=14)


class Runtime:
    def __init__(
        self, engine: Engine, settings: Settings, client: AsyncWebClient,
        specs: Mapping[str, JobSpec], *, retry_delay: float = 1.0,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.settings = settings
        self.client = client
        self.tasks = Tasks()
        self.http: aiohttp.ClientSession | None = None
        self.people = People(engine, client, settings.locale, settings.timezone)
        self.journal = Journal(self, specs)
        self.outbox = Outbox(engine, client, self.tasks, self.notice, retry_delay)
        self.notifier = Notifier(engine, self.outbox, self.tasks, settings.slack_leads_channel)
        self.home = Home(engine, self.people, client, self.tasks)
        self.replays = Replays(engine, self.tasks)
        self.started = False
        self.acks = AckFirst()

    async def notice(self, ref: str) -> Message | None:
        """Channel notices speak the team's default language and time zone."""
        return await screens.notice(self.engine, ref, self.settings.locale, self.settings.timezone)

    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        if self.client.session is None:
            self.client.session = self.http
        await self._prune()
        self.outbox.start()
        self.notifier.start()
        await self.journal.replay()
        self.started = True

    async def _prune(self) -> None:
        now = clock.utcnow()
        await self.engine.chat.prune(now - KEEP_JOBS, now - KEEP_SENT, now - KEEP_REQUESTS)

    async def stop(self) -> None:
        self.started = False
        await self.notifier.stop()
        await self.outbox.stop()
        await self.tasks.cancel()
        if self.http is not None:
            if self.client.session is self.http:
                self.client.session = None
            await self.http.close()
            self.http = None

    async def settle(self, seconds: float = 10.0) -> None:
        """Wait until every job, notice and delivery started so far is done."""
        quiet = 0
        async with asyncio.timeout(seconds):
            while quiet < 3:  # three calm looks in a row: nothing is about to start either
                await self.engine.bus.drain()
                busy = self.tasks.busy or self.journal.busy
                calm = not (busy or self.notifier.busy)
                quiet = quiet + 1 if calm and await self.outbox.idle() else 0
                await asyncio.sleep(0.01)


def runtime_of(app: AsyncApp) -> Runtime:
    """The runtime ``build_app`` gave the app, for listeners registered on it."""
    runtime = getattr(app, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("register listeners on an app made by bot.app.build_app")
    return runtime
