"""The service's lifecycle: open the engine, start every configured part, stop cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time

from aiohttp import web

from bot.app import SlackBot
from config.cpq_schema import load_cpq
from config.settings import Settings
from engine.api import DomainEvent, Engine
from engine.api.workflows import WorkflowRunner
from ingest.listener import MailListener
from ingest.metrics import MailMetrics
from service.automation import Reminders, workflow_runner
from service.mailer import Mailer, RelayConfig
from service.metrics import Metrics
from service.outbox import OutboxWorker
from service.scheduler import Ticker
from service.web import Check, Probe, build_web_app

log = logging.getLogger("relais.service")


class Service:
    """Everything ``run.py serve`` runs, in one event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.engine: Engine | None = None
        self.ticker = Ticker(settings.scheduler_tick, self.metrics)
        self.checks: dict[str, Check] = {}
        self.probes: dict[str, Probe] = {}
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None
        self.mail: MailListener | None = None
        self.slack: SlackBot | None = None
        self.outbox: OutboxWorker | None = None
        self.workflows: WorkflowRunner | None = None

    async def start(self) -> None:
        started = time.perf_counter()
        # Pricing rules first: an invalid pricing.yaml stops start-up with its message.
        cpq = load_cpq(self.settings.config_path)
        self.engine = await Engine.open(self.settings.database_path)
        self.engine.use_cpq(cpq)
        self.engine.bus.subscribe("*", self._count_event)
        self.checks["database"] = self.engine.db.ping
        self.checks["scheduler"] = self._scheduler_up
        self._start_blueprint_work(self.engine)
        self.ticker.start()
        if self.settings.smtp_enabled:
            await self._start_mail(self.engine)
        if self.settings.slack_enabled:
            self.slack = SlackBot(self.engine, self.settings, self.metrics)
        await self._start_workflows(self.engine)
        await self._start_web()
        await self._start_slack()
        self._explain_optional_parts()
        # What start-up loaded (modules, the pricing rule book) lives as long as the
        # process: out of the collector's sight, a full collection no longer walks a
        # 10,000-rule book in the middle of pricing a quote (bench/pricing.py).
        gc.collect()
        gc.freeze()
        log.info(
            "event=started database=%s http=%s:%s seconds=%.2f",
            self.settings.database, self.settings.http_host, self.http_port,
            time.perf_counter() - started,
        )  # fmt: skip

    async def _start_mail(self, engine: Engine) -> None:
        metrics = MailMetrics(
            self.metrics.registry, mails=self.metrics.mails, leads=self.metrics.leads
        )
        self.mail = MailListener(engine, self.settings, metrics=metrics)
        await self.mail.start()
        self.checks["smtp"] = self.mail.healthy
        backlog = self.mail.processor.backlog_probe(self.settings.mail_backlog_threshold)
        self.probes["mail_backlog"] = backlog

    def _start_blueprint_work(self, engine: Engine) -> None:
        """Blueprint timers and outbox delivery run on every tick (work kept in the DB)."""
        relay = self.settings.smtp_relay_enabled
        mailer = Mailer(RelayConfig.from_settings(self.settings)) if relay else None
        self.outbox = OutboxWorker(engine, mailer=mailer)
        engine.bus.subscribe("deal.transitioned", self.outbox.on_transition)
        engine.bus.subscribe("workflow_run.queued", self.outbox.on_transition)
        engine.bus.subscribe("deal.quote_emailed", self.outbox.on_transition)
        self.ticker.add("blueprint-timers", engine.run_blueprint_timers)
        self.ticker.add("outbox", self.outbox.run_once)

    async def _start_workflows(self, engine: Engine) -> None:
        """Workflows follow the bus; their delays, date triggers and the reminders tick.

        One tick runs at once, so what fell due while the service was down runs now.
        """
        self.workflows = workflow_runner(engine, self.settings)
        self.workflows.start()
        if self.slack is not None:
            notifications = self.slack.runtime.notifications
            engine.bus.subscribe("workflow_run.queued", notifications.on_event)
        reminders = Reminders(engine, self.settings)
        self.ticker.add("workflows", self.workflows.tick)
        self.ticker.add("reminders", reminders.run_once)
        await self.workflows.tick()
        await reminders.run_once()

    async def _scheduler_up(self) -> bool:
        return self.ticker.running

    async def _count_event(self, event: DomainEvent) -> None:
        self.metrics.events.labels(event=event.name).inc()

    async def _start_web(self) -> None:
        app = build_web_app(self.checks, self.metrics, self.probes)
        if self.slack is not None:
            self.slack.mount(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.http_port = sockets[0].getsockname()[1] if sockets else self.settings.http_port

    async def _start_slack(self) -> None:
        if self.slack is not None:
            await self.slack.start()
            self.checks["slack"] = self.slack.healthy

    def _explain_optional_parts(self) -> None:
        if not self.settings.slack_enabled:
            log.info(
                'event=slack_disabled hint="set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET '
                "(HTTP mode) or SLACK_APP_TOKEN (Socket Mode) to enable the Slack bot; "
                'see docs/slack.md"'
            )

    async def stop(self) -> None:
        gc.unfreeze()  # what start-up froze may be garbage once stopped (tests start many)
        await self.ticker.stop()
        if self.workflows is not None:
            await self.workflows.stop()
            self.workflows = None
        if self.outbox is not None:
            await self.outbox.close()
            self.outbox = None
        if self.mail is not None:
            await self.mail.stop()
            self.mail = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.slack is not None:
            await self.slack.stop()
            self.slack = None
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
