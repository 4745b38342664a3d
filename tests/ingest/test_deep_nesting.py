"""A message nested 2,000 levels deep, over real SMTP: held as ``too_deep``, never failed.

Python's e-mail parser recurses once per nested part; such a message raised a
``RecursionError`` and the mail was failed. The parser now stops at
``ingest.nesting.MAX_NESTING`` levels, reads what lies above, and the engine
holds the mail for a person with that reason.
"""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.mail.inbox import MailRecord
from ingest import nesting
from ingest.parser import parse
from tests.ingest.conftest import StartSmtp

SENDER = "jo@acme.fr"
HEAD = (
    f"From: Jo <{SENDER}>\r\nTo: leads@relais.example\r\nSubject: Devis gigogne\r\n"
    "Message-ID: <{mid}@acme.fr>\r\nMIME-Version: 1.0\r\n"
)


def nested(levels: int, mid: str = "deep") -> bytes:
    """A readable first part, then ``levels`` multiparts each inside the one before."""
    out = [HEAD.format(mid=mid), 'Content-Type: multipart/mixed; boundary="top"\r\n\r\n']
    out.append("--top\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, un devis.\r\n")
    out.append("--top\r\n")
    for level in range(levels):
        out.append(f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n')
    out.append("Content-Type: text/plain\r\n\r\nAu fond.\r\n")
    out.extend(f"--b{level}--\r\n" for level in reversed(range(levels)))
    out.append("--top--\r\n")
    return "".join(out).encode()


def attached_messages(levels: int) -> bytes:
    """``message/rfc822`` in ``message/rfc822``…: no boundary, the same recursion."""
    inner = (
        "Content-Type: message/rfc822\r\n\r\n" * levels + "Content-Type: text/plain\r\n\r\nx\r\n"
    )
    return (HEAD.format(mid="rfc") + inner).encode()


def test_the_parser_reads_down_to_the_cap_and_says_so() -> None:
    deep = parse(nested(2000))
    assert deep.too_deep and deep.subject == "Devis gigogne" and deep.from_email == SENDER
    assert "Bonjour, un devis." in deep.text and "Au fond." not in deep.text
    assert parse(attached_messages(2000)).too_deep
    assert not parse(nested(nesting.MAX_NESTING - 2)).too_deep  # the top part is a level
    assert parse(nested(nesting.MAX_NESTING)).too_deep


@pytest.mark.parametrize("workers", ["0", "1"], ids=["in-thread", "worker-process"])
async def test_a_2000_level_mail_is_held_as_too_deep_and_released_by_a_person(
    start_smtp: StartSmtp, workers: str
) -> None:
    smtp = await start_smtp(RELAIS_MAIL_PARSE_WORKERS=workers)
    reply = await smtp.send(nested(2000), sender=SENDER)
    assert reply.code == 250, reply
    await smtp.settle()
    mail: MailRecord = await smtp.engine.mail.get(int(reply.text.rsplit(" ", 1)[1]))
    assert (mail.status, mail.outcome, mail.error) == ("held", "too_deep", None)
    assert await smtp.leads() == []
    await smtp.engine.mail.release(mail.id, Actor.cli("test"))
    await smtp.settle()
    released = await smtp.engine.mail.get(mail.id)
    assert (released.status, released.outcome) == ("processed", "lead")
    [lead] = await smtp.leads()
    assert lead.title == "Devis gigogne"


async def test_ordinary_nesting_is_processed_as_before(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp()
    reply = await smtp.send(nested(5, mid="shallow"), sender=SENDER)
    await smtp.settle()
    mail = await smtp.engine.mail.get(int(reply.text.rsplit(" ", 1)[1]))
    assert (mail.status, mail.outcome) == ("processed", "lead")
