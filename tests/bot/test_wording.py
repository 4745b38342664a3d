"""Slack speaks the reader's language in one piece: runs, plurals, refusals, modal titles.

Each through the real interface: a signed request to the Bolt app, the answer read
from the recording fake Slack.
"""

from __future__ import annotations

import asyncio

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from tests.bot.helpers import button_named, last_answer
from tests.bot.test_moves import card_of
from tests.bot.test_notifications import disqualify_form
from tests.fakes.slack import FakeSlack, SlackClient
from tests.workflows.conftest import flows

NOT_MET = """
workflows:
  - name: Gros devis
    trigger: {entity: deal, event: created}
    steps:
      - if: {field: expected_revenue, op: ge, value: 10000}
      - notify: {text: "{deal.title}"}
"""


async def french_admin(relais: Engine, fake: FakeSlack) -> Actor:
    fake.user("U_ZOE", "Zoé Admin", "zoe@example.com", "fr-FR", "Europe/Paris")
    await relais.users.upsert(
        UserDraft("Zoé Admin", "zoe@example.com", "U_ZOE", role="admin", locale="fr"),
        Actor.cli("test"),
    )
    return await relais.users.actor_for("U_ZOE", "slack")


async def test_a_condition_not_met_reads_in_french_with_its_step_numbered(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await french_admin(relais, fake)
    await relais.workflows.apply(flows(NOT_MET), Actor.cli("test"))
    await relais.deals.create(DealDraft("Poêle", expected_revenue="500"), Actor.cli("test"))
    async with asyncio.timeout(5):
        while not await relais.workflows.runs():
            await bot.runtime.settle()
    await slack.command("runs", user="U_ZOE")
    said = (await last_answer(fake, bot)).text()
    assert "étape 1 : condition non remplie : " in said
    assert "steps[0]" not in said and "not met" not in said


async def test_counts_read_1_affaire_and_2_affaires(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    alice = await relais.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE", locale="fr"), Actor.cli("test")
    )
    for title in ("Poêle", "Insert", "Cheminée"):
        draft = DealDraft(title, expected_revenue="1000", owner=alice.id)
        await relais.deals.create(draft, Actor.cli("test"))
    deal = (await relais.deals.search("Cheminée"))[0]
    await relais.deals.move(deal.id, "devis", Actor.cli("test"))
    await slack.command("pipeline", user="U_ALICE")
    said = (await last_answer(fake, bot)).text()
    assert "— 1 affaire ·" in said and "— 2 affaires ·" in said
    assert "affaire(s)" not in said and "Total : 3 affaires" in said


async def test_a_refused_disqualification_keeps_the_forms_title(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead_id, view = await disqualify_form(slack, fake, bot, relais)
    title = view["title"]["text"]
    await relais.leads.set_status(lead_id, "contacted", Actor.cli("test"))  # meanwhile
    status, body = await slack.submit(view, {"reason": "Hors zone"})
    assert status == 200 and '"response_action": "update"' in body.replace('":"', '": "')
    assert title in body and "Move the deal" not in body and "Déplacer l'affaire" not in body
    assert "Quelqu" in body  # the refusal itself, in French


async def test_a_conflict_names_the_fields_by_their_labels(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await relais.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE", locale="fr"), Actor.cli("test")
    )
    deal = await relais.deals.create(DealDraft("Poêle disputé"), Actor.cli())
    card = await card_of(slack, fake, bot, deal.id, "U_ALICE")
    await relais.deals.move(deal.id, "estimation", Actor.cli())
    action_id, value = button_named(card, "Devis")
    await slack.click(action_id, value, user="U_ALICE")
    said = (await last_answer(fake, bot)).text()
    assert "Quelqu'un d'autre a modifié l'affaire n° 1 entre-temps (Étape, " in said
    assert "stage_id" not in said and "stage_entered_at" not in said
