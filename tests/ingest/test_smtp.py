"""End to end over real SMTP sockets: smtplib (in a thread) against the running listener."""

from __future__ import annotations

import asyncio
import shutil
import smtplib
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from engine.mail.inbox import RawMail, Stored
from engine.mail.routes import IntakePolicy
from ingest.auth import hash_password
from tests.ingest.conftest import FIXTURES, Reply, Smtp, StartSmtp, deliver, eml, transaction


def plain(subject: str, sender: str = "jean.dupont@acme-chauffage.fr", mid: str = "") -> bytes:
    message_id = f"Message-ID: <{mid}>\r\n" if mid else ""
    return (
        f"From: {sender}\r\nTo: leads@relais.example\r\nSubject: {subject}\r\n{message_id}"
        f"\r\nBonjour, {subject}.\r\n"
    ).encode()


async def test_a_french_form_mail_becomes_a_lead(smtp: Smtp) -> None:
    reply = await smtp.send(eml("french_form_qp.eml"), sender="wordpress@chauffage-durand.fr")
    assert reply.code == 250 and reply.text.startswith("2.0.0 OK: queued as ")
    await smtp.settle()
    [lead] = await smtp.leads()
    contact = await smtp.engine.contacts.by_email("helene.lefevre@orange.fr")
    assert contact is not None and lead.contact_id == contact.id
    assert "pompe à chaleur" in lead.note


async def test_an_html_only_mail_becomes_a_lead_with_readable_text(smtp: Smtp) -> None:
    assert (await smtp.send(eml("html_only.eml"))).code == 250
    await smtp.settle()
    [lead] = await smtp.leads()
    assert "Nous rénovons un immeuble de 24 logements" in lead.note and "<p>" not in lead.note


async def test_relay_attempts_are_refused_and_nothing_is_stored(smtp: Smtp) -> None:
    for outsider in (
        "someone@gmail.com",
        "leads@relais.example.evil.com",
        "leads%x@relais.example",
    ):
        reply = await smtp.send(plain("relay"), to=[outsider])
        assert (reply.code, reply.text[:5]) == (550, "5.1.1"), outsider

    def sendmail() -> None:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.sendmail("a@b.fr", ["x@y.fr"], plain("relay"))

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await asyncio.to_thread(sendmail)
    assert await smtp.engine.mail.records() == []


