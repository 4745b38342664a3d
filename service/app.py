"""The service's lifecycle: open the engine, start every configured part, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from aiohttp import web

from config.settings import Settings
from engine.core import Engine
from engine.events import DomainEvent
from service.metrics import Metrics
from service.scheduler import Ticker
from service.web import Check, build_web_app

log = logging.getLogger("relais.service")


class Service:
    """Everything ``run.py serve`` runs, in one event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.engine: Engine | None = None
        self.ticker = Ticker(settings.scheduler_tick, self.metrics)
        self.checks: dict[str, Check] = {}
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None

    async def start(self) -> None:
        started = time.perf_counter()
        self.engine = await Engine.open(self.settings.database_path)
        self.engine.bus.subscribe("*", self._count_event)
        self.checks["database"] = self.engine.db.ping
        self.checks["scheduler"] = self._scheduler_up
        self.ticker.start()
        await self._start_web()
        self._explain_optional_parts()
        log.info(
            "event=started database=%s http=%s:%s seconds=%.2f",
            self.settings.database, self.settings.http_host, self.http_port,
            time.perf_counter() - started,
        )  # fmt: skip

    async def _scheduler_up(self) -> bool:
        return self.ticker.running

    async def _count_event(self, event: DomainEvent) -> None:
        self.metrics.events.labels(event=event.name).inc()

    async def _start_web(self) -> None:
        app = build_web_app(self.checks, self.metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.http_port = sockets[0].getsockname()[1] if sockets else self.settings.http_port

    def _explain_optional_parts(self) -> None:
        if not self.settings.slack_enabled:
            log.info(
                'event=slack_disabled hint="set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET '
                "(HTTP mode) or SLACK_APP_TOKEN (Socket Mode) to enable the Slack bot; "
                'see README, section Slack"'
            )

    async def stop(self) -> None:
        await self.ticker.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.engine is not None:
            await self.engine.close()
            self.engine = None
        log.info("event=stopped")


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set), then shut down cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = Service(settings)
    try:
        await service.start()
        await stop.wait()
        log.info("event=stopping")
    finally:
        await service.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
