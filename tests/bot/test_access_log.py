"""With JSON logs, every Slack interaction is one JSON line: who, what, outcome, milliseconds."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.access_log import describe
from bot.app import SlackBot
from config.settings import Settings
from service.app import Service
from service.logs import configure_logging
from tests.bot.conftest import slack_settings
from tests.fakes.slack import FakeSlack, SlackClient


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack) -> Settings:
    return slack_settings(tmp_path, fake, RELAIS_LOG_FORMAT="json", RELAIS_LOG_LEVEL="INFO")


@pytest.fixture
def stderr(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the service logs, as `run.py serve` would configure it (JSON)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    configure_logging(settings)
    try:
        yield captured
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def lines(captured: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]


async def test_each_interaction_is_logged_once_as_json_with_its_fields(
    stderr: io.StringIO, service: Service, slack: SlackClient, bot: SlackBot
) -> None:
    await slack.command("help")
    await slack.command("deal list", user="U_BOB")
    await slack.click("activity_done", "999999|1")
    await slack.command("help", signature="v0=" + "0" * 64)  # refused by the gate: no dispatch
    await bot.runtime.settle()

    entries = lines(stderr)  # every line is one JSON object
    assert all({"at", "level", "logger"} <= set(entry) for entry in entries)
    started = [e for e in entries if e.get("event") == "started"]
    assert started and isinstance(started[0]["seconds"], float)
    requests = [e for e in entries if e.get("event") == "slack_request"]
    assert [(e["kind"], e["user"], e["what"], e["outcome"]) for e in requests] == [
        ("command", "U_ALICE", "/crm help", "ok"),
        ("command", "U_BOB", "/crm deal", "ok"),
        ("action", "U_ALICE", "activity_done", "ok"),
    ]
    assert all(isinstance(e["ms"], float) and e["ms"] >= 0 for e in requests)
    assert all(e["status"] == 200 and e["logger"] == "relais.slack" for e in requests)
    assert "message" not in requests[0]

    url = f"http://127.0.0.1:{service.http_port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        metrics = await response.text()
    assert 'relais_slack_request_seconds_count{kind="command"} 2.0' in metrics
    assert 'relais_slack_request_seconds_count{kind="action"} 1.0' in metrics


def test_what_a_request_is() -> None:
    assert describe({"command": "/crm", "text": "deal new X", "user_id": "U1"})[:2] == (
        "command",
        "U1",
    )
    view = {"type": "view_submission", "user": {"id": "U2"}, "view": {"callback_id": "deal_new"}}
    assert describe(view) == ("view", "U2", "", "deal_new")
    event = {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened"}}
    assert describe(event) == ("event", "", "T1", "app_home_opened")
    assert describe({}) == ("other", "", "", "")
