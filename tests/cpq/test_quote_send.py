"""Sending a quote by e-mail: real SQLite, a real SMTP relay on loopback (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.cpq import mail as quote_mail
from engine.cpq.catalogue import Product
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.errors import Conflict, ValidationFailed
from service.mailer import Mailer, RelayConfig
from service.outbox import OutboxWorker
from tests.workflows.sink import Sink, free_port, smtp_sink

D = Decimal
DAY = date(2026, 3, 10)
CATALOGUE = [
    Product("POELE-ECO8", "Poêle à granulés Eco 8 kW", D("2890.00"), tax_rate=D("5.5")),
    Product("TUBAGE-INOX-80", "Tubage inox Ø80 (le mètre)", D("89.00"), tax_rate=D("5.5")),
]
SETTINGS = QuoteSettings(company=("Poêles Martin SARL", "12 rue du Four, Lyon"))


@pytest.fixture
async def shop(engine: Engine, admin: Actor) -> Engine:
    await engine.products.import_all(CATALOGUE, admin)
    engine.quotes.use(CpqSetup(settings=SETTINGS))
    return engine


async def a_quote(
    engine: Engine, actor: Actor, contact: ContactDraft | None = None, metres: str = "6"
) -> str:
    """A saved draft quote on a new deal; returns its number."""
    default = ContactDraft("Jean Dupont", "jean@dupont.fr")
    deal = await engine.deals.create(DealDraft("Poêle Dupont", contact=contact or default), actor)
    lines = (LineInput("POELE-ECO8", D(1)), LineInput("TUBAGE-INOX-80", D(metres)))
    saved = await engine.quotes.save(deal.id, QuoteDraft(lines), actor, on=DAY)
    return saved.quote.number


def worker(engine: Engine, port: int) -> OutboxWorker:
    relay = RelayConfig("127.0.0.1", port, tls="none", sender="Poêles Martin <devis@martin.fr>")
    return OutboxWorker(engine, mailer=Mailer(relay))


async def deliver(engine: Engine, port: int, at: Any = None) -> int:
    outbox = worker(engine, port)
    try:
        return await outbox.run_once(at)
    finally:
        await outbox.close()


def attachment_of(mail: Any) -> tuple[str | None, str, bytes]:
    assert isinstance(mail, EmailMessage)
    (part,) = list(mail.iter_attachments())
    data = part.get_content()
    assert isinstance(data, bytes)
    return part.get_filename(), part.get_content_type(), data


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    with smtp_sink() as running:
        yield running


async def test_the_quote_and_its_pdf_reach_the_client_through_the_relay(
    shop: Engine, alice: Actor, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    number = await a_quote(shop, alice)
    queued = await shop.quotes.send(number, alice, note="Comme convenu lors de la visite.")

    assert queued.marked_sent and queued.quote.status == "sent"
    assert queued.mail.attachment.filename == f"Devis-{number}-v1.pdf"
    (pending,) = await shop.outbox.messages(status="pending")
    assert (pending.id, pending.kind, pending.recipient) == (
        queued.outbox_id, "email", "jean@dupont.fr",
    )  # fmt: skip
    (stored,) = await shop.outbox.attachments(pending.id)

    assert await deliver(shop, port) == 1
    (mail,) = box.messages
    assert box.envelopes == [("devis@martin.fr", ["jean@dupont.fr"])]
    assert mail["Subject"] == f"Devis {number} — Poêle Dupont"
    assert mail["Content-Language"] == "fr"
    name, kind, data = attachment_of(mail)
    assert (name, kind) == (f"Devis-{number}-v1.pdf", "application/pdf")
    assert data.startswith(b"%PDF") and data == stored.data
    assert isinstance(mail, EmailMessage)
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert text.startswith("Bonjour Jean Dupont,")
    assert number in text and "3\u202f612,32\xa0€ TTC" in text
    assert "valable jusqu'au 09/04/2026" in text
    assert "Comme convenu lors de la visite." in text
    assert text.rstrip().endswith("Cordialement,\nAlice Martin\nPoêles Martin SARL")

    (sent,) = await shop.mail.sent()
    assert (sent.message_id, sent.outbox_id, sent.deal_id) == (
        mail["Message-ID"], queued.outbox_id, queued.quote.deal_id,
    )  # fmt: skip
    entries = await shop.timeline.of("deal", queued.quote.deal_id)
    emailed = [e for e in entries if e.action == "quote_emailed"]
    assert [e.changes for e in emailed] == [
        {"quote": [None, number], "email": [None, "jean@dupont.fr"]}
    ]
    quote_entries = await shop.timeline.of("quote", queued.quote.id)
    changed = [e.changes["status"] for e in quote_entries if e.action == "status_changed"]
    assert changed == [["draft", "sent"]]


class FlakyRelay(Sink):
    """Says 451 (try again later) to the first message, then accepts: both are kept."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        return "451 4.3.0 try again later" if len(self.messages) == 1 else "250 2.0.0 queued"


@contextmanager
def flaky_relay() -> Iterator[tuple[Sink, int]]:
    relay, port = FlakyRelay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield relay, port
    finally:
        controller.stop()


