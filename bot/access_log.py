"""One log line per Slack interaction: who, what, the outcome, the milliseconds.

:func:`install` wraps the app's dispatch, so it sees every request Bolt dispatches, in
HTTP and Socket Mode alike, after the gate (a refused request is logged by the gate):
slash commands, button clicks, view submissions, menu suggestions, shortcuts and
events. A retry Slack sends of a request is a line of its own with ``retry=N``::

    event=slack_request kind=command user=U1 team=T1 what="/crm deal" outcome=ok status=200 ms=41.2

``what`` is the command and its first word, the action's ``action_id``, the view's
``callback_id`` or the event's type; ``outcome`` is ``ok`` below status 400, else the
status, or ``error`` when the listener chain raised. The time, from Bolt receiving the
request to its answer (the ack, since listeners ack first), also goes to the histogram
``relais_slack_request_seconds`` by kind.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from telemetry.metrics import Metrics

log = logging.getLogger("relais.slack")

KINDS = {
    "block_actions": "action",
    "view_submission": "view",
    "view_closed": "view_closed",
    "block_suggestion": "suggestion",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


def install(app: AsyncApp, metrics: Metrics | None = None) -> None:
    """Log (and time) every request ``app`` dispatches from now on.

    Bolt's global middleware runs before the listeners, not around them: so this wraps
    the app's ``async_dispatch``, which HTTP and Socket Mode both call.
    """
    dispatch = app.async_dispatch

    async def logged(req: AsyncBoltRequest) -> BoltResponse:
        started = time.perf_counter()
        outcome, status = "error", 500
        try:
            response = await dispatch(req)
            status = response.status
            outcome = "ok" if status < 400 else str(status)
            return response
        finally:
            seconds = time.perf_counter() - started
            kind, user, team, what = describe(req.body if isinstance(req.body, dict) else {})
            retry = _first(req.headers.get("x-slack-retry-num"))
            log.info(
                "event=slack_request kind=%s user=%s team=%s what=%s outcome=%s status=%d "
                "ms=%.1f%s",
                kind, user or "-", team or "-", json.dumps(what, ensure_ascii=False), outcome,
                status, seconds * 1000, f" retry={retry}" if retry else "",
            )  # fmt: skip
            if metrics is not None:
                metrics.slack_request_seconds.labels(kind=kind).observe(seconds)

    setattr(app, "async_dispatch", logged)  # noqa: B010 - this app only


def _first(values: Any) -> str:
    if isinstance(values, list | tuple):
        return str(values[0]) if values else ""
    return "" if values is None else str(values)


def describe(body: dict[str, Any]) -> tuple[str, str, str, str]:
    """(kind, user, team, what) of a request's body."""
    if "command" in body:
        words = str(body.get("text") or "").split()
        what = " ".join([str(body["command"]), *words[:1]])
        return "command", str(body.get("user_id", "")), str(body.get("team_id", "")), what
    kind = KINDS.get(str(body.get("type", "")), "other")
    user, team = _part(body, "user"), _part(body, "team")
    user_id, team_id = str(user.get("id", "")), str(team.get("id", body.get("team_id", "")))
    if kind == "event":
        event = _part(body, "event")
        return kind, str(event.get("user", user_id)), team_id, str(event.get("type", ""))
    return kind, user_id, team_id, _what(body)


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _what(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return str(actions[0].get("action_id", ""))
    view = body.get("view")
    if isinstance(view, dict) and "action_id" not in body:
        return str(view.get("callback_id", ""))
    return str(body.get("action_id") or body.get("callback_id") or "")
