"""Redelivery over real SMTP: same Message-ID *and* content is one message, anything else is new.

An MTA that splits a message's recipients over two transactions must not lose the
second capture address; a form mailer that reuses one Message-ID must not lose
every mail after its first; and each delivery's envelope is kept for ``mail show``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from cli.main import main
from engine import clock
from engine.mail.dedupe import dedupe_key
from engine.mail.inbox import Delivery, copies, deliveries
from engine.store import migrations
from engine.store.db import open_sync
from tests.ingest.conftest import Reply, Smtp, StartSmtp

LEADS, DEALS = "leads@relais.example", "deals@relais.example"


def message(
    subject: str = "Devis poêle",
    sender: str = "jean.dupont@acme-chauffage.fr",
    mid: str = "fixed@form.example",
    body: str = "Bonjour, un devis svp.",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {LEADS}\r\nSubject: {subject}\r\nMessage-ID: <{mid}>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def mail_id(reply: Reply) -> int:
    assert reply.code == 250, reply
    return int(reply.text.rsplit(" ", 1)[1])


async def deliveries_of(smtp: Smtp, mail: int) -> list[Delivery]:
    return await smtp.engine.db.read(lambda conn: deliveries(conn, mail))


async def test_a_split_delivery_routes_the_second_capture_address_too(smtp: Smtp) -> None:
    raw = message()
    first = mail_id(await smtp.send(raw, to=[LEADS]))
    await smtp.settle()
    second = mail_id(await smtp.send(raw, to=[DEALS]))
    await smtp.settle()
    assert second != first
    [lead] = await smtp.leads()
    [deal] = await smtp.engine.deals.search("")
    assert lead.title == deal.title == "Devis poêle"
    assert (
        (await smtp.engine.mail.get(first)).lead_id,
        (await smtp.engine.mail.get(second)).deal_id,
    ) == (
        lead.id,
        deal.id,
    )
    assert (await smtp.engine.mail.get(second)).rcpt_tos == (DEALS,)


async def test_redelivering_to_addresses_already_routed_creates_nothing(smtp: Smtp) -> None:
    raw = message()
    first = mail_id(await smtp.send(raw, to=[LEADS]))
    second = mail_id(await smtp.send(raw, to=[DEALS]))
    again = [
        mail_id(await smtp.send(raw, to=to))
        for to in ([LEADS], [DEALS], [DEALS, LEADS], ["Leads+salon@Relais.Example"])
    ]
    relayed = b"Received: from mx2.example by mx1.example; Mon, 2 Jun 2025\r\n" + raw
    again.append(mail_id(await smtp.send(relayed, to=[LEADS])))
    await smtp.settle()
    assert again == [first, second, first, first, first]
    assert len(await smtp.leads()) == 1 and len(await smtp.engine.deals.search("")) == 1
    mails = await smtp.engine.mail.records()
    assert sorted((m.id, m.deliveries) for m in mails) == [(first, 5), (second, 2)]


async def test_a_tag_or_a_second_address_of_one_capture_is_the_same_capture(
    smtp: Smtp,
) -> None:
    raw = message(mid="tagged@x")
    first = mail_id(await smtp.send(raw, to=["leads+salon@relais.example"]))
    assert mail_id(await smtp.send(raw, to=[LEADS])) == first
    await smtp.settle()
    [deal_row] = [mail_id(await smtp.send(message(mid="d@x", subject="Projet"), to=[DEALS]))]
    await smtp.settle()
    deal_id = (await smtp.engine.mail.get(deal_row)).deal_id
    attached = mail_id(await smtp.send(raw, to=[f"deals+{deal_id}@relais.example"]))
    await smtp.settle()
    assert attached != first
    assert (await smtp.engine.mail.get(attached)).outcome == "thread"
    subjects = [a.subject for a in await smtp.engine.activities.on_record("deal", deal_id or 0)]
    assert subjects == ["Projet", "Devis poêle"]
    assert len(await smtp.leads()) == 1


async def test_a_reused_message_id_with_other_content_is_new_mail(smtp: Smtp) -> None:
    first = mail_id(await smtp.send(message()))
    other = message(
        subject="Pompe à chaleur", sender="helene.lefevre@orange.fr", body="Autre demande."
    )
    second = mail_id(await smtp.send(other, sender="helene.lefevre@orange.fr"))
    third = mail_id(await smtp.send(message(body="Même objet, autre texte.")))
    await smtp.settle()
    assert len({first, second, third}) == 3
    titles = sorted(lead.title for lead in await smtp.leads())
    assert titles == ["Devis poêle", "Devis poêle", "Pompe à chaleur"]
    mails = [await smtp.engine.mail.get(n) for n in (first, second, third)]
    assert {m.message_id for m in mails} == {"fixed@form.example"}
    assert all(m.status == "processed" and m.deliveries == 1 for m in mails)


async def test_each_delivery_records_its_envelope(smtp: Smtp) -> None:
    before = clock.utcnow() - timedelta(seconds=1)
    raw = message(mid="envelope@x")
    first = mail_id(await smtp.send(raw, sender="mta-1@relay.example", to=[LEADS]))
    await smtp.send(raw, sender="mta-2@relay.example", to=[LEADS, DEALS])
    await smtp.send(raw, sender="mta-3@relay.example", to=[DEALS])
    await smtp.settle()
    found = await deliveries_of(smtp, first)
    assert [(d.mail_from, d.rcpt_tos, d.kind) for d in found] == [
        ("mta-1@relay.example", (LEADS,), "new"),
        ("mta-2@relay.example", (LEADS, DEALS), "added"),
        ("mta-3@relay.example", (DEALS,), "duplicate"),
    ]
    added = found[1].mail_id
    assert [d.mail_id for d in found] == [first, added, added]
    assert await smtp.engine.db.read(lambda conn: copies(conn, added)) == [first, added]
    assert all(d.peer == "127.0.0.1" for d in found)
    assert all(before <= d.delivered_at <= clock.utcnow() for d in found)
    assert all(d.delivered_at.utcoffset() == timedelta(0) for d in found)


async def show(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``run.py mail show …`` through the CLI's own entry point (in a thread: it runs a loop)."""
    code = await asyncio.to_thread(main, ["mail", "show", *argv])
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err, captured.err
    return captured.out


