"""A form whose trigger died under load: a warning, one ``views.open``, a way to open it again.

The fake Slack ages a trigger id ending in ``@<unix ms>`` as Slack does (three
seconds), so a click that reaches the form after that is refused with
``expired_trigger_id``, exactly what a saturated service meets. Signed HTTP to
the running service; SQLite, or PostgreSQL under ``RELAIS_TEST_POSTGRES``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import jobs
from bot.app import SlackBot
from config.settings import Settings
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.bot.conftest import slack_settings
from tests.bot.helpers import buttons, last_answer, shown_view
from tests.fakes.slack import TEAM, FakeSlack, SlackClient


@pytest.fixture
def settings(tmp_path: Path, db_path: Path, fake: FakeSlack) -> Settings:
    return slack_settings(tmp_path, fake, RELAIS_DATABASE=str(db_path))


def expired_trigger() -> str:
    """A trigger Slack issued four seconds ago: it lived three."""
    return f"late@{int((time.time() - 4) * 1000)}"


def click(fake: FakeSlack, action_id: str, value: str, trigger: str) -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": "U_BOB"}, "team": {"id": TEAM},
        "trigger_id": trigger, "channel": {"id": "C_SALES"}, "container": {"type": "message"},
        "response_url": fake.response_url("late"),
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}],
    }  # fmt: skip


def slack_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "relais.slack" and r.levelno == level
    ]


async def test_a_loading_modal_too_late_is_a_warning_and_offers_the_form_again(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Past the budget the loading modal takes the trigger; a dead one stops the job cleanly."""
    deal = await relais.deals.create(DealDraft("Poêle en retard"), Actor.cli())
    monkeypatch.setattr(jobs, "MODAL_BUDGET", 0.0)  # the loading modal, at once
    caplog.set_level(logging.INFO, "relais.slack")

    status, _ = await slack.interact(click(fake, "deal_log", str(deal.id), expired_trigger()))

    assert status == 200
    answer = await last_answer(fake, bot)
    assert len(fake.of("views.open")) == 1  # the loading modal's try, no doomed second one
    assert fake.views == {}
    assert "Relais is very busy right now" in answer.text()
    assert buttons(answer) == {"deal_log": str(deal.id)}  # the very button, again
    warned = [m for m in slack_lines(caplog, logging.WARNING) if "slack_form_too_late" in m]
    assert len(warned) == 1 and "error=expired_trigger_id" in warned[0]
    assert "kind=deal_log" in warned[0]
    assert slack_lines(caplog, logging.ERROR) == []

    await slack.click("deal_log", buttons(answer)["deal_log"], user="U_BOB")  # a fresh trigger
    await bot.runtime.settle()
    assert shown_view(fake)["callback_id"] == "deal_log"  # (loading first: no budget here)


async def test_a_form_ready_after_its_trigger_died_tells_the_command_to_type_again(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    """No loading modal (ready within the budget) but the trigger is dead: the same outcome."""
    caplog.set_level(logging.INFO, "relais.slack")
    body = {
        "command": "/crm", "text": "deal new", "user_id": "U_ALICE", "team_id": TEAM,
        "channel_id": "C_SALES", "response_url": fake.response_url("cmd"),
        "trigger_id": expired_trigger(),
    }  # fmt: skip
    encoded = urlencode(body)
    assert (await slack.post(encoded, slack.headers(encoded)))[0] == 200

    answer = await last_answer(fake, bot)
    assert len(fake.of("views.open")) == 1
    assert "Tapez à nouveau /crm deal new." in answer.text()  # Alice reads French
    assert any("slack_form_too_late" in m for m in slack_lines(caplog, logging.WARNING))
    assert slack_lines(caplog, logging.ERROR) == []
