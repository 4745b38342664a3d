"""Limits over real SMTP: impossible record addresses are a 550, long lines are mail.

A 451 makes the sender retry for days, so it is only for failures of ours; what can
never be delivered (a record id past SQLite's integers) is refused for good. Body
lines past RFC 5321's 1,000 bytes are what webmail and HTML generators send: they
are accepted up to ``RELAIS_SMTP_MAX_LINE_LENGTH``, and past it answered ``552``.
"""

from __future__ import annotations

import asyncio
import smtplib

from tests.ingest.conftest import Smtp, StartSmtp, transaction


def message(subject: str, body: bytes, mid: str) -> bytes:
    head = f"From: jean.dupont@acme-chauffage.fr\r\nSubject: {subject}\r\nMessage-ID: <{mid}>\r\n"
    return head.encode() + b"\r\n" + body + b"\r\n"


def long_line(size: int, end: str = "FIN") -> bytes:
    """One line of ``size`` bytes of words (no CRLF), ending with ``end``."""
    words = b" ".join(b"mot%d" % n for n in range(size // 4))
    return words[: size - len(end) - 1] + b" " + end.encode()


def utf8_rcpt(port: int, address: str) -> tuple[int, bytes]:
    """RCPT of a non-ASCII address, announced with SMTPUTF8."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        client.command_encoding = "utf-8"
        assert client.mail("a@b.fr", ["SMTPUTF8"])[0] == 250
        return client.rcpt(address)


async def test_an_impossible_record_address_is_refused_for_good(smtp: Smtp) -> None:
    raw = message("Suivi", b"Bonjour", "overflow@x")
    for address in (
        "deals+99999999999999999999999@relais.example",
        f"leads+{2**63}@relais.example",
        "deals+0@relais.example",
    ):
        reply = await smtp.send(raw, to=[address])
        assert (reply.code, reply.text[:5]) == (550, "5.1.1"), (address, reply)
    code, text = await asyncio.to_thread(utf8_rcpt, smtp.port, "deals+²@relais.example")
    assert (code, text[:5]) == (550, b"5.1.1")  # a digit int() cannot read
    assert "no such deal" in (await smtp.send(raw, to=[f"deals+{2**63 - 1}@relais.example"])).text
    assert (await smtp.send(raw)).code == 250  # the session and the listener go on
    assert len(await smtp.engine.mail.records()) == 1


async def test_a_5000_byte_line_is_accepted_and_becomes_the_leads_text(smtp: Smtp) -> None:
    line = long_line(5000, end="FIN-DE-LIGNE")
    assert len(line) == 5000
    reply = await smtp.send(message("Longue ligne", line, "long@x"))
    assert reply.code == 250, reply
    await smtp.settle()
    [lead] = await smtp.leads()
    assert lead.title == "Longue ligne"
    assert "mot0 mot1" in lead.note and "FIN-DE-LIGNE" in lead.note


async def test_a_line_past_the_limit_is_a_552_and_the_session_goes_on(
    start_smtp: StartSmtp,
) -> None:
    smtp = await start_smtp(RELAIS_SMTP_MAX_LINE_LENGTH="8192")
    fits = message("Juste", long_line(8190), "fits@x")
    too_long = message("Trop", long_line(8193), "too-long@x")

    def session() -> list[tuple[int, str]]:
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.ehlo("client.test")
            to = ["leads@relais.example"]
            replies = [transaction(client, raw, "a@b.fr", to) for raw in (too_long, fits)]
            return [(r.code, r.text) for r in replies]

    [(code, text), (after, _)] = await asyncio.to_thread(session)
    assert (code, after) == (552, 250)
    assert text == "5.3.4 Line too long: lines of up to 8192 bytes (CRLF included) are accepted"
    await smtp.settle()
    assert [lead.title for lead in await smtp.leads()] == ["Juste"]


async def test_the_line_limit_is_never_below_rfc_5321(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp(RELAIS_SMTP_MAX_LINE_LENGTH="10")
    assert (await smtp.send(message("RFC", long_line(998), "rfc@x"))).code == 250
    reply = await smtp.send(message("Plus", long_line(1000), "plus@x"))
    assert (reply.code, reply.text[:5]) == (552, "5.3.4")