async def test_mail_show_lists_every_delivery(
    smtp: Smtp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "relais.db"))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)
    raw = message(mid="show@x")
    first = mail_id(await smtp.send(raw, sender="mta-1@relay.example", to=[LEADS]))
    second = mail_id(await smtp.send(raw, sender="mta-2@relay.example", to=[DEALS]))
    await smtp.send(raw, sender="mta-3@relay.example", to=[DEALS])
    await smtp.settle()
    english = await show(capsys, str(second), "--lang", "en")
    lines = [line for line in english.splitlines() if line.startswith("delivery:")]
    assert len(lines) == 3
    assert "from mta-1@relay.example to leads@relais.example client 127.0.0.1" in lines[0]
    assert lines[0].endswith(f"→ mail {first}: stored as new mail")
    assert lines[1].endswith(f"→ mail {second}: stored again for capture addresses it lacked")
    assert lines[2].endswith(f"→ mail {second}: a redelivery: only counted")
    assert f"same message: mail {first}" in english and "deliveries:   2" in english
    french = await show(capsys, str(first), "--lang", "fr")
    assert "livraison:" in french and "de mta-2@relay.example à deals@relais.example" in french
    assert "une nouvelle livraison : seulement comptée" in french and "statut:" in french


def legacy_database(path: Path, raw: bytes) -> None:
    """A database from before migration 11: one mail stored under its Message-ID alone."""
    conn = open_sync(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:10])
        assert migrations.apply_migrations(conn)[-1] == 10
    key, mid, digest = dedupe_key(raw)
    conn.execute(
        "INSERT INTO mails (received_at, dedupe_key, message_id, content_hash, mail_from,"
        " rcpt_tos, peer, size, raw, status, outcome, deliveries)"
        " VALUES (?, ?, ?, ?, 'mta@relay.example', ?, '192.0.2.7', ?, ?, 'processed', 'lead', 2)",
        (clock.now_db(), key, mid, digest, json.dumps([LEADS]), len(raw), raw),
    )
    conn.close()


async def test_mail_stored_before_the_migration_is_still_recognised(
    start_smtp: StartSmtp, tmp_path: Path
) -> None:
    raw = message(mid="legacy@x")
    legacy_database(tmp_path / "relais.db", raw)
    smtp = await start_smtp()
    [old] = await deliveries_of(smtp, 1)
    assert (old.mail_from, old.rcpt_tos, old.peer, old.kind) == (
        "mta@relay.example",
        (LEADS,),
        "192.0.2.7",
        "new",
    )
    assert mail_id(await smtp.send(raw)) == 1
    reused = mail_id(await smtp.send(message(mid="legacy@x", body="Autre chose.")))
    await smtp.settle()
    assert reused != 1 and [lead.title for lead in await smtp.leads()] == ["Devis poêle"]
    assert (await smtp.engine.mail.get(1)).deliveries == 3


async def test_one_transaction_to_two_capture_addresses_is_routed_for_each(smtp: Smtp) -> None:
    raw = message(mid="both@form.example")
    first = mail_id(await smtp.send(raw, to=[LEADS, DEALS]))
    await smtp.settle()
    [lead] = await smtp.leads()
    [deal] = await smtp.engine.deals.search("")
    rows = await smtp.engine.db.read(lambda conn: copies(conn, first))
    assert len(rows) == 2 and rows[0] == first
    assert (await smtp.engine.mail.get(rows[0])).lead_id == lead.id
    assert (await smtp.engine.mail.get(rows[1])).deal_id == deal.id
    assert mail_id(await smtp.send(raw, to=[DEALS, LEADS])) == first
    await smtp.settle()
    assert len(await smtp.leads()) == 1 and len(await smtp.engine.deals.search("")) == 1


async def test_a_record_token_past_any_possible_id_is_not_an_error(smtp: Smtp) -> None:
    raw = message(subject="Re: [#D-99999999999999999999999] devis", mid="token@form.example")
    stored = mail_id(await smtp.send(raw, to=[LEADS]))
    await smtp.settle()
    record = await smtp.engine.mail.get(stored)
    assert record.status == "processed", record.error
    assert record.lead_id is not None
