"""The real service with Slack enabled, in HTTP mode on loopback, against a fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import SlackBot
from config.settings import Settings, load_settings
from engine.actors import Actor
from engine.core import Engine
from engine.crm.users import UserDraft
from service.app import Service
from tests.conftest import on_the_test_database
from tests.fakes.slack import SECRET, TOKEN, FakeSlack, SlackClient

LEADS = "C_LEADS"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    slack.user("U_ALICE", "Alice Martin", "alice@example.com", "fr-FR", "Europe/Paris")
    slack.user("U_BOB", "Bob Durand", "bob@example.com", "en-US", "America/New_York")
    slack.user("U_ADA", "Ada Admin", "ada@example.com", "en-GB", "Europe/London")
    try:
        yield slack
    finally:
        await slack.stop()


def slack_settings(tmp_path: Path, fake: FakeSlack, **extra: str) -> Settings:
    return load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "bot.db"),
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_ENABLED": "false",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "RELAIS_SLACK_LEADS_CHANNEL": LEADS,
            **extra,
        },
        env_file=None,
    )


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack, db_path: Path) -> Settings:
    """The bot's service on the test's database: PostgreSQL under RELAIS_TEST_POSTGRES."""
    return slack_settings(tmp_path, fake, **on_the_test_database(db_path))


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    svc = Service(settings)
    await svc.start()
    assert svc.slack is not None
    svc.slack.runtime.outbox.base_delay = 0.05
    try:
        yield svc
    finally:
        await svc.stop()


@pytest.fixture
def bot(service: Service) -> SlackBot:
    assert service.slack is not None
    return service.slack


@pytest.fixture
def relais(service: Service) -> Engine:
    assert service.engine is not None
    return service.engine


@pytest.fixture
async def slack(service: Service, fake: FakeSlack) -> AsyncIterator[SlackClient]:
    url = f"http://127.0.0.1:{service.http_port}/slack/events"
    async with SlackClient(url, fake) as client:
        yield client


@pytest.fixture
async def ada(relais: Engine) -> Actor:
    """An admin, as the configuration would list her."""
    await relais.users.upsert(
        UserDraft("Ada Admin", "ada@example.com", "U_ADA", role="admin", locale="en"),
        Actor.cli("test"),
    )
    return await relais.users.actor_for("U_ADA", "slack")