async def test_a_retry_sends_the_same_bytes_and_message_id_even_after_the_quote_changed(
    shop: Engine, alice: Actor
) -> None:
    number = await a_quote(shop, alice)
    queued = await shop.quotes.send(number, alice)
    with flaky_relay() as (relay, port):
        assert await deliver(shop, port) == 0
        (message,) = await shop.outbox.messages()
        assert (message.status, message.attempts) == ("pending", 1)
        assert (message.last_error or "").startswith("SMTP 451")
        # the rep edits the quote (a new version) before the retry comes due
        more = QuoteDraft((LineInput("POELE-ECO8", D(2)),))
        await shop.quotes.save(None, more, alice, quote_id=queued.quote.id, on=DAY)
        later = clock.utcnow() + timedelta(hours=1)
        assert await deliver(shop, port, later) == 1
    first, second = relay.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert attachment_of(first) == attachment_of(second)
    assert attachment_of(second)[2] == queued.mail.attachment.data
    now = await shop.quotes.pdf(number)
    assert now != queued.mail.attachment.data  # re-rendering would have sent another file


async def test_without_an_address_nothing_is_queued_and_the_missing_one_is_named(
    shop: Engine, alice: Actor
) -> None:
    number = await a_quote(shop, alice, ContactDraft("Jean Dupont"))
    with pytest.raises(ValidationFailed) as refused:
        await shop.quotes.send(number, alice)
    assert "contact Jean Dupont" in refused.value.errors["to"]
    assert "has no e-mail address" in refused.value.errors["to"]

    bare = await shop.deals.create(DealDraft("Sans contact"), alice)
    draft = QuoteDraft((LineInput("POELE-ECO8", D(1)),))
    lone = (await shop.quotes.save(bare.id, draft, alice, on=DAY)).quote
    with pytest.raises(ValidationFailed) as refused:
        await shop.quotes.send(lone.id, alice)
    assert f"deal #{bare.id} has no contact" in refused.value.errors["to"]
    assert await shop.outbox.messages() == []
    assert (await shop.quotes.get(number)).status == "draft"


async def test_an_invalid_address_is_refused(shop: Engine, alice: Actor) -> None:
    number = await a_quote(shop, alice)
    with pytest.raises(ValidationFailed) as refused:
        await shop.quotes.send(number, alice, to="jean@")
    assert refused.value.errors["to"].startswith("jean@ is not a valid e-mail address")
    assert await shop.outbox.messages() == []
    assert (await shop.quotes.get(number)).status == "draft"


async def test_another_address_and_english_change_the_greeting_and_the_file_name(
    shop: Engine, alice: Actor, admin: Actor
) -> None:
    number = await a_quote(shop, alice)
    queued = await shop.quotes.send(number, admin, to=" Compta@Dupont.FR ", locale="en")
    mail = queued.mail
    assert mail.to == "Compta@dupont.fr"  # the domain is normalised, the mailbox kept
    assert (mail.subject, mail.attachment.filename) == (
        f"Quote {number} — Poêle Dupont", f"Quote-{number}-v1.pdf",
    )  # fmt: skip
    assert mail.body.startswith("Hello,\n\nPlease find attached our quote")
    assert "valid until Apr 9, 2026" in mail.body and "€3,612.32" in mail.body
    assert "Kind regards,\nAlice Martin\n" in mail.body  # the deal's owner signs for the CLI


async def test_the_contacts_language_is_used_unless_one_is_asked_for(
    shop: Engine, alice: Actor
) -> None:
    number = await a_quote(shop, alice)
    await shop.db.write(lambda tx: tx.execute("UPDATE contacts SET locale = 'en'"), alice)
    assert (await shop.quotes.send(number, alice)).mail.locale == "en"
    assert (await shop.quotes.send(number, alice, locale="fr")).mail.locale == "fr"


async def test_a_rejected_quote_is_refused_and_an_accepted_one_is_sent_again(
    shop: Engine, alice: Actor
) -> None:
    number = await a_quote(shop, alice)
    await shop.quotes.send(number, alice)
    await shop.quotes.set_status(number, "accepted", alice)
    again = await shop.quotes.send(number, alice)
    assert (again.quote.status, again.marked_sent) == ("accepted", False)

    other = await a_quote(shop, alice)
    await shop.quotes.set_status(other, "sent", alice)
    await shop.quotes.set_status(other, "rejected", alice)
    with pytest.raises(ValidationFailed) as refused:
        await shop.quotes.send(other, alice)
    assert refused.value.errors == {"status": f"quote {other} was rejected: make a new quote"}
    assert len(await shop.outbox.messages()) == 2


async def test_a_quote_changed_after_its_pdf_was_rendered_is_not_sent(
    shop: Engine, alice: Actor
) -> None:
    number = await a_quote(shop, alice)
    quote = await shop.quotes.get(number)
    who = quote_mail.Audience("jean@dupont.fr", "Jean Dupont", "fr", "Alice Martin")
    mail = quote_mail.compose(quote, who, None, await shop.quotes.pdf(number), SETTINGS)
    await shop.quotes.save(
        None, QuoteDraft((LineInput("POELE-ECO8", D(3)),)), alice, quote_id=quote.id, on=DAY
    )
    with pytest.raises(Conflict):
        await shop.db.write(lambda tx: quote_mail.enqueue(tx, mail), alice)
    assert await shop.outbox.messages() == []
