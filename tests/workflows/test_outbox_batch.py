"""Outbound e-mail that cannot be built: it fails alone, the batch is settled, nothing twice.

The shipped "deal won" e-mail puts the deal's title in its subject, and a
deal's title is often a prospect's mail subject: a line break in it must not
break the header, the message or its batch. Real SQLite, a real SMTP sink.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.outbox import queue as outbox
from engine.workflows.runner import WorkflowRunner
from tests.config.helpers import run_cli
from tests.workflows.conftest import install, new_deal
from tests.workflows.sink import Sink
from tests.workflows.test_mailer import THANKS, worker


async def won(engine: Engine, alice: Actor, title: str, email: str) -> int:
    """A deal whose contact has ``email`` (stored as is), moved to won."""
    deal = await new_deal(engine, alice, title=title, contact=None)
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
    return deal.id


async def deliver(engine: Engine, port: int, hours: float = 0) -> int:
    running = worker(engine, port)
    try:
        return await running.run_once(clock.utcnow() + timedelta(hours=hours))
    finally:
        await running.close()


async def test_a_line_break_in_a_title_is_folded_into_the_subject_not_a_header(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    await install(engine, THANKS)
    await won(engine, alice, "PAG Rika\r\nBcc: spy@evil.example\n\tX-Evil: 1\x00", "jean@dupont.fr")
    await runner.settle()
    assert await deliver(engine, port) == 1
    (mail,) = box.messages
    assert mail["Subject"] == "Merci — PAG Rika Bcc: spy@evil.example X-Evil: 1"
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert box.envelopes == [("devis@martin.fr", ["jean@dupont.fr"])]


async def test_one_message_that_cannot_be_built_fails_alone_and_nothing_is_sent_twice(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    await install(engine, THANKS)
    for title, email in (("Poêle A", "jean@dupont.fr"), ("Poêle B", "x@"), ("C", "lea@petit.fr")):
        await won(engine, alice, title, email)
    await runner.settle()
    assert await deliver(engine, port) == 2  # one batch: three claimed together
    assert sorted(m["To"] for m in box.messages) == ["jean@dupont.fr", "lea@petit.fr"]
    by_status = {m.status: m for m in await engine.outbox.messages()}
    assert sorted(m.status for m in await engine.outbox.messages()) == [
        "delivered",
        "delivered",
        "failed",
    ]
    bad = by_status["failed"]
    assert bad.attempts == 1
    assert bad.last_error == "cannot build the e-mail: invalid recipient address 'x@'"
    (attempt,) = await engine.outbox.attempts(bad.id)
    assert not attempt.ok and attempt.detail == bad.last_error
    # Long after every lease and every retry delay: nothing is claimed, nothing sent again.
    assert await deliver(engine, port, hours=48) == 0
    assert len(box.messages) == 2 and len(await engine.mail.sent()) == 2


async def test_a_dead_letter_is_listed_with_its_reason(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    _, port = sink
    await install(engine, THANKS)
    await won(engine, alice, "Poêle", "x@")
    await runner.settle()
    await deliver(engine, port)
    code, out, _ = await run_cli(tmp_path, "outbox", "--status", "failed", "--lang", "fr")
    (message,) = await engine.outbox.messages()
    assert code == 0 and out.splitlines()[1:] == [
        # the reason in the reader's words (issue #14); the address as refused
        "    motif : impossible de construire l'e-mail : adresse de destinataire invalide 'x@'"
    ]
    assert out.startswith(f"#{message.id} email à x@ : en échec après 1 tentative, créé le ")
    assert (await run_cli(tmp_path, "outbox", "--status", "delivered", "--lang", "fr"))[1] == (
        "Aucun message.\n"
    )


async def test_a_recipient_list_that_hides_a_group_or_a_second_header_is_refused(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    await install(engine, THANKS)
    await won(engine, alice, "Poêle", "friends: spy@evil.example;")
    await won(engine, alice, "Poêle", "jean@dupont.fr\r\nBcc: spy@evil.example")
    await runner.settle()
    assert await deliver(engine, port) == 0
    assert box.messages == []
    failed = await engine.outbox.messages(status="failed")
    assert [m.last_error for m in failed] == [
        "cannot build the e-mail: invalid recipient address 'friends: spy@evil.example;'",
        "cannot build the e-mail: invalid recipient address 'jean@dupont.fr Bcc: spy@evil.example'",
    ]


async def test_a_webhook_to_a_malformed_url_fails_alone_beside_good_mail(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int]
) -> None:
    box, port = sink
    await install(engine, THANKS)
    await won(engine, alice, "Poêle", "jean@dupont.fr")
    for url in ("http://[::1/hook", "ftp://example.com/hook"):
        await engine.db.write(
            partial(outbox.enqueue, kind="webhook", recipient=url, payload={}), alice
        )
    await runner.settle()
    assert await deliver(engine, port) == 1
    assert len(box.messages) == 1
    failed = await engine.outbox.messages(status="failed")
    assert [(m.kind, m.attempts) for m in failed] == [("webhook", 1), ("webhook", 1)]
    assert all((m.last_error or "").startswith("invalid request: ") for m in failed)
