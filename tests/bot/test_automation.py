"""Admins see automation from Slack: workflows, recent runs, one run's steps; and what
workflows say reaches Slack through the engine's outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import SlackBot
from config.workflow_schema import load_workflows
from engine.actors import Actor
from engine.core import Engine
from tests.bot.conftest import LEADS
from tests.bot.helpers import buttons, last_answer
from tests.bot.test_notifications import lead_from_mail
from tests.fakes.slack import FakeSlack, SlackClient

CONFIG = Path(__file__).resolve().parents[2] / "config"


async def a_lead_ran_the_default_workflow(relais: Engine, bot: SlackBot) -> None:
    await relais.workflows.apply(load_workflows(CONFIG), Actor.cli("test"))
    await lead_from_mail(relais)
    async with asyncio.timeout(5):
        while not await relais.workflows.runs(failed=False):
            await bot.runtime.settle()
    await bot.runtime.settle()


async def test_recent_runs_and_one_runs_steps(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await a_lead_ran_the_default_workflow(relais, bot)
    await slack.command("runs", user="U_ADA")
    listing = await last_answer(fake, bot)
    assert "Recent automation runs" in listing.text()
    assert "Nouveau lead par e-mail" in listing.text() and "succeeded" in listing.text()
    await slack.click("run_show", buttons(listing)["run_show"], user="U_ADA")
    detail = await last_answer(fake, bot)
    assert "Notify" in detail.text() and "CreateActivity → *done*" in detail.text()


async def test_what_a_workflow_says_reaches_the_leads_channel(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await a_lead_ran_the_default_workflow(relais, bot)
    said = [c.text() for c in fake.of("chat.postMessage") if c.params["channel"] == LEADS]
    assert any("📨 Nouveau lead par e-mail : Devis poêle à granulés" in text for text in said)
    # one outbox: the lead's notice is delivered beside it, the workflow's notice is the engine's
    delivered = await relais.outbox.messages(status="delivered", lane="slack")
    (message,) = [m for m in delivered if m.form == "notification"]
    assert message.kind == "notification"


async def test_an_admin_switches_a_workflow_off(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await relais.workflows.apply(load_workflows(CONFIG), Actor.cli("test"))
    await slack.command("workflows", user="U_ADA")
    listing = await last_answer(fake, bot)
    assert "Relance du devis" in listing.text() and "Never ran" in listing.text()
    await slack.click("workflow_toggle", "Relance du devis|off", user="U_ADA")
    redrawn = await last_answer(fake, bot)
    assert redrawn.params["replace_original"] is True
    assert not (await relais.workflows.get("Relance du devis")).active


async def test_reps_do_not_see_automation(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("runs", user="U_BOB")
    assert "Admins only" in (await last_answer(fake, bot)).text()
