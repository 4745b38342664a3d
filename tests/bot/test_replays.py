"""The same signed request again does nothing and is answered as the first was.

Slack retries neither commands nor submissions; a copy sent byte for byte
within the five minutes its signature is accepted is someone else's doing
(a proxy, a replay). Real signed HTTP to the running service, assertions on
the database and on what the fake Slack was told.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.app import SlackBot
from bot.replays import KEEP
from engine import clock
from engine.actors import Actor
from engine.chat import store
from engine.core import Engine
from engine.crm.deals import DealDraft
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.bot.helpers import errors_of, shown_view
from tests.fakes.slack import TEAM, FakeSlack, SlackClient


async def deal_count(relais: Engine) -> int:
    return await relais.db.read(
        lambda c: int(c.execute("SELECT count(*) FROM deals").fetchone()[0])
    )


async def rows(relais: Engine, table: str) -> int:
    return await relais.db.read(
        lambda c: int(c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    )


def command_body(slack: SlackClient, text: str, trigger: str | None = None) -> str:
    return urlencode({
        "command": "/crm", "text": text, "user_id": "U_ALICE", "user_name": "alice",
        "team_id": TEAM, "channel_id": "C_SALES", "response_url": slack.fake.response_url("cmd"),
        "trigger_id": trigger or slack.trigger(),
    })  # fmt: skip


def submission_body(view: dict[str, Any], values: dict[str, str]) -> str:
    state = {
        block: {"value": {"type": "plain_text_input", "value": v}} for block, v in values.items()
    }
    payload = {
        "type": "view_submission", "user": {"id": "U_ALICE"}, "team": {"id": TEAM},
        "trigger_id": f"submit-{time.monotonic_ns()}",
        "view": {**view, "state": {"values": state}},
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)})


async def new_deal_form(slack: SlackClient, fake: FakeSlack, bot: SlackBot) -> dict[str, Any]:
    await slack.command("deal new")
    await bot.runtime.settle()
    return shown_view(fake)


async def test_a_command_sent_twice_creates_one_deal_and_is_answered_the_same(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    body = command_body(slack, "deal new Poêle rejoué 9000")
    headers = slack.headers(body)
    first = await slack.post(body, headers)
    again = await slack.post(body, headers)
    assert first == again == (200, "")
    await bot.runtime.settle()
    assert await deal_count(relais) == 1
    assert len(fake.of("response_url")) == 1  # the card, once
    assert await rows(relais, "slack_jobs") == 1


async def test_the_same_trigger_signed_again_is_the_same_command(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    body = command_body(slack, "deal new Poêle re-signé 9000", trigger="trigger-once")
    assert await slack.post(body, slack.headers(body)) == (200, "")
    resigned = slack.headers(body, timestamp=int(time.time()) - 30)
    assert await slack.post(body, resigned) == (200, "")
    await bot.runtime.settle()
    assert await deal_count(relais) == 1 and len(fake.of("response_url")) == 1


async def test_a_submission_sent_twice_creates_one_deal_and_is_answered_the_same(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    view = await new_deal_form(slack, fake, bot)
    body = submission_body(view, {"title": "Insert rejoué", "amount": "4500"})
    headers = slack.headers(body)
    first = await slack.post(body, headers)
    again = await slack.post(body, headers)
    assert first == again == (200, "")
    await bot.runtime.settle()
    (deal,) = await relais.deals.search("Insert rejoué")
    assert await deal_count(relais) == 1
    assert [c for c in fake.of("response_url") if f"#{deal.id}" in c.text()]
    assert len(fake.of("response_url")) == 1


async def test_copies_arriving_together_do_the_work_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    view = await new_deal_form(slack, fake, bot)
    body = submission_body(view, {"title": "Insert en rafale", "amount": "4500"})
    headers = slack.headers(body)
    answers = await asyncio.gather(*(slack.post(body, headers) for _ in range(5)))
    assert set(answers) == {(200, "")}
    await bot.runtime.settle()
    assert await deal_count(relais) == 1


async def test_a_refused_submission_sent_again_gets_the_same_errors(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    view = await new_deal_form(slack, fake, bot)
    body = submission_body(view, {"title": "Trop cher", "amount": "1" * 20})
    headers = slack.headers(body)
    first = await slack.post(body, headers)
    again = await slack.post(body, headers)
    assert first == again and first[0] == 200
    assert list(errors_of(first[1])) == ["amount"]
    assert await deal_count(relais) == 0


async def test_a_copy_sent_after_a_restart_does_nothing(tmp_path: Path, fake: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake)
    sent: list[tuple[str, dict[str, str]]] = []
    for round_ in range(2):
        service = Service(settings)
        await service.start()
        assert service.slack is not None and service.engine is not None
        url = f"http://127.0.0.1:{service.http_port}/slack/events"
        async with SlackClient(url, fake) as slack:
            if not sent:
                body = command_body(slack, "deal new Poêle après redémarrage 7000")
                sent.append((body, slack.headers(body)))
            assert await slack.post(*sent[0]) == (200, "")
            await service.slack.runtime.settle()
            count = await deal_count(service.engine)
        await service.stop()
        assert count == 1, f"round {round_}"
    assert len(fake.of("response_url")) == 1


async def test_requests_are_forgotten_after_an_hour(
    slack: SlackClient, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle gardé 1000")  # writes: kept
    await slack.command("deal new Insert gardé 2000")
    await bot.runtime.settle()
    assert await rows(relais, "slack_requests") == 2
    old = clock.to_db(clock.utcnow() - KEEP - timedelta(minutes=1))
    await relais.db.write(
        lambda tx: tx.execute(
            "UPDATE slack_requests SET received_at = ?"
            " WHERE id = (SELECT min(id) FROM slack_requests)",
            (old,),
        ),
        Actor.system("test"),
    )
    await bot.runtime.replays.prune()
    assert await rows(relais, "slack_requests") == 1
    keys = await relais.db.read(
        lambda c: c.execute("SELECT signature, trigger_id FROM slack_requests").fetchone()
    )
    assert await relais.db.read(lambda c: store.answered(c, (keys[0], keys[1]))) == store.Answer(
        200, ""
    )


async def test_a_read_sent_twice_answers_twice_and_writes_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    """A deal card only reads: no journal row, no claim; the copy just answers again."""
    deal = await relais.deals.create(DealDraft("Poêle lu", expected_revenue="5000"), Actor.cli())
    await bot.runtime.settle()
    jobs, requests = await rows(relais, "slack_jobs"), await rows(relais, "slack_requests")
    body = command_body(slack, f"deal {deal.id}")
    headers = slack.headers(body)
    assert await slack.post(body, headers) == await slack.post(body, headers) == (200, "")
    await bot.runtime.settle()
    cards = [c for c in fake.of("response_url") if "Poêle lu" in c.text()]
    assert len(cards) == 2
    assert await rows(relais, "slack_jobs") == jobs
    assert await rows(relais, "slack_requests") == requests


async def test_a_click_that_writes_sent_twice_is_done_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    """Claiming a deal writes: journaled and claimed, so its copy does nothing."""
    deal = await relais.deals.create(DealDraft("Poêle à prendre"), Actor.cli())
    payload = {
        "type": "block_actions", "user": {"id": "U_ALICE"}, "team": {"id": TEAM},
        "trigger_id": slack.trigger(), "channel": {"id": "C_SALES"},
        "response_url": fake.response_url("claim"), "container": {"type": "message"},
        "actions": [{"action_id": "deal_claim", "value": f"{deal.id}|{deal.version}"}],
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(payload)})
    headers = slack.headers(body)
    assert await slack.post(body, headers) == await slack.post(body, headers) == (200, "")
    await bot.runtime.settle()
    assert (await rows(relais, "slack_jobs"), await rows(relais, "slack_requests")) == (1, 1)
    claimed = await relais.deals.get(deal.id)
    assert claimed.version == deal.version + 1  # claimed once: the copy did not move it again
    assert fake.of("response_url") == []  # nor did it answer with a conflict
