"""A reply sent to two capture addresses is on its record's timeline once, over real SMTP.

The message is stored once per capture address (each routed for its own); when
both copies thread to the same deal, the second finds the first's e-mail.
"""

from __future__ import annotations

from email.message import EmailMessage

from engine.actors import Actor
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.mail.inbox import copies
from tests.ingest.conftest import Reply, Smtp

LEADS, DEALS = "leads@relais.example", "deals@relais.example"
SENDER = "jean.dupont@acme-chauffage.fr"


def reply_to(deal_id: int, mid: str) -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = f"{LEADS}, {DEALS}"
    message["Subject"] = f"Re: [#D-{deal_id}] Devis poêle"
    message["Message-ID"] = f"<{mid}>"
    message.set_content("Bonjour, voici les photos du conduit.")
    message.add_attachment(b"%PDF-1.4 plan", maintype="application", subtype="pdf",
                           filename="plan.pdf")  # fmt: skip
    return message.as_bytes()


def mail_id(reply: Reply) -> int:
    assert reply.code == 250, reply
    return int(reply.text.rsplit(" ", 1)[1])


async def a_deal(smtp: Smtp) -> int:
    draft = DealDraft("Devis poêle", ContactDraft("Jean Dupont", SENDER))
    return (await smtp.engine.deals.create(draft, Actor.cli())).id


async def emails_on(smtp: Smtp, deal_id: int) -> list[str]:
    found = await smtp.engine.activities.on_record("deal", deal_id)
    return [a.subject for a in found if a.kind == "email"]


async def test_one_transaction_to_both_addresses_attaches_the_reply_once(smtp: Smtp) -> None:
    deal_id = await a_deal(smtp)
    first = mail_id(await smtp.send(reply_to(deal_id, "r1@acme.example"), to=[LEADS, DEALS]))
    await smtp.settle()
    rows = await smtp.engine.db.read(lambda conn: copies(conn, first))
    assert len(rows) == 2  # one stored row per capture address…
    mails = [await smtp.engine.mail.get(row) for row in rows]
    assert [(m.status, m.deal_id) for m in mails] == [("processed", deal_id)] * 2
    assert await emails_on(smtp, deal_id) == [f"Re: [#D-{deal_id}] Devis poêle"]  # …one e-mail
    assert mails[0].activity_id == mails[1].activity_id
    files = [await smtp.engine.mail.attachments(row) for row in rows]
    assert [len(f) for f in files] == [1, 1]  # each copy keeps its file…
    assert [f[0].deal_id for f in files] == [deal_id, None]  # …on the deal once
    assert await smtp.leads() == []


async def test_a_split_delivery_to_both_addresses_attaches_it_once_too(smtp: Smtp) -> None:
    deal_id = await a_deal(smtp)
    raw = reply_to(deal_id, "r2@acme.example")
    first = mail_id(await smtp.send(raw, to=[DEALS]))
    await smtp.settle()
    second = mail_id(await smtp.send(raw, to=[LEADS]))
    await smtp.settle()
    assert second != first
    assert len(await emails_on(smtp, deal_id)) == 1


async def test_two_different_replies_are_both_attached(smtp: Smtp) -> None:
    deal_id = await a_deal(smtp)
    await smtp.send(reply_to(deal_id, "r3@acme.example"), to=[LEADS, DEALS])
    await smtp.send(reply_to(deal_id, "r4@acme.example"), to=[LEADS, DEALS])
    await smtp.settle()
    assert len(await emails_on(smtp, deal_id)) == 2
