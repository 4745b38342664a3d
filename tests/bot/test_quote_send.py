"""*Send to client* from Slack: the button, the pre-filled modal, field errors, the e-mail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.outbox.queue import WAITING
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.bot.helpers import buttons, errors_of, input_block, last_answer, shown_view
from tests.fakes.slack import FakeSlack, SlackClient
from tests.workflows.sink import smtp_sink

STOVE = Product("POELE-GR8", "Poêle à granulés 8 kW", Decimal("2890.00"), tax_rate=Decimal("5.5"))


async def a_saved_quote(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, engine: Engine, user: str
) -> tuple[int, str]:
    """A deal with a contact and a quote saved from Slack; the saved message's Send value."""
    await engine.products.import_all([STOVE], Actor.cli())
    contact = ContactDraft("Jean Dupont", "jean@dupont.fr")
    deal = await engine.deals.create(DealDraft("Poêle salon Dupont", contact=contact), Actor.cli())
    await slack.command(f"quote {deal.id} POELE-GR8=1", user=user)
    answer = await last_answer(fake, bot)
    (quote,) = await engine.quotes.of_deal(deal.id)
    assert buttons(answer)["quote_pdf"] == buttons(answer)["quote_send"] == str(quote.id)
    return quote.id, buttons(answer)["quote_send"]


async def test_send_opens_a_prefilled_form_refuses_a_bad_address_then_queues_the_pdf(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    quote_id, value = await a_saved_quote(slack, fake, bot, relais, "U_ALICE")
    await slack.click("quote_send", value, user="U_ALICE")
    await bot.runtime.settle()
    assert fake.of("views.open")[-1].params["view"]["callback_id"] == "quote_send"
    view = shown_view(fake)
    assert (view["callback_id"], view["title"]["text"]) == ("quote_send", "Envoyer au client")
    assert input_block(view, "quote_to")["element"]["initial_value"] == "jean@dupont.fr"

    status, body = await slack.submit(view, {"quote_to": "jean@", "quote_note": ""})
    assert status == 200
    assert errors_of(body) == {"quote_to": "« jean@ » n'est pas une adresse e-mail valide"}
    assert await relais.outbox.messages() == []

    note = {"quote_to": "jean@dupont.fr", "quote_note": "Merci pour la visite."}
    status, body = await slack.submit(view, note)
    assert (status, body) == (200, "")
    said = (await last_answer(fake, bot)).text()
    quote = await relais.quotes.get(quote_id)
    assert quote.status == "sent"
    assert f"Le devis {quote.number} pour jean@dupont.fr (Devis-{quote.number}-v1.pdf)" in said
    assert "aucun relais SMTP n'est configuré" in said  # said, not pretended
    assert "Le devis est maintenant « envoyé »." in said
    (message,) = await relais.outbox.messages(status="pending")
    assert message.waiting_for == WAITING["email"]
    assert "Merci pour la visite." in message.payload["body"]
    (pdf,) = await relais.outbox.attachments(message.id)
    assert pdf.data.startswith(b"%PDF")


async def test_a_rejected_quote_shows_why_instead_of_the_form(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    quote_id, value = await a_saved_quote(slack, fake, bot, relais, "U_BOB")
    await relais.quotes.set_status(quote_id, "sent", Actor.cli())
    await relais.quotes.set_status(quote_id, "rejected", Actor.cli())
    await slack.click("quote_send", value, user="U_BOB")
    await bot.runtime.settle()
    view = shown_view(fake)
    number = (await relais.quotes.get(quote_id)).number
    assert view["callback_id"] == "result"
    assert f"Quote {number} was rejected" in view["blocks"][0]["text"]["text"]


@asynccontextmanager
async def with_relay(tmp_path: Path, fake: FakeSlack, port: int) -> AsyncIterator[Service]:
    settings = slack_settings(
        tmp_path, fake, RELAIS_SMTP_RELAY_HOST="127.0.0.1", RELAIS_SMTP_RELAY_PORT=str(port),
        RELAIS_SMTP_RELAY_TLS="none", RELAIS_SMTP_RELAY_FROM="Poêles Martin <devis@martin.fr>",
    )  # fmt: skip
    service = Service(settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_with_a_relay_the_mail_leaves_at_once_and_the_rep_is_told_in_english(
    tmp_path: Path, fake: FakeSlack
) -> None:
    with smtp_sink() as (box, port):
        async with with_relay(tmp_path, fake, port) as service:
            assert service.slack is not None and service.engine is not None
            bot, engine = service.slack, service.engine
            url = f"http://127.0.0.1:{service.http_port}/slack/events"
            async with SlackClient(url, fake) as slack:
                quote_id, value = await a_saved_quote(slack, fake, bot, engine, "U_BOB")
                await slack.click("quote_send", value, user="U_BOB")
                await bot.runtime.settle()
                status, _ = await slack.submit(
                    shown_view(fake), {"quote_to": "jean@dupont.fr"}, "U_BOB"
                )
                assert status == 200
                said = (await last_answer(fake, bot)).text()
            for _ in range(100):  # the send wakes the outbox worker: no waiting for a tick
                if box.messages:
                    break
                await asyncio.sleep(0.05)
            number = (await engine.quotes.get(quote_id)).number
    (mail,) = box.messages
    assert box.envelopes == [("devis@martin.fr", ["jean@dupont.fr"])]
    assert isinstance(mail, EmailMessage) and mail["Subject"].startswith(f"Quote {number}")
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == f"Quote-{number}-v1.pdf"  # the contact has none: Bob's
    assert part.get_content().startswith(b"%PDF")
    assert f"Quote {number} is on its way to jean@dupont.fr" in said
    assert "The quote is now marked sent." in said
