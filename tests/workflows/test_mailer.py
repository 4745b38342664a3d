"""Outbound e-mail through an SMTP relay (a sink on loopback): headers, record, retries."""

from __future__ import annotations

from email.message import EmailMessage

from engine.actors import Actor
from engine.core import Engine
from engine.workflows.runner import WorkflowRunner
from service.mailer import Mailer, RelayConfig
from service.outbox import OutboxWorker
from tests.workflows.conftest import install, new_deal
from tests.workflows.sink import Sink, free_port

THANKS = """
workflows:
  - name: Thanks
    trigger: {entity: deal, event: won}
    steps:
      - email:
          to: contact
          subject: {fr: "Merci — {deal.title}", en: "Thank you — {deal.title}"}
          body: {fr: "Bonjour {contact.name},\\nmerci !", en: "Hello"}
"""


def worker(engine: Engine, port: int) -> OutboxWorker:
    relay = RelayConfig("127.0.0.1", port, tls="none", sender="Poêles Martin <devis@martin.fr>")
    return OutboxWorker(engine, mailer=Mailer(relay))


async def win(engine: Engine, alice: Actor, runner: WorkflowRunner, email: str) -> int:
    await install(engine, THANKS)
    deal = await new_deal(engine, alice, contact=None)
    contact = await engine.db.write(
        lambda tx: tx.insert(
            "contacts",
            {"name": "Jean Dupont", "email": email, "email_key": email, "created_at": tx.now,
             "updated_at": tx.now},
        ),
        alice,
    )  # fmt: skip
    await engine.deals.update(deal.id, {"contact": str(contact)}, alice)
    await engine.deals.move(deal.id, "gagne", alice)
    await runner.settle()
    return deal.id


async def test_a_workflow_email_reaches_the_relay_marked_auto_generated_and_is_recorded(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    deal_id = await win(engine, alice, runner, "jean@dupont.fr")
    outbox = worker(engine, port)
    try:
        assert await outbox.run_once() == 1
        assert await outbox.run_once() == 0  # delivered once
    finally:
        await outbox.close()
    (mail,) = box.messages
    assert box.envelopes == [("devis@martin.fr", ["jean@dupont.fr"])]
    assert mail["Subject"] == "Merci — PAG Rika" and mail["To"] == "jean@dupont.fr"
    assert mail["From"] == "Poêles Martin <devis@martin.fr>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Content-Language"] == "fr"
    assert isinstance(mail, EmailMessage)
    body = mail.get_body()
    assert body is not None and body.get_content().splitlines()[:2] == [
        "Bonjour Jean Dupont,",
        "merci !",
    ]
    (message,) = await engine.outbox.messages(status="delivered")
    assert (
        mail["Message-ID"]
        == f"<relais.{message.id}.{int(message.created_at.timestamp())}@martin.fr>"
    )
    (sent,) = await engine.mail.sent()
    assert (sent.message_id, sent.recipient, sent.deal_id) == (
        mail["Message-ID"],
        "jean@dupont.fr",
        deal_id,
    )
    thread = await engine.db.read(
        lambda c: c.execute(
            "SELECT deal_id FROM mail_threads WHERE message_id = ?", (mail["Message-ID"][1:-1],)
        ).fetchone()
    )
    assert thread[0] == deal_id  # the customer's reply will land on the deal


async def test_a_refused_recipient_fails_for_good_and_a_relay_down_is_retried(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    await win(engine, alice, runner, "nobody@dupont.fr")
    outbox = worker(engine, port)
    try:
        assert await outbox.run_once() == 0
    finally:
        await outbox.close()
    (message,) = await engine.outbox.messages()
    assert message.status == "failed" and message.last_error is not None
    assert message.last_error.startswith("SMTP 550")
    assert box.messages == [] and await engine.mail.sent() == []

    down = worker(engine, free_port())
    try:
        await engine.db.write(
            lambda tx: tx.execute("UPDATE outbox SET status = 'pending', attempts = 0"), alice
        )
        assert await down.run_once() == 0
    finally:
        await down.close()
    (message,) = await engine.outbox.messages()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "Connection refused" in (message.last_error or "") or "Errno" in (
        message.last_error or ""
    )
