"""Mail without a usable sender or text is held for review, and titles are readable.

Sent over a real SMTP socket: a headerless binary message once became the lead
"x@y.fr" with "ÿþ garbage" as its text, and a malformed encoded subject became
the title ``=?bogus?x?abc?=``.
"""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.mail.inbox import MailRecord
from tests.ingest.conftest import Smtp

CONTROL = "".join(map(chr, range(32))) + "\x7f\u202e"


async def receive(smtp: Smtp, raw: bytes, sender: str = "x@y.fr") -> MailRecord:
    reply = await smtp.send(raw, sender=sender)
    assert reply.code == 250, reply
    await smtp.settle()
    return await smtp.engine.mail.get(int(reply.text.rsplit(" ", 1)[1]))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe garbage\r\n", "no_sender"),
        (b"\xff\xfe\x00g\x00a\x00r\x00b\x00a\x00g\x00e", "no_sender"),
        (b"To: leads@relais.example\r\nSubject: Qui ?\r\n\r\nPersonne.\r\n", "no_sender"),
        (b"From: Jo <jo@acme.fr>\r\nSubject: Devis\r\n\r\n" + bytes(range(256)) * 4, "unreadable"),
        (b"From: Jo <jo@acme.fr>\r\nTo: leads@relais.example\r\n\r\n\r\n", "no_text"),
    ],
    ids=["headerless-binary", "headerless-utf16", "no-from", "binary-body", "nothing-to-read"],
)
async def test_unusable_mail_is_held_with_its_reason_and_never_a_lead(
    smtp: Smtp, raw: bytes, reason: str
) -> None:
    mail = await receive(smtp, raw)
    assert (mail.status, mail.outcome, mail.lead_id) == ("held", reason, None)
    assert await smtp.leads() == []


async def test_a_held_mail_released_by_a_person_becomes_a_lead(smtp: Smtp) -> None:
    held = await receive(smtp, b"\xff\xfe garbage\r\n")
    await smtp.engine.mail.release(held.id, Actor.cli("test"))
    await smtp.settle()
    released = await smtp.engine.mail.get(held.id)
    assert (released.status, released.outcome) == ("processed", "lead")
    [lead] = await smtp.leads()
    assert lead.title == "x@y.fr"


async def test_a_malformed_encoded_subject_gives_a_readable_title(smtp: Smtp) -> None:
    bogus = b"From: Jeanne Roux <jeanne@roux.fr>\r\nSubject: =?bogus?x?abc?=\r\n\r\nBonjour\r\n"
    mail = await receive(smtp, bogus, sender="jeanne@roux.fr")
    assert mail.outcome == "lead" and mail.subject == ""
    [lead] = await smtp.leads()
    assert lead.title == "Jeanne Roux"


async def test_titles_have_no_control_characters_and_a_bounded_length(smtp: Smtp) -> None:
    noisy = "Devis\x1b[31m \x00urgent\u202e " + "=?utf-8?q?tr=C3=A8s?= " * 200
    raw = f"From: jo@acme.fr\r\nSubject: {noisy}\r\n\r\nBonjour\r\n".encode()
    await receive(smtp, raw, sender="jo@acme.fr")
    [lead] = await smtp.leads()
    assert lead.title.startswith("Devis [31m urgent trèstrès")
    assert len(lead.title) <= 200 and not set(lead.title) & set(CONTROL)
    assert "=?" not in lead.title
