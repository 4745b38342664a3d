"""The Slack app: Bolt's ``AsyncApp`` over the engine, served in the service's loop.

``build_app`` wires the listeners; ``SlackBot`` runs it: HTTP mode mounts
Bolt's request handler at ``/slack/events`` on the service's aiohttp server
(the signature and its five-minute age are checked by Bolt: a forged or
stale request gets 401), Socket Mode connects when an app-level token is
set. ``process_before_response=True`` sends each ack as soon as the listener
returns; every listener acks first and leaves the slow part to a task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.jobs import JobSpec
from bot.listeners import actions, automation, commands, events, quotes, stages, views
from bot.runtime import Runtime
from config.settings import Settings
from engine.core import Engine
from service.metrics import Metrics

log = logging.getLogger("relais.slack")

PATH = "/slack/events"
LISTENERS = (commands, actions, stages, automation, views, events, quotes)
JOBS: dict[str, JobSpec] = {
    **commands.JOBS, **actions.JOBS, **stages.JOBS, **automation.JOBS, **views.JOBS,
    **events.JOBS, **quotes.JOBS,
}  # fmt: skip


class RelaisApp(AsyncApp):
    """Bolt's app, carrying the runtime its listeners reach through their context."""

    runtime: Runtime


def build_app(
    engine: Engine, settings: Settings, client: AsyncWebClient | None = None,
    *, retry_delay: float = 1.0,
) -> RelaisApp:  # fmt: skip
    client = client or AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url
    )
    app = RelaisApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
    )
    app.runtime = Runtime(engine, settings, client, JOBS, retry_delay=retry_delay)
    for module in LISTENERS:
        module.register(app, engine)
    return app


def request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    kind = str(body.get("type", "other"))
    return {"block_actions": "action", "view_submission": "view", "event_callback": "event"}.get(
        kind, "other"
    )


class SlackBot:
    """The app in the service: HTTP handler, Socket Mode, runtime, health."""

    def __init__(
        self, engine: Engine, settings: Settings, metrics: Metrics | None = None,
        client: AsyncWebClient | None = None, *, retry_delay: float = 1.0,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.metrics = metrics
        self.app = build_app(engine, settings, client, retry_delay=retry_delay)
        self.runtime = self.app.runtime
        self.socket: AsyncSocketModeHandler | None = None
        self.identity: dict[str, Any] = {}

    @property
    def http_mode(self) -> bool:
        return bool(self.settings.slack_signing_secret)

    def mount(self, web_app: web.Application) -> None:
        if self.http_mode:
            web_app.router.add_post(PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        self.runtime.acks.started()
        try:
            bolt_request = await to_bolt_request(request)
            if request.headers.get("X-Slack-Retry-Num"):
                log.info(
                    "event=slack_retry num=%s reason=%s",
                    request.headers.get("X-Slack-Retry-Num"),
                    request.headers.get("X-Slack-Retry-Reason"),
                )
            bolt_response = await self.app.async_dispatch(bolt_request)
        finally:
            self.runtime.acks.finished()
        self._count(bolt_request, bolt_response.status, time.perf_counter() - started)
        return await to_aiohttp_response(bolt_response)

    def _count(self, request: AsyncBoltRequest, status: int, seconds: float) -> None:
        if self.metrics is None:
            return
        body = request.body if isinstance(request.body, dict) else {}
        outcome = "ok" if status < 400 else str(status)
        self.metrics.slack_requests.labels(kind=request_kind(body), outcome=outcome).inc()
        self.metrics.slack_ack_seconds.observe(seconds)

    async def start(self) -> None:
        await self.runtime.start()
        await self._introduce()
        if self.settings.slack_app_token:
            self.socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            await self.socket.connect_async()  # type: ignore[no-untyped-call]
        log.info(
            "event=slack_started mode=%s team=%s bot=%s",
            "socket" if self.socket else "http", self.identity.get("team"),
            self.identity.get("user"),
        )  # fmt: skip

    async def _introduce(self) -> None:
        """``auth.test`` once, to say early and clearly when the token is wrong."""
        try:
            async with asyncio.timeout(5):
                response = await self.runtime.client.auth_test()
            self.identity = dict(response.data) if isinstance(response.data, dict) else {}
        except SlackApiError as exc:
            log.error(
                'event=slack_auth_failed error=%s hint="check SLACK_BOT_TOKEN"',
                exc.response.get("error"),
            )
        except Exception as exc:
            log.warning("event=slack_unreachable error=%r", exc)

    async def healthy(self) -> bool:
        if not self.runtime.started or not self.runtime.outbox.running:
            return False
        if self.socket is not None:
            return bool(await self.socket.client.is_connected())
        return True

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
            self.socket = None
        await self.runtime.stop()
