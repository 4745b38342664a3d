"""``/crm stages``: admins manage stages; the engine's refusals reach them in words."""

from __future__ import annotations

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.bot.helpers import buttons, last_answer
from tests.fakes.slack import FakeSlack, SlackClient


async def stage_keys(relais: Engine) -> list[str]:
    return [s.key for s in (await relais.pipelines.get()).stages]


async def test_a_rep_may_not_manage_stages(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("stages add Relance 70", user="U_BOB")
    assert "Admins only" in (await last_answer(fake, bot)).text()
    assert "relance" not in await stage_keys(relais)


async def test_an_admin_adds_renames_weights_folds_moves_and_deletes(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await slack.command("stages", user="U_ADA")
    listing = await last_answer(fake, bot)
    assert "1. *Nouveau* (`nouveau`) — 10%" in listing.text()
    await slack.command("stages add Relance client 70", user="U_ADA")
    assert "Stages updated" in (await last_answer(fake, bot)).text()
    assert (await stage_keys(relais))[-1] == "relance_client"
    await slack.command('stages rename relance_client "Relance devis"', user="U_ADA")
    await slack.command("stages probability relance_client 75", user="U_ADA")
    await slack.command("stages move relance_client 5", user="U_ADA")
    await slack.command("stages fold relance_client", user="U_ADA")
    await last_answer(fake, bot)
    stage = (await relais.pipelines.get()).stage("relance_client")
    assert stage is not None
    assert (stage.name, stage.probability, stage.position, stage.folded) == (
        "Relance devis", 75, 5, True,
    )  # fmt: skip
    await slack.command("stages delete relance_client", user="U_ADA")
    await last_answer(fake, bot)
    assert "relance_client" not in await stage_keys(relais)


async def test_deleting_a_stage_that_holds_deals_is_refused_with_the_count(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await relais.deals.update(deal.id, {"archived": True}, Actor.cli())
    await slack.command("stages delete nouveau", user="U_ADA")
    answer = await last_answer(fake, bot)
    assert "“Nouveau” still holds 1 deal, archived or not" in answer.text()
    assert "nouveau" in await stage_keys(relais)


async def test_the_stage_menu_folds_and_reorders(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await slack.command("stages", user="U_ADA")
    listing = await last_answer(fake, bot)
    last = (await relais.pipelines.get()).stages[-1]  # menus name a stage by its id
    assert buttons(listing)["stage_menu:Move down"] == f"default|#{last.id}|down"
    # values of older versions (the stage's key) still work
    await slack.click("stage_menu", "default|nouveau|down", user="U_ADA", selected=True)
    redrawn = await last_answer(fake, bot)
    assert redrawn.params["replace_original"] is True
    assert (await stage_keys(relais))[:2] == ["estimation", "nouveau"]
    await slack.click("stage_menu", "default|perdu|unfold", user="U_ADA", selected=True)
    await last_answer(fake, bot)
    perdu = (await relais.pipelines.get()).stage("perdu")
    assert perdu is not None and not perdu.folded
