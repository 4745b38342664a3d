"""``/crm`` from Slack: users mapped on first use, every sub-command, both languages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.app import SlackBot
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from tests.bot.helpers import answers, buttons, input_block, last_answer, shown_view, view_of
from tests.fakes.slack import FakeSlack, SlackClient


async def test_a_slack_member_becomes_a_rep_on_first_use(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("help", user="U_BOB")
    await last_answer(fake, bot)
    bob = await relais.users.get("U_BOB")
    assert (bob.name, bob.email, bob.role) == ("Bob Durand", "bob@example.com", "rep")
    assert (bob.locale, bob.timezone) == ("en", "America/New_York")
    await slack.command("help", user="U_BOB")
    await last_answer(fake, bot)
    assert len(fake.of("users.info")) == 1


async def test_a_configured_admin_keeps_her_role_when_she_first_uses_slack(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await relais.users.upsert(
        UserDraft("Ada Lovelace", "ada@example.com", role="admin", locale="en"), Actor.cli()
    )
    await slack.command("help", user="U_ADA")
    answer = await last_answer(fake, bot)
    ada = await relais.users.get("ada@example.com")
    assert (ada.slack_id, ada.role, ada.name) == ("U_ADA", "admin", "Ada Lovelace")
    assert "/crm stages" in answer.text()


async def test_help_speaks_each_users_language(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("help", user="U_ALICE")
    await slack.command("aide", user="U_BOB")
    alice, bob = await answers(fake, bot)
    assert "créer une affaire" in alice.text()
    assert "create a deal" in bob.text()
    assert "/crm stages" not in alice.text()


async def test_quick_deal_then_its_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle Dupont jean@dupont.fr 8000")
    created = await last_answer(fake, bot)
    (deal,) = await relais.deals.search("Poêle Dupont")
    assert deal.expected_revenue == Decimal("8000.00")
    contact = await relais.contacts.by_email("jean@dupont.fr")
    assert contact is not None and deal.contact_id == contact.id
    text = created.text()
    assert f"Affaire n° {deal.id} créée" in text
    assert "Nouveau" in text and "8\u202f000,00\u00a0€" in text and "<@U_ALICE>" in text
    assert "jean@dupont.fr" in text


async def test_deal_card_shows_manual_probability_activities_and_moves(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("help", user="U_BOB")
    await last_answer(fake, bot)
    bob = await relais.users.actor_for("U_BOB", "slack")
    deal = await relais.deals.create(DealDraft("Insert Martin", expected_revenue="4200"), bob)
    await relais.deals.update(deal.id, {"probability": 35}, bob)
    due = clock.utcnow() + timedelta(days=1)
    await relais.activities.create(
        ActivityDraft("call", "Rappeler M. Martin", due_at=due, deal_id=deal.id), bob
    )
    await slack.command(f"deal {deal.id}", user="U_BOB")
    card = await last_answer(fake, bot)
    text = card.text()
    assert f"#{deal.id} · Insert Martin" in text
    assert "35% (manual)" in text and "€4,200.00" in text
    assert "Rappeler M. Martin" in text
    moves = {k: v for k, v in buttons(card).items() if k.startswith("deal_move_")}
    assert len(moves) == 5  # every other stage of a pipeline without blueprint
    assert "deal_log" in buttons(card)


async def test_search_by_text_lists_several_deals(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    actor = Actor.cli()
    for title in ("Poêle Durand", "Poêle Morel"):
        await relais.deals.create(DealDraft(title), actor)
    await slack.command("deal poêle", user="U_BOB")
    listing = await last_answer(fake, bot)
    assert "2 deals match" in listing.text()
    assert "Poêle Durand" in listing.text() and "Poêle Morel" in listing.text()
    assert list(buttons(listing)) == ["deal_show"]  # one per deal, same action
    await slack.command("deal nothing-like-this", user="U_BOB")
    assert "No deal matches" in (await last_answer(fake, bot)).text()


async def test_new_deal_modal_refuses_a_bad_email_then_creates(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new")
    await bot.runtime.settle()
    (opened,) = fake.of("views.open")  # the form itself, in one call: it is ready at once
    assert view_of(opened)["callback_id"] == "deal_new" and not fake.of("views.update")
    view = shown_view(fake)
    assert input_block(view, "contact_email")["element"]["type"] == "email_text_input"
    assert input_block(view, "amount")["element"]["type"] == "number_input"
    assert input_block(view, "close")["element"]["type"] == "datepicker"
    status, body = await slack.submit(
        view, {"title": "Poêle Leroy", "contact_email": "not-an-email", "amount": "5000"}
    )
    assert status == 200
    assert '"response_action":"errors"' in body.replace(" ", "")
    assert '"contact_email"' in body
    assert await relais.deals.search("Leroy") == []
    status, body = await slack.submit(
        view, {"title": "Poêle Leroy", "contact_email": "leroy@example.com", "amount": "5000",
               "close": "2030-06-30"},
    )  # fmt: skip
    assert (status, body) == (200, "")
    (deal,) = await relais.deals.search("Leroy")
    assert str(deal.expected_close) == "2030-06-30"
    answer = await last_answer(fake, bot)
    assert f"Affaire n° {deal.id} créée" in answer.text()


async def test_my_pipeline_groups_open_deals_by_stage(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("pipeline", user="U_BOB")
    assert "No open deal" in (await last_answer(fake, bot)).text()
    bob = await relais.users.actor_for("U_BOB", "slack")
    first = await relais.deals.create(DealDraft("A", expected_revenue="1000"), bob)
    await relais.deals.create(DealDraft("B", expected_revenue="3000"), bob)
    await relais.deals.move(first.id, "devis", bob)
    await slack.command("pipeline", user="U_BOB")
    text = (await last_answer(fake, bot)).text()
    assert "*Nouveau* — 1 deal · €3,000.00 · weighted €300.00" in text
    assert "*Devis* — 1 deal · €1,000.00 · weighted €600.00" in text
    assert "Total: 2 deals · €4,000.00 · weighted *€900.00*" in text


async def test_activities_done_and_snooze(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("help")
    await last_answer(fake, bot)
    alice = await relais.users.actor_for("U_ALICE", "slack")
    deal = await relais.deals.create(DealDraft("Poêle"), alice)
    now = clock.utcnow()
    late = await relais.activities.create(
        ActivityDraft("call", "Rappel en retard", due_at=now - timedelta(hours=2), deal_id=deal.id),
        alice,
    )
    later = await relais.activities.create(
        ActivityDraft("task", "Envoyer la doc", due_at=now + timedelta(days=3), deal_id=deal.id),
        alice,
    )
    await slack.command("activities")
    listing = await last_answer(fake, bot)
    assert "En retard" in listing.text() and "Rappel en retard" in listing.text()
    assert "À venir" in listing.text()
    await slack.click("activity_done", f"{late.id}|{late.version}")
    done = await last_answer(fake, bot)
    assert done.params["replace_original"] is True
    assert "« Rappel en retard » est fait" in done.text()
    assert (await relais.activities.get(late.id)).done
    await slack.click("activity_snooze", f"{later.id}|{later.version}|tomorrow")
    await last_answer(fake, bot)
    snoozed = await relais.activities.get(later.id)
    assert snoozed.due_at is not None
    local = snoozed.due_at.astimezone(clock.zone("Europe/Paris"))
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == (now.astimezone(clock.zone("Europe/Paris")) + timedelta(days=1)).date()


async def test_a_stale_done_click_is_a_conflict_not_an_overwrite(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("help")
    await last_answer(fake, bot)
    alice = await relais.users.actor_for("U_ALICE", "slack")
    deal = await relais.deals.create(DealDraft("Poêle"), alice)
    item = await relais.activities.create(ActivityDraft("call", "Appel", deal_id=deal.id), alice)
    await relais.activities.reschedule(item.id, clock.utcnow() + timedelta(days=2), alice)
    await slack.click("activity_done", f"{item.id}|{item.version}")
    answer = await last_answer(fake, bot)
    assert "modifié" in answer.text()
    assert not (await relais.activities.get(item.id)).done


async def test_log_and_todo(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle"), Actor.cli())
    await slack.command(f"log {deal.id} call Client rappelé, devis à envoyer")
    assert "Noté sur l'affaire" in (await last_answer(fake, bot)).text()
    await slack.command(f"todo {deal.id} demain Envoyer le devis")
    assert "Envoyer le devis" in (await last_answer(fake, bot)).text()
    items = await relais.activities.on_record("deal", deal.id)
    logged = next(a for a in items if a.kind == "call")
    todo = next(a for a in items if a.kind == "task")
    assert logged.done and logged.note == "Client rappelé, devis à envoyer"
    assert not todo.done and todo.due_at is not None
    assert todo.due_at.astimezone(clock.zone("Europe/Paris")).hour == 9
    await slack.command("todo 1")
    assert "Usage" in (await last_answer(fake, bot)).text()


async def test_a_missing_deal_is_said_plainly(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("deal 999", user="U_BOB")
    assert "Not found: deal 999" in (await last_answer(fake, bot)).text()


async def test_an_unknown_sub_command_points_to_help(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("frobnicate", user="U_BOB")
    assert "/crm help" in (await last_answer(fake, bot)).text()


async def test_quick_lead_and_contact(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("lead new Projet insert anne@exemple.fr")
    assert "Piste n°" in (await last_answer(fake, bot)).text()
    (lead,) = await relais.leads.by_status("new")
    assert lead.title == "Projet insert"
    assert lead.contact_id == (await relais.contacts.by_email("anne@exemple.fr")).id  # type: ignore[union-attr]


async def test_new_lead_modal(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("lead new")
    await bot.runtime.settle()
    view = shown_view(fake)
    status, body = await slack.submit(view, {"title": "  ", "note": "x"})
    assert '"title"' in body
    status, body = await slack.submit(view, {"title": "Poêle granulés", "contact_name": "Anne"})
    assert (status, body) == (200, "")
    (lead,) = await relais.leads.by_status("new")
    assert lead.title == "Poêle granulés"
    contact = await relais.contacts.get(lead.contact_id or 0)
    assert contact is not None and contact.name == "Anne"


async def test_the_card_logs_an_activity_through_a_modal(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle Morel"), Actor.cli())
    await slack.command(f"deal {deal.id}", user="U_BOB")
    card = await last_answer(fake, bot)
    await slack.click("deal_log", buttons(card)["deal_log"], user="U_BOB")
    await bot.runtime.settle()
    view = shown_view(fake)
    assert view["callback_id"] == "deal_log"
    status, body = await slack.submit(
        view, {"kind": "meeting", "subject": "Visite showroom", "due": "2030-01-15"}, user="U_BOB"
    )
    assert (status, body) == (200, "")
    assert "Logged on deal" in (await last_answer(fake, bot)).text()
    (meeting,) = await relais.activities.on_record("deal", deal.id)
    assert (meeting.kind, meeting.done) == ("meeting", False)
    assert meeting.due_at is not None
    assert meeting.due_at.astimezone(clock.zone("America/New_York")).hour == 9


async def test_the_card_shows_the_last_mails(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    mail = Actor(kind="mail", channel="mail", label="mail")
    deal = await relais.deals.create(DealDraft("Poêle Garnier"), mail)
    await relais.activities.create(
        ActivityDraft("email", "Re: votre devis", note="Bonjour, c'est d'accord pour jeudi.",
                      done=True, deal_id=deal.id),
        mail,
    )  # fmt: skip
    await slack.command(f"deal {deal.id}")
    card = (await last_answer(fake, bot)).text()
    assert "Derniers e-mails" in card
    assert "Re: votre devis" in card and "c'est d'accord pour jeudi" in card
