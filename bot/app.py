"""The Slack app: Bolt's ``AsyncApp`` over the engine, served in the service's loop.

``build_app`` wires the listeners; ``SlackBot`` runs it: HTTP mode mounts
the request handler at ``/slack/events`` on the service's aiohttp server,
Socket Mode connects when an app-level token is set. Before Bolt sees a
request, :mod:`bot.gate` checks its signature and age (401 when forged,
stale or unreadable) and its shape (400 when malformed), and every request,
in either mode, passes :mod:`bot.replays`: the same request again is
answered as the first was and does nothing. ``process_before_response=True``
sends each ack as soon as the listener returns; every listener acks first
and leaves the slow part to a task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import access_log, gate, shapes
from bot.jobs import JobSpec
from bot.listeners import (
    actions,
    automation,
    choices,
    commands,
    edit,
    events,
    home,
    pictures,
    quotes,
    share,
    shortcuts,
    stages,
    stale,
    unfurl,
    views,
)
from bot.runtime import Runtime
from config.settings import Settings
from engine.api import Engine, clock
from telemetry.metrics import Metrics

log = logging.getLogger("relais.slack")

PATH = "/slack/events"
# ``stale`` matches whatever no other listener did: it must come last.
LISTENERS = (
    commands, actions, stages, automation, views, events, home, pictures, quotes, choices,
    unfurl, shortcuts, share, edit, stale,
)  # fmt: skip
JOBS: dict[str, JobSpec] = {
    **commands.JOBS, **actions.JOBS, **stages.JOBS, **automation.JOBS, **views.JOBS,
    **events.JOBS, **home.JOBS, **pictures.JOBS, **quotes.JOBS, **stale.JOBS, **unfurl.JOBS,
    **shortcuts.JOBS, **share.JOBS, **edit.JOBS,
}  # fmt: skip


class RelaisApp(AsyncApp):
    """Bolt's app, carrying the runtime its listeners reach through their context."""

    runtime: Runtime

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """Every request, HTTP or Socket Mode: shape checked, replays answered as before.

        A Socket Mode request is taken in here as an HTTP one is in
        :meth:`SlackBot.handle`: it waits for room in a full backlog (one second
        at most) and holds work off while it is answered (see :mod:`bot.priority`).
        """
        if req.mode != "socket_mode":
            return await self.runtime.replays.dispatch(req, super().async_dispatch)
        why = shapes.problem(req.body)
        if why is not None:
            log.warning("event=slack_request_malformed mode=socket reason=%s", why)
            return BoltResponse(status=400, body="")
        async with self.runtime.acks.taken_in(time.monotonic()):
            return await self.runtime.replays.dispatch(req, super().async_dispatch)


async def on_listener_error(error: Exception) -> BoltResponse | None:
    """A payload a listener could not read is a 400 and one log line; the rest, a 500."""
    if isinstance(error, shapes.Malformed):
        log.warning("event=slack_request_malformed reason=%s", error)
        return BoltResponse(status=400, body="")
    log.error("event=slack_listener_failed error=%r", error, exc_info=error)
    return None


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
    app.error(on_listener_error)
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
        access_log.install(self.app, metrics)  # one line per interaction, both modes
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
        async with self.runtime.acks.taken_in(time.monotonic()):  # see bot.priority
            response, kind = await self._answer(request)
        self._count(kind, response.status, time.perf_counter() - started)
        return response

    async def _answer(self, request: web.Request) -> tuple[web.Response, str]:
        """Bolt's answer to a request the gate let in, or the gate's refusal."""
        try:
            bolt_request = await gate.admit(request, self.settings.slack_signing_secret)
        except gate.Refused as refused:
            _log_refusal(request, refused)
            return refused.response(), "other"
        if request.headers.get("X-Slack-Retry-Num"):
            log.info(
                "event=slack_retry num=%s reason=%s",
                request.headers.get("X-Slack-Retry-Num"),
                request.headers.get("X-Slack-Retry-Reason"),
            )
        bolt_response = await self.app.async_dispatch(bolt_request)
        kind = request_kind(bolt_request.body if isinstance(bolt_request.body, dict) else {})
        return await to_aiohttp_response(bolt_response), kind

    def _count(self, kind: str, status: int, seconds: float) -> None:
        if self.metrics is None:
            return
        outcome = "ok" if status < 400 else str(status)
        self.metrics.slack_requests.labels(kind=kind, outcome=outcome).inc()
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

    async def weekly_forecast(self) -> None:
        """The scheduler's tick: the team's weekly forecast chart, once its moment has come."""
        await pictures.weekly(self.runtime, clock.utcnow())

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


def _log_refusal(request: web.Request, refused: gate.Refused) -> None:
    """One line: forged or stale requests are routine (info), malformed ones are not."""
    level = logging.INFO if refused.status == 401 else logging.WARNING
    log.log(
        level, "event=slack_request_refused status=%d reason=%s peer=%s",
        refused.status, refused.reason, request.remote,
    )  # fmt: skip
