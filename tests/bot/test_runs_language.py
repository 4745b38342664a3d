"""``/crm runs`` says why a run ended in the reader's language, whenever it was written
(issue #14): the reason is stored as the catalogue's key and parameters, and a reason
stored in English before that is still shown. Signed HTTP to the bot, the fake Slack."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from bot.app import SlackBot
from config.workflow_schema import parse_workflows
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from tests.bot.helpers import buttons, last_answer
from tests.fakes.slack import FakeSlack, SlackClient

BROKEN = """
workflows:
  - name: Broken
    trigger: {entity: deal, event: created}
    steps:
      - update: {values: {priority: 9}}
"""


@pytest.fixture
async def admins(relais: Engine) -> None:
    """Alice reads French, Ada English; both may see automation."""
    for name, email, slack_id, locale in (
        ("Alice Martin", "alice@example.com", "U_ALICE", "fr"),
        ("Ada Admin", "ada@example.com", "U_ADA", "en"),
    ):
        draft = UserDraft(name, email, slack_id, role="admin", locale=locale)
        await relais.users.upsert(draft, Actor.cli("test"))


async def a_run_failed(relais: Engine, bot: SlackBot) -> int:
    flows = parse_workflows(yaml.safe_load(BROKEN), "test.yaml")
    await relais.workflows.apply(flows, Actor.cli("test"))
    deal = DealDraft("Poêle", ContactDraft("Jean Dupont", "jean@dupont.fr"))
    await relais.deals.create(deal, Actor.cli("test"))
    async with asyncio.timeout(10):
        while not (found := await relais.workflows.runs(failed=True)):
            await bot.runtime.settle()
    return found[0].id


async def test_a_failed_run_reads_in_french_and_in_english(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, admins: None
) -> None:
    await a_run_failed(relais, bot)
    await slack.command("runs", user="U_ALICE")
    french = (await last_answer(fake, bot)).text()
    assert "valeurs refusées : priority : la priorité va de 0 à 3 étoiles" in french, french
    assert "invalid input" not in french
    await slack.command("runs", user="U_ADA")
    english = (await last_answer(fake, bot)).text()
    assert "invalid input: priority: priority is 0 to 3 stars" in english, english


async def test_a_runs_steps_say_the_error_in_french(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, admins: None
) -> None:
    await a_run_failed(relais, bot)
    await slack.command("runs", user="U_ALICE")
    listing = await last_answer(fake, bot)
    await slack.click("run_show", buttons(listing)["run_show"], user="U_ALICE")
    detail = (await last_answer(fake, bot)).text()
    assert "UpdateFields → *échec*" in detail
    assert detail.count("valeurs refusées") == 2, detail  # the reason, then the step's error
    assert "invalid input" not in detail


async def test_a_reason_stored_in_english_before_still_shows(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, admins: None
) -> None:
    run_id = await a_run_failed(relais, bot)
    await relais.db.write(
        lambda tx: tx.execute(
            "UPDATE workflow_runs SET reason = ? WHERE id = ?",
            ("the workflow was deactivated", run_id),
        ),
        Actor.cli("test"),
    )
    await slack.command("runs", user="U_ALICE")
    assert "l'automatisation a été désactivée" in (await last_answer(fake, bot)).text()
    await relais.db.write(
        lambda tx: tx.execute(
            "UPDATE workflow_runs SET reason = ? WHERE id = ?", ("odd old words", run_id)
        ),
        Actor.cli("test"),
    )
    await slack.command("runs", user="U_ALICE")
    assert "odd old words" in (await last_answer(fake, bot)).text()
