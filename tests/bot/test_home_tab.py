"""The App Home tab through signed HTTP: my day, my deals by stage, leads to claim.

A claim assigns the lead through the engine; someone faster gets a kind note, not
an error; a burst of changes republishes each open tab once (the fake's payload
validation stays on: ``stop()`` fails a test whose view Slack would refuse).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import SlackBot
from bot.blocks import home as home_blocks
from engine.actors import Actor
from engine.api import clock
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from tests.fakes.block_limits import view_problems
from tests.fakes.slack import FakeSlack, SlackClient

CLI = Actor.cli("test")


def claim_buttons(view: dict[str, Any]) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == "home_claim"
    ]


async def open_home(slack: SlackClient, bot: SlackBot, user: str, event_id: str) -> None:
    await slack.event({"type": "app_home_opened", "user": user, "tab": "home"}, event_id)
    await bot.runtime.settle()


async def test_home_shows_my_day_my_deals_and_leads_to_claim_and_a_claim_takes_one(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await open_home(slack, bot, "U_ALICE", "EvHome1")
    alice = await relais.users.actor_for("U_ALICE", "slack")
    deal = await relais.deals.create(DealDraft("Poêle Dupont", expected_revenue="7500"), alice)
    due = clock.utcnow() - timedelta(hours=1)
    await relais.activities.create(
        ActivityDraft("call", "Rappeler Dupont", due_at=due, deal_id=deal.id), alice
    )
    leads = [await relais.leads.create(LeadDraft(f"Piste {n}"), CLI) for n in range(12)]
    await bot.runtime.settle()

    view = fake.of("views.publish")[-1].params["view"]
    assert view_problems(view) == [] and len(view["blocks"]) <= home_blocks.HOME_BLOCKS
    text = fake.of("views.publish")[-1].text()
    assert "Ma journée" in text and "Rappeler Dupont" in text and "Fait" in text
    assert "Mes affaires en cours" in text and "Poêle Dupont" in text
    assert "7 500,00 €" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Pistes à prendre" in text and "2 de plus" in text
    assert "/crm search" in text
    values = claim_buttons(view)
    assert len(values) == home_blocks.MAX_LEADS
    newest = leads[-1]
    assert values[0] == f"{newest.id}|{newest.version}"

    published = len(fake.of("views.publish"))
    await slack.click("home_claim", values[0], user="U_ALICE", container="view")
    await bot.runtime.settle()
    assert (await relais.leads.get(newest.id)).owner_id == alice.user_id
    assert len(fake.of("views.publish")) == published + 1  # the lead's event, once
    assert f"{newest.id}|" not in str(claim_buttons(fake.of("views.publish")[-1].params["view"]))


async def test_a_lead_claimed_meanwhile_is_a_kind_note_not_an_error(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await open_home(slack, bot, "U_ALICE", "EvHome2")
    await relais.users.upsert(UserDraft("Bob Durand", "bob@example.com", "U_BOB"), CLI)
    bob = await relais.users.actor_for("U_BOB", "slack")
    lead = await relais.leads.create(LeadDraft("Insert Morel"), CLI)
    await bot.runtime.settle()
    (value,) = claim_buttons(fake.of("views.publish")[-1].params["view"])
    await relais.leads.assign(lead.id, bob.user_id or 0, bob)  # Bob was faster
    await slack.click("home_claim", value, user="U_ALICE", container="view")
    await bot.runtime.settle()
    assert (await relais.leads.get(lead.id)).owner_id == bob.user_id
    said = fake.said()
    assert f"Bob Durand a pris la piste n° {lead.id} juste avant vous." in said
    assert "⚠️" not in said and "inattendu" not in said.lower()


async def test_a_burst_of_changes_republishes_the_home_tab_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await open_home(slack, bot, "U_BOB", "EvHome3")
    bob = await relais.users.actor_for("U_BOB", "slack")
    published = len(fake.of("views.publish"))
    deals = [
        await relais.deals.create(DealDraft(f"Deal {n}", expected_revenue="100"), bob)
        for n in range(3)
    ]
    for deal in deals[:2]:
        await relais.deals.update(deal.id, {"expected_revenue": "250"}, bob)
    await bot.runtime.settle()
    assert len(fake.of("views.publish")) == published + 1
    last = fake.of("views.publish")[-1]
    assert last.params["user_id"] == "U_BOB" and "Deal 2" in last.text()
    assert "My open deals" in last.text() and "$" not in last.text()  # Bob reads euros in English


async def test_done_on_the_home_tab_redraws_it_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await open_home(slack, bot, "U_ALICE", "EvHome4")
    alice = await relais.users.actor_for("U_ALICE", "slack")
    deal = await relais.deals.create(DealDraft("Insert Morel"), alice)
    due = clock.utcnow() - timedelta(minutes=5)
    draft = ActivityDraft("call", "Appel Morel", due_at=due, deal_id=deal.id)
    item = await relais.activities.create(draft, alice)
    await bot.runtime.settle()
    published = len(fake.of("views.publish"))
    assert "Appel Morel" in fake.of("views.publish")[-1].text()
    await slack.click("activity_done", f"{item.id}|{item.version}", container="view")
    await bot.runtime.settle()
    assert (await relais.activities.get(item.id)).done
    assert len(fake.of("views.publish")) == published + 1
    assert "Appel Morel" not in fake.of("views.publish")[-1].text()
