"""Backpressure in Socket Mode: envelopes are taken in as signed HTTP requests are.

A full backlog holds a new envelope's ack until a job is done, or one second
(``max_wait``) after it came in, whichever is first: never near Slack's three
seconds. Real service, real WebSocket to the fake Slack, real database (SQLite,
or PostgreSQL under ``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import SlackBot
from engine.actors import Actor
from engine.crm.deals import DealDraft
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.fakes.slack import APP_TOKEN, TEAM, Call, FakeSlack

DEADLINE = 5.0
SLACK_ACK_LIMIT = 3.0
_envelopes = itertools.count(1)


@pytest.fixture
async def socket_bot(tmp_path: Path, db_path: Path, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    settings = slack_settings(
        tmp_path, fake, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="",
        RELAIS_DATABASE=str(db_path),
    )  # fmt: skip
    service = Service(settings)
    await service.start()
    try:
        assert service.slack is not None
        await fake.wait_for("socket_connected")
        yield service.slack
    finally:
        await service.stop()


async def until(condition: Callable[[], bool], seconds: float = DEADLINE) -> None:
    """Wait for ``condition``, looking again each few milliseconds, failing past the deadline."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - a counter, no event to wait on
            await asyncio.sleep(0.005)


async def push_command(fake: FakeSlack, text: str) -> str:
    """One ``/crm`` over the socket; its envelope id."""
    envelope = f"env-{next(_envelopes)}"
    await fake.push({
        "envelope_id": envelope, "type": "slash_commands", "accepts_response_payload": True,
        "payload": {
            "command": "/crm", "text": text, "user_id": "U_BOB", "team_id": TEAM,
            "channel_id": "C_SALES", "response_url": fake.response_url("sock"),
            "trigger_id": f"trig-{envelope}",
        },
    })  # fmt: skip
    return envelope


def ack_of(fake: FakeSlack, envelope: str) -> Call | None:
    return next((c for c in fake.of("socket_ack") if c.params["envelope_id"] == envelope), None)


async def a_deal(bot: SlackBot) -> int:
    draft = DealDraft("Poêle Socket", expected_revenue="8000")
    deal = await bot.runtime.engine.deals.create(draft, Actor.cli())
    await bot.runtime.settle()
    return deal.id


def fill(bot: SlackBot, bound: int, max_wait: float) -> None:
    """A backlog at its bound: ``bound`` acknowledged jobs not done yet."""
    acks = bot.runtime.acks
    acks.bound, acks.max_wait = bound, max_wait
    for _ in range(bound):
        acks.queued()


async def test_a_full_backlog_holds_an_envelope_until_a_job_is_done(
    socket_bot: SlackBot, fake: FakeSlack
) -> None:
    deal_id = await a_deal(socket_bot)
    fill(socket_bot, bound=2, max_wait=2.5)
    envelope = await push_command(fake, f"deal {deal_id}")
    await until(lambda: socket_bot.runtime.acks.held == 1)  # it came in and waits for room
    assert ack_of(fake, envelope) is None
    released = time.monotonic()
    socket_bot.runtime.acks.done()  # one job finished: room for the waiting envelope
    await until(lambda: ack_of(fake, envelope) is not None)
    ack = ack_of(fake, envelope)
    assert ack is not None and ack.at - released < 2.0  # let in by the room, not the timeout
    socket_bot.runtime.acks.done()
    await socket_bot.runtime.settle()
    (card,) = fake.of("response_url")
    assert "Poêle Socket" in card.text()
    assert socket_bot.runtime.acks.backlog == 0


async def test_an_envelope_is_acked_anyway_after_the_maximum_wait(
    socket_bot: SlackBot, fake: FakeSlack
) -> None:
    fill(socket_bot, bound=1, max_wait=0.3)
    pushed = time.monotonic()
    envelope = await push_command(fake, "help")
    await until(lambda: ack_of(fake, envelope) is not None)
    ack = ack_of(fake, envelope)
    assert ack is not None
    assert 0.3 <= ack.at - pushed < SLACK_ACK_LIMIT  # held its maximum, acked in time
    assert socket_bot.runtime.acks.held == 1
    socket_bot.runtime.acks.done()
    await socket_bot.runtime.settle()
    assert "create a deal" in fake.of("response_url")[0].text()


async def test_a_burst_past_the_bound_is_all_acked_and_every_card_posted_once(
    socket_bot: SlackBot, fake: FakeSlack
) -> None:
    deal_id = await a_deal(socket_bot)
    socket_bot.runtime.acks.bound = 4
    envelopes = [await push_command(fake, f"deal {deal_id}") for _ in range(40)]
    await fake.wait_for("socket_ack", 40, seconds=20.0)
    await socket_bot.runtime.settle(20.0)
    acked = {c.params["envelope_id"] for c in fake.of("socket_ack")}
    assert acked == set(envelopes)
    cards: list[Any] = fake.of("response_url")
    hooks = {c.params["hook"] for c in cards}
    assert len(cards) == len(hooks) == 40  # one card per command, none twice
    assert all("Poêle Socket" in c.text() for c in cards)
    assert socket_bot.runtime.acks.peak >= 4  # the burst did fill the backlog
    assert socket_bot.runtime.acks.backlog == 0