async def test_oversized_mail_is_refused_with_552(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp(RELAIS_SMTP_MAX_MESSAGE_SIZE="2000")

    def session() -> list[int]:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            assert client.esmtp_features["size"] == "2000"
            announced, _ = client.mail("a@b.fr", ["SIZE=5000"])
            client.rset()
            big = plain("big") + (b"x" * 70 + b"\r\n") * 50
            sent = transaction(client, big, "a@b.fr", ["leads@relais.example"])
            small = transaction(client, plain("ok"), "a@b.fr", ["leads@relais.example"])
            return [announced, sent.code, small.code]

    # the session goes on after each refusal
    assert await asyncio.to_thread(session) == [552, 552, 250]
    assert len(await smtp.engine.mail.records()) == 1


async def test_the_same_message_twice_is_250_twice_and_one_lead(smtp: Smtp) -> None:
    raw = plain("devis", mid="twice@acme")
    first, second = await smtp.send(raw), await smtp.send(raw)
    assert first.code == second.code == 250 and first.text == second.text
    no_id = plain("sans identifiant")
    assert (await smtp.send(no_id)).text == (await smtp.send(no_id)).text
    await smtp.settle()
    assert len(await smtp.leads()) == 2
    assert [m.deliveries for m in await smtp.engine.mail.records()] == [2, 2]


@pytest.mark.parametrize(
    ("fixture", "sender"),
    [
        ("bounce.eml", "<>"),
        ("auto_reply.eml", "paul.roux@roux-sa.fr"),
        ("list.eml", "news@batiment-info.fr"),
    ],
)
async def test_bounces_auto_replies_and_lists_are_accepted_but_never_leads(
    smtp: Smtp, fixture: str, sender: str
) -> None:
    def session() -> list[int]:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            command = f"FROM:{sender}" if sender == "<>" else f"FROM:<{sender}>"
            mail = client.docmd("MAIL", command)[0]
            return [mail, client.rcpt("leads@relais.example")[0], client.data(eml(fixture))[0]]

    assert await asyncio.to_thread(session) == [250, 250, 250]
    await smtp.settle()
    [mail] = await smtp.engine.mail.records()
    assert mail.status == "ignored" and await smtp.leads() == []


async def test_a_reply_threads_onto_its_deal_even_when_the_capture_address_is_cc(
    smtp: Smtp,
) -> None:
    first = plain("Demande de devis", mid="first-1@acme-chauffage.fr")
    assert (await smtp.send(first, to=["deals@relais.example"])).code == 250
    await smtp.settle()
    [deal] = await smtp.engine.deals.search("Demande de devis")
    reply = eml("reply.eml").replace(
        b"To: deals@relais.example", b"To: alice@example.com\nCc: deals@relais.example"
    )
    assert (await smtp.send(reply, to=["deals@relais.example"])).code == 250
    await smtp.settle()
    subjects = [a.subject for a in await smtp.engine.activities.on_record("deal", deal.id)]
    assert subjects == ["Demande de devis", "Re: Demande de devis"]
    assert len(await smtp.engine.deals.search("")) == 1


async def test_a_mail_to_a_deal_address_is_attached_to_the_deal(smtp: Smtp) -> None:
    await smtp.send(plain("Projet", mid="p@x"), to=["deals@relais.example"])
    await smtp.settle()
    [deal] = await smtp.engine.deals.search("Projet")
    reply = await smtp.send(eml("attachments.eml"), to=[f"deals+{deal.id}@relais.example"])
    assert reply.code == 250
    refused = await smtp.send(plain("x"), to=[f"deals+{deal.id + 100}@relais.example"])
    assert refused.code == 550
    await smtp.settle()
    assert len(await smtp.engine.activities.on_record("deal", deal.id)) == 2


def huge_headers() -> bytes:
    subject = b"Subject: " + b"\r\n ".join(b"h" * 900 for _ in range(300)) + b"\r\n"
    filler = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 200) for i in range(3000))
    return (
        b"From: huge@header-test.fr\r\nMessage-ID: <huge@h>\r\n" + subject + filler + b"\r\nok\r\n"
    )


async def test_a_malformed_corpus_never_stops_the_daemon_nor_loses_a_message(smtp: Smtp) -> None:
    corpus = [p.read_bytes() for p in sorted((FIXTURES / "malformed").glob("*.eml"))]
    corpus += [huge_headers(), b"\xff\xfe\x00garbage only, no structure at all\r\n", b""]
    replies = [await smtp.send(raw, sender="robot@fuzz-test.fr") for raw in corpus]
    assert [r.code for r in replies] == [250] * len(corpus)
    assert (await smtp.send(plain("still alive", mid="alive@x"))).code == 250
    await smtp.settle()
    mails = await smtp.engine.mail.records(limit=100)
    assert len(mails) == len(corpus) + 1
    assert all(m.status != "received" for m in mails)
    assert {m.id for m in mails} == {int(r.text.rsplit(" ", 1)[1]) for r in replies} | {mails[0].id}
    assert any(lead.title == "still alive" for lead in await smtp.leads())


