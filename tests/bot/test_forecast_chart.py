"""``/crm forecast`` and the weekly team forecast: a PNG chart uploaded in Slack's three
steps (``files.getUploadURLExternal``, the POST, ``files.completeUploadExternal``), in the
reader's language; the fake records the bytes and refuses what Slack refuses."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import SlackBot
from bot.listeners import pictures
from charts.forecast import HEIGHT, WIDTH
from engine.core import Engine
from engine.crm.deals import DealDraft
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.bot.helpers import last_answer
from tests.fakes.slack import TOKEN, FakeSlack, SlackClient

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and its first chunk, IHDR."""
    assert data[:8] == PNG, data[:16]
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def uploaded(fake: FakeSlack) -> tuple[bytes, dict[str, object]]:
    """The bytes of the last file shared, and how it was shared."""
    (complete,) = fake.of("files.completeUploadExternal")[-1:]
    file_id = complete.params["files"][0]["id"]
    return fake.uploads[file_id], {**complete.params, **fake.files[file_id]}


async def test_crm_forecast_uploads_the_chart_to_the_rep_in_french(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("help")
    await bot.runtime.settle()
    alice = await relais.users.actor_for("U_ALICE", "slack")
    await relais.deals.create(DealDraft("Poêle Dupont", expected_revenue="7500"), alice)
    await slack.command("forecast")
    answer = await last_answer(fake, bot)
    assert "Le graphique des prévisions est dans vos messages directs." in answer.text()
    data, shared = uploaded(fake)
    assert png_size(data) == (WIDTH, HEIGHT)
    assert shared["channel_id"] == "DU_ALICE" and shared["length"] == len(data)
    assert shared["title"] == "Prévisions — Pipeline"
    assert "750,00" in str(shared["initial_comment"])  # 7 500 € × 10 %, French format


async def test_crm_forecast_speaks_english_to_an_english_reader(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("forecast", user="U_BOB")
    answer = await last_answer(fake, bot)
    assert "The forecast chart is in your direct messages." in answer.text()
    data, shared = uploaded(fake)
    assert png_size(data) == (WIDTH, HEIGHT)
    assert shared["title"] == "Forecast — Pipeline" and shared["channel_id"] == "DU_BOB"
    assert "€0.00" in str(shared["initial_comment"])


async def test_the_fake_refuses_an_unknown_file_and_a_size_mismatch(fake: FakeSlack) -> None:
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(token=TOKEN, base_url=fake.api_url, session=http)
        with pytest.raises(SlackApiError, match="file_not_found"):
            await client.files_completeUploadExternal(files=[{"id": "F99999"}])
        step = await client.files_getUploadURLExternal(filename="x.png", length=10)
        async with http.post(str(step["upload_url"]), data=b"12345") as response:
            assert response.status == 200
        with pytest.raises(SlackApiError, match="invalid_arguments"):
            await client.files_completeUploadExternal(files=[{"id": step["file_id"]}])
    assert len(fake.take_violations()) == 2


@pytest.fixture
async def team_service(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Service]:
    svc = Service(slack_settings(tmp_path, fake, RELAIS_SLACK_TEAM_CHANNEL="C_TEAM"))
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


async def test_the_team_gets_the_chart_on_monday_once_a_week(
    team_service: Service, fake: FakeSlack
) -> None:
    assert team_service.slack is not None
    runtime = team_service.slack.runtime
    sunday = datetime(2026, 12, 6, 12, tzinfo=UTC)
    monday_early = datetime(2026, 12, 7, 5, tzinfo=UTC)  # 06:00 in Paris, before 08:00
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert not await pictures.weekly(runtime, sunday)
    assert not await pictures.weekly(runtime, monday_early)
    assert await pictures.weekly(runtime, monday)
    assert not await pictures.weekly(runtime, monday.replace(hour=15))  # the same week: once
    await runtime.settle()
    data, shared = uploaded(fake)
    assert png_size(data) == (WIDTH, HEIGHT)
    assert shared["channel_id"] == "C_TEAM" and len(fake.of("files.completeUploadExternal")) == 1
