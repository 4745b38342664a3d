"""Socket Mode: the same app over a WebSocket, envelopes acked, retries done once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import SlackBot
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.fakes.slack import APP_TOKEN, FakeSlack


@pytest.fixture
async def socket_bot(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    service = Service(settings)
    await service.start()
    try:
        assert service.slack is not None
        await fake.wait_for("socket_connected")
        yield service.slack
    finally:
        await service.stop()


async def test_a_command_over_socket_mode_is_acked_and_answered(
    socket_bot: SlackBot, fake: FakeSlack
) -> None:
    assert fake.of("apps.connections.open")
    assert await socket_bot.healthy()
    await fake.push({
        "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
        "payload": {
            "command": "/crm", "text": "help", "user_id": "U_BOB", "team_id": "T0TEST",
            "channel_id": "C_SALES", "response_url": fake.response_url("socket"),
        },
    })  # fmt: skip
    acks = await fake.wait_for("socket_ack")
    assert acks[0].params["envelope_id"] == "env-1"
    await fake.wait_for("response_url")
    assert "create a deal" in fake.of("response_url")[0].text()


async def test_a_redelivered_event_envelope_is_done_once(
    socket_bot: SlackBot, fake: FakeSlack
) -> None:
    event = {
        "type": "event_callback", "team_id": "T0TEST", "event_id": "EvS1",
        "event": {"type": "app_home_opened", "user": "U_BOB", "tab": "home"},
    }  # fmt: skip
    await fake.push({"envelope_id": "env-2", "type": "events_api", "payload": event})
    await fake.push({
        "envelope_id": "env-3", "type": "events_api", "payload": event,
        "retry_attempt": 1, "retry_reason": "timeout",
    })  # fmt: skip
    await fake.wait_for("socket_ack", 2)
    await socket_bot.runtime.settle()
    assert len(fake.of("views.publish")) == 1
