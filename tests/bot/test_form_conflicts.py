"""A form submitted after its record moved on: the refusal shows the record as it is now.

The conflict's sentence says "here is the fresh card"; a deal's form had it, a
lead's did not. Both are submitted through signed HTTP to the Bolt app.
"""

from __future__ import annotations

import json

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.crm.leads import LeadDraft
from tests.bot.helpers import shown_view
from tests.fakes.slack import FakeSlack, SlackClient


async def test_a_stale_lead_form_shows_the_leads_fresh_card_and_saves_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead = await relais.leads.create(LeadDraft("Insert à Annecy"), Actor.cli())
    value = f"{lead.id}|{lead.version}|n"
    assert await slack.click("lead_disqualify", value, user="U_BOB") == (200, "")
    await bot.runtime.settle()
    view = shown_view(fake)
    await relais.leads.set_status(lead.id, "qualified", Actor.cli())
    status, body = await slack.submit(view, {"reason": "Hors zone"}, user="U_BOB")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"], ensure_ascii=False)
    assert f"#{lead.id}" in shown and "fresh card" in shown  # the sentence's promise…
    assert f"L-{lead.id}" in shown and "Insert à Annecy" in shown  # …kept
    assert "accessory" not in shown and '"actions"' not in shown  # read, not clicked
    assert (await relais.leads.get(lead.id)).status == "qualified"  # not disqualified
    assert fake.take_violations() == []
