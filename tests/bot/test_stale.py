"""Buttons, forms and searches from an older version: 200, and the person is told.

Before, an ``action_id`` no listener knew answered 404 and Slack showed an
error icon. Now the click is acknowledged and the person who clicked is told,
privately through the response_url and in their language, that the button is
out of date.
"""

from __future__ import annotations

import json

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.bot.helpers import answers
from tests.fakes.slack import TEAM, FakeSlack, SlackClient


async def test_an_unknown_button_is_acknowledged_and_explained_in_each_language(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    assert await slack.click("deal_frobnicate", "42|3", user="U_ALICE") == (200, "")
    assert await slack.click("v1_old_button", "x", user="U_BOB") == (200, "")
    alice, bob = await answers(fake, bot)
    assert (
        alice.params["response_type"] == "ephemeral" and bob.params["response_type"] == "ephemeral"
    )
    assert "Ce bouton n'est plus à jour" in alice.text()
    assert "This button is out of date" in bob.text()
    assert alice.params["hook"].startswith("act-") and bob.params["hook"].startswith("act-")


async def test_an_unknown_button_on_the_home_tab_is_explained_privately(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    assert await slack.click("home_old", "x", user="U_BOB", container="view") == (200, "")
    await bot.runtime.settle()
    (dm,) = fake.of("chat.postMessage")
    assert dm.params["channel"] == "DU_BOB" and "This button is out of date" in dm.text()


async def test_a_button_of_a_deleted_deal_says_it_is_gone(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle effacé"), Actor.cli())
    assert await slack.click("deal_show", str(deal.id + 1000), user="U_BOB") == (200, "")
    (answer,) = await answers(fake, bot)
    assert "Not found" in answer.text()


async def test_a_form_of_unknown_kind_is_answered_with_an_out_of_date_view(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    view = {
        "type": "modal", "callback_id": "deal_new_v0", "private_metadata": "",
        "title": {"type": "plain_text", "text": "Old"}, "blocks": [],
    }  # fmt: skip
    status, body = await slack.interact(
        {"type": "view_submission", "user": {"id": "U_BOB"}, "team": {"id": TEAM}, "view": view}
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "update"
    assert "This form is out of date" in json.dumps(answer["view"])
    assert answer["view"]["title"]["text"] == "Out-of-date form"


async def test_a_search_of_an_unknown_select_gets_no_options(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    status, body = await slack.interact({
        "type": "block_suggestion", "user": {"id": "U_BOB"}, "team": {"id": TEAM},
        "action_id": "old_picker", "block_id": "b", "value": "po",
    })  # fmt: skip
    assert (status, json.loads(body)) == (200, {"options": []})
