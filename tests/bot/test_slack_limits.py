"""Configurations that grow past Block Kit's limits still work from Slack, end to end.

Every payload here goes through the fake Slack, which refuses (and fails the
test for) anything real Slack would refuse: a pipeline of 50 stages, a
checklist of 15 items, a choice of 200 characters, 150 choices, a form of 96
fields, a decimal percentage in a whole-number input.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app import SlackBot
from bot.blocks.stages import PAGE
from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.blueprints.model import During, InputField
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.pipelines import StageSpec
from tests.bot.helpers import button_named, errors_of, input_block, last_answer
from tests.bot.test_moves import card_of, open_move
from tests.fakes.slack import Call, FakeSlack, SlackClient

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"
LONG = ("Pose d'un poêle à granulés étanche " * 6).strip()  # 203 characters
ESTIMATE = "Estimer → Estimation"


async def with_estimate(relais: Engine, during: During) -> None:
    """The shipped blueprint, its first transition (Nouveau → Estimation) asking ``during``."""
    blueprint = load_blueprint_file(DEFAULT)
    first, *rest = blueprint.transitions
    changed = replace(blueprint, transitions=(replace(first, during=during), *rest))
    await relais.blueprints.save(changed, Actor.cli("test"))


async def estimate_form(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, **custom: Any
) -> tuple[int, dict[str, Any]]:
    deal = await relais.deals.create(DealDraft("Poêle limites", custom=custom), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    return deal.id, await open_move(slack, fake, bot, card, ESTIMATE, "U_ALICE")


async def stage_name(relais: Engine, deal_id: int) -> str:
    deal = await relais.deals.get(deal_id)
    return next(s.key for s in (await relais.pipelines.get()).stages if s.id == deal.stage_id)


# -- /crm stages -----------------------------------------------------------------------


def listed(call: Call) -> list[str]:
    """The stage keys a page of ``/crm stages`` lists."""
    return [
        b["text"]["text"].split("(`")[1].split("`)")[0]
        for b in call.params["blocks"]
        if b.get("accessory", {}).get("action_id") == "stage_menu"
    ]


async def test_a_pipeline_of_fifty_stages_is_listed_in_pages_and_every_stage_is_reachable(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    for n in range(44):  # 6 shipped stages + 44 = 50
        await relais.pipelines.add_stage(
            None, StageSpec(f"etape_{n:02d}", f"Étape {n:02d}", 50), ada
        )
    everything = [s.key for s in (await relais.pipelines.get()).stages]
    await slack.command("stages", user="U_ADA")
    first = await last_answer(fake, bot)
    assert len(first.params["blocks"]) <= 50
    assert listed(first) == everything[:PAGE]
    assert "Stages 1 to 40 of 50" in first.text()
    action_id, value = button_named(first, "Next ▶")
    await slack.click(action_id, value, user="U_ADA")
    second = await last_answer(fake, bot)
    assert second.params["replace_original"] is True
    assert listed(second) == everything[PAGE:]
    assert "Stages 41 to 50 of 50" in second.text()
    assert button_named(second, "◀ Previous")


async def test_a_stage_changed_on_the_second_page_is_shown_on_that_page(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    for n in range(44):
        await relais.pipelines.add_stage(
            None, StageSpec(f"etape_{n:02d}", f"Étape {n:02d}", 50), ada
        )
    await slack.command("stages fold etape_43", user="U_ADA")
    shown = await last_answer(fake, bot)
    assert "Stages updated" in shown.text() and "etape_43" in listed(shown)
    name = "Relance " + "très " * 60  # its key is cut to 64 characters, the menu holds ids
    await slack.command(f"stages add {name}70", user="U_ADA")
    added = await last_answer(fake, bot)
    assert listed(added)[-1].startswith("relance_tres_") and len(listed(added)[-1]) <= 64


# -- the move form -----------------------------------------------------------------------


async def test_a_checklist_of_fifteen_items_comes_in_groups_of_ten_and_is_submittable(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    items = tuple(f"Point de contrôle {n}" for n in range(15))
    await with_estimate(relais, During(checklist=items, note="required"))
    deal_id, view = await estimate_form(slack, fake, bot, relais)
    first, second = input_block(view, "checklist"), input_block(view, "checklist_2")
    assert [len(b["element"]["options"]) for b in (first, second)] == [10, 5]
    assert input_block(view, "note")["optional"] is False
    typed = {"checklist": [str(n) for n in range(10)], "checklist_2": [], "note": "Vu"}
    _, body = await slack.submit(view, typed)
    assert list(errors_of(body)) == ["checklist"]  # five items left unticked
    typed["checklist_2"] = [str(n) for n in range(10, 15)]
    assert await slack.submit(view, typed) == (200, "")
    await last_answer(fake, bot)
    assert await stage_name(relais, deal_id) == "estimation"


async def test_a_choice_of_two_hundred_characters_can_be_picked_and_saved(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    offer = InputField("offre", "Offre", "choice", field="custom.offre", options=(LONG, "Court"))
    await with_estimate(relais, During(fields=(offer,)))
    deal_id, view = await estimate_form(slack, fake, bot, relais)
    element = input_block(view, "f_offre")["element"]
    shown = element["options"][0]
    assert len(shown["text"]["text"]) <= 75 and shown["value"] == "#0"
    assert await slack.submit(view, {"f_offre": shown["value"]}) == (200, "")
    await last_answer(fake, bot)
    assert (await relais.deals.get(deal_id)).custom["offre"] == LONG


async def test_a_hundred_and_fifty_choices_are_searched_through_an_external_select(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    models = tuple(f"Modèle {n:03d}" for n in range(150))
    pick = InputField("modele", "Modèle", "choice", field="custom.modele", options=models)
    await with_estimate(relais, During(fields=(pick,)))
    deal_id, view = await estimate_form(slack, fake, bot, relais, modele="Modèle 007")
    element = input_block(view, "f_modele")["element"]
    assert element["type"] == "external_select" and "options" not in element
    assert element["initial_option"]["text"]["text"] == "Modèle 007"
    assert len(await slack.suggest(view, "f_modele")) == 100  # nothing typed: the first 100
    found = await slack.suggest(view, "f_modele", "modèle 14")
    assert [o["text"]["text"] for o in found] == [f"Modèle {n}" for n in range(140, 150)]
    assert await slack.submit(view, {"f_modele": found[-1]["value"]}) == (200, "")
    await last_answer(fake, bot)
    assert (await relais.deals.get(deal_id)).custom["modele"] == "Modèle 149"


async def test_a_searched_choice_answers_no_options_when_its_form_is_gone(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    models = tuple(f"Modèle {n:03d}" for n in range(150))
    pick = InputField("modele", "Modèle", "choice", field="custom.modele", options=models)
    await with_estimate(relais, During(fields=(pick,)))
    _, view = await estimate_form(slack, fake, bot, relais)
    meta = {**json.loads(view["private_metadata"]), "deal": 99999}  # deleted meanwhile
    gone = {**view, "private_metadata": json.dumps(meta)}
    assert await slack.suggest(gone, "f_modele", "1") == []


async def test_a_form_of_many_fields_keeps_its_required_note_and_is_submittable(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    fields = tuple(
        InputField(f"q{n:02d}", f"Question {n}", "text", required=False) for n in range(96)
    )
    await with_estimate(relais, During(fields=fields, note="required", message="Tout lire."))
    deal_id, view = await estimate_form(slack, fake, bot, relais)
    assert len(view["blocks"]) == 99 and view["blocks"][-1]["block_id"] == "note"
    _, body = await slack.submit(view, {"note": ""})
    assert list(errors_of(body)) == ["note"]
    assert await slack.submit(view, {"note": "Fait", "f_q95": "oui"}) == (200, "")
    await last_answer(fake, bot)
    assert await stage_name(relais, deal_id) == "estimation"


async def test_a_decimal_percentage_is_offered_rounded_in_a_whole_number_input(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    rate = InputField("taux", "Taux de remise", "percentage", field="custom.taux")
    await with_estimate(relais, During(fields=(rate,)))
    deal_id, view = await estimate_form(slack, fake, bot, relais, taux=12.5)
    element = input_block(view, "f_taux")["element"]
    assert element["is_decimal_allowed"] is False and element["initial_value"] == "13"
    assert await slack.submit(view, {"f_taux": element["initial_value"]}) == (200, "")
    await last_answer(fake, bot)
    assert (await relais.deals.get(deal_id)).custom["taux"] == 13
