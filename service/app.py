"""The service's lifecycle: open the engine, start every configured part, stop cleanly.

This is the composition root: parts are built first, then wired to the
engine's events by one table (:mod:`service.wiring`), then started — so no
event of start-up (a backlog of mail, a tick) finds a listener missing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time

from aiohttp import web

from bot import forms_fit
from bot.app import SlackBot
from config.apply import first_run
from config.cpq_cache import cache_folder, load_cpq_cached
from config.settings import Settings
from engine.api import DomainEvent, Engine
from engine.api.store import Listener
from engine.api.workflows import WorkflowRunner
from ingest.listener import MailListener, claims_owner
from service import instance, wake, wiring
from service.automation import Reminders, workflow_runner
from service.mailer import Mailer, RelayConfig
from service.metrics_feed import MetricsFeed
from service.outbox import OutboxWorker
from service.scheduler import Ticker
from service.wake import Wake
from service.web import Check, Probe, build_web_app
from telemetry.mail import MailMetrics
from telemetry.metrics import Metrics

log = logging.getLogger("relais.service")


class Service:
    """Everything ``run.py serve`` runs, in one event loop."""

    def __init__(self, settings: Settings, *, defaults: bool = False) -> None:
        self.settings = settings
        # ``run.py serve``: an empty database gets the configuration folder on its first start
        self.defaults = defaults
        self.metrics = Metrics()
        instance.install(self.metrics.registry)
        self.engine: Engine | None = None
        self.ticker = Ticker(settings.scheduler_tick, self.metrics)
        self.checks: dict[str, Check] = {}
        self.probes: dict[str, Probe] = {}
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None
        self.mail: MailListener | None = None
        self.slack: SlackBot | None = None
        self.outbox: OutboxWorker | None = None
        self.outbox_wake: Wake | None = None
        self.workflows: WorkflowRunner | None = None
        self.reminders: Reminders | None = None
        self.listener: Listener | None = None

    async def start(self) -> None:
        started = time.perf_counter()
        # Pricing rules first: an invalid pricing.yaml stops start-up with its message. The
        # compiled book comes from the cache the quote commands share, parsed only when
        # pricing.yaml (or Relais) changed since: a 10,000-rule book starts in tenths.
        cpq = load_cpq_cached(self.settings.config_path, cache_folder(self.settings))
        self.engine = await Engine.open(
            self.settings.database_target,
            readers=self.settings.db_readers,
            writers=self.settings.db_writers,
        )
        self.engine.quotes.use(cpq)
        wiring.renderers(self.engine)  # forms the bot can't show are refused on every save
        if self.defaults:  # before any part starts: the first mail finds the workflows in force
            await first_run(
                self.engine, self.settings.config_path, forms_fit.fits, cache_folder(self.settings)
            )
        await self._claim_as_this_instance(self.engine)
        self._build(self.engine)
        MetricsFeed(self.metrics, self.engine, self.workflows).install()
        wiring.apply(self.engine.bus, self.listeners())
        await self._listen_across_instances()
        self.checks["database"] = self.engine.ping
        self.checks["scheduler"] = self._scheduler_up
        self.ticker.start()
        await self._start_mail()
        await self._start_workflows()
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

    async def _claim_as_this_instance(self, engine: Engine) -> None:
        """Outbox claims in this instance's name, taking back its predecessor's at once
        (the mail processor does the same with its own claims when it starts)."""
        owner = claims_owner(self.settings)
        taken_back = await engine.outbox.serve_as(owner)
        if taken_back:
            log.info("event=outbox_claims_taken_back owner=%s messages=%d", owner, taken_back)

    def _build(self, engine: Engine) -> None:
        """Every configured part, built but not started; timed work added to the tick."""
        if self.settings.smtp_enabled:
            metrics = MailMetrics(
                self.metrics.registry, mails=self.metrics.mails, leads=self.metrics.leads
            )
            self.mail = MailListener(engine, self.settings, metrics=metrics)
        if self.settings.slack_enabled:
            self.slack = SlackBot(engine, self.settings, self.metrics)
        self._build_timed_work(engine)

    def _build_timed_work(self, engine: Engine) -> None:
        """Blueprint timers, outbox delivery, workflows, reminders: work kept in the DB."""
        relay = self.settings.smtp_relay_enabled
        mailer = Mailer(RelayConfig.from_settings(self.settings)) if relay else None
        self.outbox = OutboxWorker(engine, mailer=mailer)
        self.outbox_wake = Wake(self.outbox.run_once, "outbox-wake")
        self.workflows = workflow_runner(engine, self.settings)
        slack = self.slack.runtime.outbox.kick if self.slack is not None else None
        self.reminders = Reminders(engine, self.settings, on_queued=slack)
        self.ticker.add("blueprint-timers", engine.blueprints.run_timers)
        self.ticker.add("outbox", self.outbox.run_once)
        self.ticker.add("workflows", self.workflows.tick)
        self.ticker.add("reminders", self.reminders.run_once)
        if self.slack is not None:
            self.ticker.add("weekly-forecast", self.slack.weekly_forecast)

    def listeners(self) -> dict[str, wiring.Handler]:
        """The listeners of the parts built, by their names in the wiring table."""
        found: dict[str, wiring.Handler] = {"metrics": self._count_event}
        if self.workflows is not None:
            found.update(wiring.workflow_listeners(self.workflows))
        if self.mail is not None:
            found.update(wiring.mail_listeners(self.mail.processor))
        if self.outbox_wake is not None:
            found["outbox"] = self.outbox_wake.on_event
        if self.slack is not None:
            found.update(wiring.slack_listeners(self.slack.runtime))
        return found

    async def _listen_across_instances(self) -> None:
        """PostgreSQL: other instances' commits wake this one's deliverers (LISTEN/NOTIFY)."""
        kick = self.slack.runtime.outbox.kick if self.slack is not None else None
        self.listener = wake.across_instances(self.settings.database_url, self.outbox_wake, kick)
        if self.listener is not None:
            await self.listener.start()

    async def _start_mail(self) -> None:
        if self.mail is None:
            return
        await self.mail.start()
        self.checks["smtp"] = self.mail.healthy
        backlog = self.mail.processor.backlog_probe(self.settings.mail_backlog_threshold)
        self.probes["mail_backlog"] = backlog

    async def _start_workflows(self) -> None:
        """Workflows follow the bus; their delays, date triggers and the reminders tick.

        One tick runs at once, so what fell due while the service was down runs now.
        """
        assert self.workflows is not None and self.reminders is not None
        self.workflows.start()
        await self.workflows.tick()
        await self.reminders.run_once()

    async def _scheduler_up(self) -> bool:
        return self.ticker.running

    async def _count_event(self, event: DomainEvent) -> None:
        self.metrics.events.labels(event=event.name).inc()

    async def _start_web(self) -> None:
        assert self.engine is not None
        pages = wiring.record_pages(
            self.engine,
            self.slack,
            public_url=self.settings.public_url,
            locale=self.settings.locale,
        )
        app = build_web_app(self.checks, self.metrics, self.probes, pages)
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
        if self.listener is not None:
            await self.listener.close()
            self.listener = None
        if self.workflows is not None:
            await self.workflows.stop()
            self.workflows = None
        if self.outbox_wake is not None:
            await self.outbox_wake.close()
            self.outbox_wake = None
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
    service = Service(settings, defaults=True)
    try:
        await service.start()
        await stop.wait()
        log.info("event=stopping")
    finally:
        await service.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
