"""The Slack endpoint over real HTTP: signatures, age, acks, retries, health, metrics."""

from __future__ import annotations

import time

import aiohttp

from bot.app import SlackBot
from engine.core import Engine
from service.app import Service
from tests.fakes.slack import FakeSlack, SlackClient


async def deal_count(relais: Engine) -> int:
    return await relais.db.read(
        lambda c: int(c.execute("SELECT count(*) FROM deals").fetchone()[0])
    )


async def test_a_signed_command_is_acked_empty_then_answered(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    started = time.perf_counter()
    status, body = await slack.command("help")
    assert (status, body) == (200, "")
    assert time.perf_counter() - started < 1.0
    await bot.runtime.settle()
    (answer,) = fake.of("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert "/crm deal" in answer.text() and "Relais dans Slack" in answer.text()


async def test_a_forged_signature_gets_401_and_changes_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    status, _ = await slack.command("deal new Forged 1000", signature="v0=" + "0" * 64)
    assert status == 401
    await bot.runtime.settle()
    assert await deal_count(relais) == 0
    assert fake.of("response_url") == [] and fake.of("users.info") == []


async def test_a_stale_request_gets_401_and_changes_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    status, _ = await slack.command("deal new Replayed 1000", timestamp=six_minutes_ago)
    assert status == 401
    await bot.runtime.settle()
    assert await deal_count(relais) == 0
    assert fake.of("response_url") == []


async def test_a_request_without_signature_headers_gets_401(service: Service) -> None:
    url = f"http://127.0.0.1:{service.http_port}/slack/events"
    async with aiohttp.ClientSession() as http, http.post(url, data="command=/crm") as response:
        assert response.status == 401


async def test_a_retried_event_is_done_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    event = {"type": "app_home_opened", "user": "U_ALICE", "tab": "home", "channel": "D1"}
    first = await slack.event(event, "Ev0001")
    again = await slack.event(event, "Ev0001", retry=1)
    third = await slack.event(event, "Ev0001", retry=2)
    assert [first[0], again[0], third[0]] == [200, 200, 200]
    await bot.runtime.settle()
    assert len(fake.of("views.publish")) == 1
    await slack.event(event, "Ev0002")
    await bot.runtime.settle()
    assert len(fake.of("views.publish")) == 2


async def test_health_and_metrics_include_slack(
    service: Service, slack: SlackClient, bot: SlackBot
) -> None:
    await slack.command("help")
    await bot.runtime.settle()
    base = f"http://127.0.0.1:{service.http_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/healthz") as response:
            health = await response.json()
        async with http.get(base + "/metrics") as response:
            metrics = await response.text()
    assert health["components"]["slack"] is True
    assert 'relais_slack_requests_total{kind="command",outcome="ok"} 1.0' in metrics
    assert "relais_slack_ack_seconds_count 1.0" in metrics


async def test_auth_test_was_asked_once_at_start(fake: FakeSlack, bot: SlackBot) -> None:
    assert len(fake.of("auth.test")) == 1
    assert bot.identity["team_id"] == "T0TEST"
