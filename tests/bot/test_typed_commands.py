"""``/crm`` quick lines read amounts and moments as people type them (issue #14).

Signed HTTP to the Bolt app, answers from the recording fake Slack: Alice reads
French in Paris, Bob English in New York.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bot.app import SlackBot
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.bot.helpers import last_answer
from tests.fakes.slack import FakeSlack, SlackClient

PARIS = clock.zone("Europe/Paris")


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = clock.utcnow().astimezone(PARIS).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


async def test_a_quick_deal_reads_the_amount_with_its_spaces_and_symbol(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle 7 500")
    created = await last_answer(fake, bot)
    (deal,) = await relais.deals.search("Poêle")
    assert (deal.title, deal.expected_revenue) == ("Poêle", Decimal("7500.00"))
    assert "7\u202f500,00\u00a0€" in created.text()
    await slack.command("deal new Insert Invicta 7 500 €")
    await last_answer(fake, bot)
    (insert,) = await relais.deals.search("Insert Invicta")
    assert (insert.title, insert.expected_revenue) == ("Insert Invicta", Decimal("7500.00"))
    await slack.command("deal new Tubage 7,5 k€", user="U_BOB")
    await last_answer(fake, bot)
    (tubage,) = await relais.deals.search("Tubage")
    assert tubage.expected_revenue == Decimal("7500.00")


async def test_an_ambiguous_amount_is_asked_about_and_nothing_is_created(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle 7,500")
    answer = (await last_answer(fake, bot)).text()
    assert "peut se lire 7,5 ou 7 500" in answer
    assert await relais.deals.search("Poêle") == []


async def test_a_todo_reads_tomorrow_at_nine_in_every_way_it_is_typed(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await slack.command(f"todo {deal.id} demain 9:00 Rappeler")
    assert "Rappeler" in (await last_answer(fake, bot)).text()
    await slack.command(f"todo {deal.id} demain à 9h Rappeler le client")
    answer = (await last_answer(fake, bot)).text()
    assert "09:00" in answer and "à 9h" not in answer
    tasks = [a for a in await relais.activities.on_record("deal", deal.id) if a.kind == "task"]
    assert sorted(a.subject for a in tasks) == ["Rappeler", "Rappeler le client"]
    assert {a.due_at for a in tasks} == {tomorrow_at(9)}


async def test_a_todo_on_a_french_date_or_a_weekday(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await slack.command(f"todo {deal.id} 20/06/2027 Visite technique")
    assert "20/06/2027 09:00" in (await last_answer(fake, bot)).text()
    await slack.command(f"todo {deal.id} lundi Relancer")
    assert "Relancer" in (await last_answer(fake, bot)).text()
    tasks = {a.subject: a for a in await relais.activities.on_record("deal", deal.id)}
    visit = tasks["Visite technique"].due_at
    assert visit is not None and visit.astimezone(PARIS).date().isoformat() == "2027-06-20"
    monday = tasks["Relancer"].due_at
    assert monday is not None and monday.astimezone(PARIS).weekday() == 0
    assert monday.astimezone(PARIS).hour == 9 and monday > clock.utcnow()


async def test_a_todo_in_the_past_is_refused_in_the_readers_language(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await slack.command(f"todo {deal.id} 01/02/2020 Rappeler")
    assert "01/02/2020 09:00 est déjà passé" in (await last_answer(fake, bot)).text()
    await slack.command(f"todo {deal.id} 2020-02-01 Call back", user="U_BOB")
    assert "has already passed" in (await last_answer(fake, bot)).text()
    assert await relais.activities.on_record("deal", deal.id) == []


async def test_an_ambiguous_date_is_a_question_never_a_guess(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await slack.command(f"todo {deal.id} 06/05/2030 Call back", user="U_BOB")
    assert "could be June 5 or May 6" in (await last_answer(fake, bot)).text()
    await slack.command(f"todo {deal.id} someday Call back", user="U_BOB")
    assert "Usage" in (await last_answer(fake, bot)).text()
    assert await relais.activities.on_record("deal", deal.id) == []
