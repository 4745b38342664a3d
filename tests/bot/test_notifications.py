"""Leads and deals from mail in the leads channel, kept up to date; delivery that survives
rate limits, Slack being down and restarts; the engine's notifications; the App Home."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import SlackBot
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.marks import Mark
from service.app import Service
from tests.bot.conftest import LEADS, slack_settings
from tests.bot.helpers import buttons, last_answer, shown_view
from tests.conftest import an_older_write_open, until
from tests.fakes.slack import FakeSlack, SlackClient

MAIL = Actor(kind="mail", channel="mail", label="mail")
BODY = "Bonjour, je voudrais un devis pour un poêle à granulés dans une maison de 120 m². " * 8


async def lead_from_mail(relais: Engine, title: str = "Devis poêle à granulés") -> int:
    draft = LeadDraft(title, ContactDraft("Jean Dupont", "jean@dupont.fr"), note=BODY)
    lead = await relais.leads.create(draft, MAIL)
    await relais.activities.create(
        ActivityDraft("email", title, note=BODY, done=True, lead_id=lead.id), MAIL
    )
    return lead.id


async def disqualify_form(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> tuple[int, dict[str, Any]]:
    """A lead from mail, announced; its "Disqualifier" button clicked: the lead and the form."""
    lead_id = await lead_from_mail(relais)
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    await slack.click("lead_disqualify", buttons(posted)["lead_disqualify"])
    await bot.runtime.settle()
    return lead_id, shown_view(fake)


async def test_a_lead_from_mail_is_announced_with_sender_subject_and_excerpt(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await lead_from_mail(relais)
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    assert posted.params["channel"] == LEADS
    text = posted.text()
    assert "Nouvelle piste reçue par e-mail" in text
    assert "Jean Dupont &lt;jean@dupont.fr&gt;" in text
    assert "Devis poêle à granulés" in text and "Bonjour, je voudrais un devis" in text
    assert len(text) < 2000  # the excerpt is trimmed
    assert {"lead_claim", "lead_convert", "lead_disqualify"} <= set(buttons(posted))


async def test_a_lead_created_in_slack_is_not_announced(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot
) -> None:
    await slack.command("lead new Projet insert")
    await last_answer(fake, bot)
    assert fake.of("chat.postMessage") == []


async def test_the_notice_updates_itself_when_someone_acts_on_it(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead_id = await lead_from_mail(relais)
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    await slack.click("lead_claim", buttons(posted)["lead_claim"], user="U_BOB")
    await bot.runtime.settle()
    (updated,) = fake.of("chat.update")
    assert updated.params["channel"] == LEADS
    assert "<@U_BOB>" in updated.text()
    lead = await relais.leads.get(lead_id)
    assert lead.owner_id == (await relais.users.get("U_BOB")).id
    await slack.click("lead_convert", buttons(updated)["lead_convert"], user="U_BOB")
    await bot.runtime.settle()
    converted = fake.of("chat.update")[-1]
    lead = await relais.leads.get(lead_id)
    assert lead.status == "converted" and lead.deal_id is not None
    assert f"#{lead.deal_id}" in converted.text()
    assert list(buttons(converted)) == ["deal_show"]
    card = fake.of("response_url")[-1]
    assert f"#{lead.deal_id} · Devis poêle à granulés" in card.text()
    assert card.params.get("replace_original") is False  # the channel notice is left alone


async def test_disqualify_asks_a_reason_then_updates_the_notice(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead_id, view = await disqualify_form(slack, fake, bot, relais)
    status, body = await slack.submit(view, {"reason": ""})
    assert '"reason"' in body and "disqualifi" in body
    assert (await relais.leads.get(lead_id)).status == "new"
    status, body = await slack.submit(view, {"reason": "Hors zone d'intervention"})
    assert (status, body) == (200, "")
    await bot.runtime.settle()
    assert (await relais.leads.get(lead_id)).status == "disqualified"
    assert "Hors zone d'intervention" in fake.of("chat.update")[-1].text()


async def test_the_leads_list_claims_and_redraws(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await lead_from_mail(relais, "Insert à Lyon")
    await slack.command("leads", user="U_BOB")
    listing = await last_answer(fake, bot)
    assert "Insert à Lyon" in listing.text()
    await slack.click("lead_qualify", buttons(listing)["lead_qualify"], user="U_BOB")
    redrawn = await last_answer(fake, bot)
    assert redrawn.params["replace_original"] is True
    assert "Status: Qualified" in redrawn.text()  # the status by its name


async def test_a_deal_from_mail_is_announced_and_can_be_claimed(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(
        DealDraft("Poêle Martin", ContactDraft("Luc", "luc@x.fr")), MAIL
    )
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    assert "Nouvelle affaire reçue par e-mail" in posted.text()
    await slack.click("deal_claim", buttons(posted)["deal_claim"], user="U_BOB")
    await bot.runtime.settle()
    assert (await relais.deals.get(deal.id)).owner_id == (await relais.users.get("U_BOB")).id
    assert "<@U_BOB>" in fake.of("chat.update")[-1].text()


async def test_ratelimited_waits_retry_after_and_keeps_the_order(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    fake.fail("chat.postMessage", 1, status=429, retry_after=1)
    started = time.monotonic()
    first = await lead_from_mail(relais, "Premier")
    second = await lead_from_mail(relais, "Second")
    await fake.wait_for("chat.postMessage", 2, seconds=10)
    await bot.runtime.settle()
    posted = fake.of("chat.postMessage")
    assert time.monotonic() - started >= 1.0
    assert fake.of("chat.postMessage!429")
    assert f"#{first}" in posted[0].text() and f"#{second}" in posted[1].text()


async def test_slack_down_is_retried_and_nothing_is_lost(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    fake.fail("chat.postMessage", 3, status=503)
    await lead_from_mail(relais)
    await fake.wait_for("chat.postMessage", 1, seconds=10)
    assert len(fake.of("chat.postMessage!503")) == 3


async def test_undelivered_notices_survive_a_restart(tmp_path: Path, fake: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake)
    fake.fail("chat.postMessage", 1000, status=503)
    first = Service(settings)
    await first.start()
    assert first.engine is not None
    await lead_from_mail(first.engine)
    await fake.wait_for("chat.postMessage!503", 1)
    await first.stop()
    fake.failures.clear()
    second = Service(settings)
    await second.start()
    try:
        await fake.wait_for("chat.postMessage", 1, seconds=10)
        assert "Devis poêle à granulés" in fake.of("chat.postMessage")[0].text()
    finally:
        await second.stop()


async def test_home_tab_shows_pipeline_and_due_work_and_refreshes(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.event({"type": "app_home_opened", "user": "U_BOB", "tab": "home"}, "EvH1")
    await bot.runtime.settle()
    bob = await relais.users.actor_for("U_BOB", "slack")
    deal = await relais.deals.create(DealDraft("Insert Morel", expected_revenue="2000"), bob)
    due = clock.utcnow() - timedelta(minutes=5)
    item = await relais.activities.create(
        ActivityDraft("call", "Call Morel", due_at=due, deal_id=deal.id), bob
    )
    await bot.runtime.settle()
    home = fake.of("views.publish")[-1]
    assert home.params["user_id"] == "U_BOB"
    assert home.params["view"]["type"] == "home"
    text = home.text()
    assert "*Nouveau* — 1 deal · €2,000.00 · weighted €200.00" in text
    assert "Call Morel" in text and "Overdue" in text
    published = len(fake.of("views.publish"))
    await slack.click("activity_done", f"{item.id}|{item.version}", user="U_BOB", container="view")
    await bot.runtime.settle()
    assert (await relais.activities.get(item.id)).done
    assert len(fake.of("views.publish")) > published
    assert "Call Morel" not in fake.of("views.publish")[-1].text()


async def test_many_notices_are_delivered_in_order(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    ids = [await lead_from_mail(relais, f"Lead {n}") for n in range(5)]
    await asyncio.sleep(0)
    await fake.wait_for("chat.postMessage", 5)
    posted = [c.text() for c in fake.of("chat.postMessage")]
    assert all(f"#{lead_id}" in text for lead_id, text in zip(ids, posted, strict=True))


@pytest.mark.postgres
async def test_a_lead_committed_behind_an_older_write_is_announced_when_that_write_ends(
    tmp_path: Path, fake: FakeSlack, db_path: Path
) -> None:
    """PostgreSQL, writes side by side: the lead's entry waits for an older transaction
    (engine/crm/marks.py). That one writes no entry, so nothing wakes the notifier when it
    ends; the notifier looks again by itself and announces the lead."""
    service = Service(slack_settings(tmp_path, fake, RELAIS_DATABASE=str(db_path)))
    await service.start()
    try:
        assert service.engine is not None and service.slack is not None
        await announced_behind_an_older_write(fake, service.slack, service.engine)
    finally:
        await service.stop()


async def announced_behind_an_older_write(fake: FakeSlack, bot: SlackBot, relais: Engine) -> None:
    async with an_older_write_open(relais.db):
        await lead_from_mail(relais)
        await until(lambda: asyncio.sleep(0, bot.runtime.notifier.held), 5.0, "held back")
        assert fake.of("chat.postMessage") == []
    await bot.runtime.settle()
    (posted,) = fake.of("chat.postMessage")
    assert "Devis poêle à granulés" in posted.text()


async def test_two_readers_of_the_same_entries_queue_their_notices_once(relais: Engine) -> None:
    """Two instances' notifiers read the same entries: the first to move the cursor queues
    the notices; the second finds it moved, queues nothing, and reads on from there."""
    start = await relais.chat.cursor("twice")
    end = Mark(start.xact, start.id + 5)
    planned = [(LEADS, "notice", "lead:1")]
    assert await relais.chat.plan_notices(planned, "twice", (start, end))
    assert not await relais.chat.plan_notices(planned, "twice", (start, end))
    assert await relais.chat.cursor("twice") == end
    queued = await relais.db.read(
        lambda c: c.execute("SELECT count(*) FROM outbox WHERE ref = 'lead:1'").fetchone()[0]
    )
    assert queued == 1
