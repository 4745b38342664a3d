"""``/crm stages delete`` on a governed pipeline: the blueprint's refusal reaches the admin."""

from __future__ import annotations

from bot.app import SlackBot
from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.core import Engine
from tests.bot.helpers import last_answer
from tests.config.helpers import SHIPPED
from tests.fakes.slack import FakeSlack, SlackClient


async def test_deleting_a_stage_the_blueprint_names_is_refused(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await relais.blueprints.save(load_blueprint_file(SHIPPED / "blueprints/default.yaml"), ada)
    await slack.command("stages delete devis", user="U_ADA")
    answer = (await last_answer(fake, bot)).text()
    assert 'stage "devis" is used by blueprint "Installation de poêle"' in answer
    assert "(transitions envoyer_devis, signer, classer_sans_suite; its time limit)" in answer
    assert (await relais.pipelines.get()).stage("devis") is not None
