"""The mail intake as one part of the service: SMTP server plus background processor."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path

from config.routing import load_routing
from config.settings import Settings
from engine.api import Engine
from engine.api.mail import IntakePolicy
from ingest.auth import load_users
from ingest.processor import MailProcessor
from ingest.smtp import CaptureHandler, Limits, ServerOptions, start_server, tls_context
from telemetry.mail import MailMetrics

log = logging.getLogger("relais.smtp")


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_message_size=settings.smtp_max_message_size,
        max_recipients=settings.smtp_max_recipients,
        messages_per_minute=settings.smtp_rate_limit,
        connections_per_client=settings.smtp_max_connections,
        timeout=float(settings.smtp_timeout),
        max_line_length=settings.smtp_max_line_length,
    )


def claims_owner(settings: Settings, environ: Mapping[str, str] = os.environ) -> str:
    """Whose leases this listener's processor holds: this instance's, by its name.

    A name that stays across a restart lets the restarted instance take back at once
    what its predecessor held (``MailProcessor.start``) instead of waiting out the
    lease: ``RELAIS_INSTANCE`` when set (two live processes must not share it), else
    on SQLite, which has one service per file, the host's name. On PostgreSQL without
    it, ``hostname-pid`` as in the logs (``service/instance.py``): no other live
    process has it, and another instance may be alive.
    """
    named = environ.get("RELAIS_INSTANCE", "").strip()
    if named:
        return named
    host = socket.gethostname()
    return host if settings.database_url is None else f"{host}-{os.getpid()}"


def options_from(settings: Settings) -> ServerOptions:
    tls = None
    if settings.smtp_tls_cert and settings.smtp_tls_key:
        tls = tls_context(settings.smtp_tls_cert, settings.smtp_tls_key)
    return ServerOptions(
        host=settings.smtp_host,
        port=settings.smtp_port,
        hostname=settings.smtp_hostname or socket.gethostname(),
        tls=tls,
    )


class MailListener:
    """Start and stop the listener and its processor together; report their health."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        policy: IntakePolicy | None = None,
        metrics: MailMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.policy = policy or load_routing(settings.config_path)
        self.metrics = metrics or MailMetrics()
        users = load_users(Path(settings.smtp_auth_file)) if settings.smtp_auth_file else {}
        self.handler = CaptureHandler(
            engine, self.policy, limits_from(settings), self.metrics, users,
            on_stored=self._stored,
        )  # fmt: skip
        self.processor = MailProcessor(
            engine,
            self.policy,
            workers=settings.mail_parse_workers,
            deadline=settings.mail_parse_deadline,
            metrics=self.metrics,
            busy=self.handler.busy,
            owner=claims_owner(settings),
        )
        self.server: asyncio.Server | None = None
        self.port: int | None = None

    def _stored(self, mail_id: int, raw: bytes) -> None:
        """The handler stored a mail: the processor takes it, bytes and all (no read-back)."""
        self.processor.submit(mail_id, raw)

    async def start(self) -> None:
        # aiosmtpd logs every command at INFO: far too chatty (and slow) for a service.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        await self.processor.start()
        self.server = await start_server(self.handler, options_from(self.settings))
        self.port = self.server.sockets[0].getsockname()[1]
        log.info(
            "event=smtp_listening host=%s port=%s addresses=%s",
            self.settings.smtp_host, self.port, ",".join(r.address for r in self.policy.routes),
        )  # fmt: skip

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.handler.close_sessions()
            await self.server.wait_closed()
            self.server = None
        await self.processor.stop()

    async def healthy(self) -> bool:
        serving = self.server is not None and self.server.is_serving()
        return serving and self.processor.running