async def test_a_storage_failure_answers_451_never_500(
    smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(mail: RawMail) -> Stored:
        raise OSError("disk I/O error")

    monkeypatch.setattr(smtp.engine.mail, "store", broken)
    reply = await smtp.send(plain("lost?"))
    assert (reply.code, reply.text) == (451, "4.3.0 Temporary failure; try again later")
    monkeypatch.undo()
    assert (await smtp.send(plain("lost?"))).code == 250  # the sender's retry succeeds


async def test_an_exception_in_a_hook_is_451(smtp: Smtp, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(kind: str, record_id: int) -> bool:
        raise RuntimeError("reader gone")

    monkeypatch.setattr(smtp.engine.mail, "record_exists", broken)
    reply = await smtp.send(plain("x"), to=["deals+1@relais.example"])
    assert reply.code == 451


async def test_per_client_limits(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp(RELAIS_SMTP_RATE_LIMIT="2", RELAIS_SMTP_MAX_CONNECTIONS="1")

    def sessions() -> tuple[list[int], int]:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            to = ["leads@relais.example"]
            codes = [transaction(client, plain(f"m{i}"), "a@b.fr", to).code for i in range(3)]
            try:
                smtplib.SMTP("127.0.0.1", smtp.port)
            except smtplib.SMTPConnectError as refused:
                return codes, refused.smtp_code
            return codes, 220

    assert await asyncio.to_thread(sessions) == ([250, 250, 451], 421)


async def test_an_idle_session_times_out(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp(RELAIS_SMTP_TIMEOUT="1")
    reader, writer = await asyncio.open_connection("127.0.0.1", smtp.port)
    assert (await reader.readline()).startswith(b"220 relais.test")
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # closed by the server
    writer.close()


async def test_many_concurrent_sessions_share_commits(smtp: Smtp) -> None:
    def session(n: int) -> list[int]:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            return [
                transaction(
                    client,
                    plain(f"s{n}-{i}", sender=f"p{n}-{i}@x.fr"),
                    "a@b.fr",
                    ["leads@relais.example"],
                ).code
                for i in range(5)
            ]

    codes = await asyncio.gather(*(asyncio.to_thread(session, n) for n in range(16)))
    assert [c for batch in codes for c in batch] == [250] * 80
    await smtp.settle()
    assert len(await smtp.leads()) == 80
    stats = smtp.engine.db.stats
    assert stats["commits"] < stats["jobs"]


async def test_parsing_in_a_worker_process(start_smtp: StartSmtp) -> None:
    smtp = await start_smtp(RELAIS_MAIL_PARSE_WORKERS="1")
    assert (await smtp.send(eml("encoded_words.eml"))).code == 250
    await smtp.settle()
    [lead] = await smtp.leads()
    assert lead.title == "Devis poêle à granulés"


async def test_unprocessed_mail_left_by_a_crash_is_processed_at_start(
    start_smtp: StartSmtp, policy: IntakePolicy
) -> None:
    first = await start_smtp()
    await first.listener.processor.stop()  # as if the process died right after the 250
    assert (await first.send(plain("orphan", mid="orphan@x"))).code == 250
    await first.listener.stop()
    [mail] = await first.engine.mail.records()
    assert mail.status == "received"
    await first.engine.close()
    second = await start_smtp()
    await second.settle()
    assert [lead.title for lead in await second.leads()] == ["orphan"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=relais.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


async def test_starttls_and_auth(
    start_smtp: StartSmtp, certificate: tuple[str, str], tmp_path: Path
) -> None:
    users = tmp_path / "smtp-users"
    users.write_text("website:" + hash_password("s3cret") + "\n")
    smtp = await start_smtp(
        RELAIS_SMTP_TLS_CERT=certificate[0],
        RELAIS_SMTP_TLS_KEY=certificate[1],
        RELAIS_SMTP_AUTH_FILE=str(users),
        RELAIS_SMTP_RATE_LIMIT="1",
    )

    def submit() -> Reply:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            assert client.has_extn("starttls")
            client.starttls(context=context)
            client.ehlo()
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("website", "wrong")
            client.login("website", "s3cret")
            replies = [
                transaction(client, plain(f"m{i}"), "a@b.fr", ["leads@relais.example"])
                for i in range(3)
            ]
            assert [r.code for r in replies] == [250, 250, 250]  # authenticated: no rate limit
            return replies[0]

    assert (await asyncio.to_thread(submit)).code == 250


async def test_without_auth_configured_no_auth_is_advertised(smtp: Smtp) -> None:
    def features() -> set[str]:
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            client.ehlo()
            return set(client.esmtp_features)

    assert await asyncio.to_thread(features) == {"size", "8bitmime", "smtputf8", "help"}


def test_deliver_helper_reports_refusals() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        deliver(port, b"x", "a@b.fr", ["leads@relais.example"])
