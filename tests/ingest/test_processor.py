"""The background processor: batches, a dying parser process, failures kept for retry."""

from __future__ import annotations

import os
import signal

import pytest

from engine.core import Engine
from engine.mail.inbox import RawMail
from engine.mail.routes import IntakePolicy
from ingest.parsing import WorkerParser
from ingest.processor import MailProcessor
from service import wiring


def raw(n: int) -> bytes:
    head = f"From: p{n}@client.fr\r\nSubject: Projet {n}\r\nMessage-ID: <p-{n}@t>\r\n"
    return f"{head}\r\nx\r\n".encode()


async def store(engine: Engine, count: int) -> list[int]:
    ids = []
    for n in range(count):
        stored = await engine.mail.store(
            RawMail(raw(n), f"p{n}@client.fr", ("leads@relais.example",))
        )
        ids.append(stored.mail_id)
    return ids


async def test_a_batch_is_parsed_once_and_committed_together(
    engine: Engine, policy: IntakePolicy
) -> None:
    ids = await store(engine, 10)
    commits = engine.db.stats["commits"]
    outcomes = await MailProcessor(engine, policy, workers=0).process_batch(ids)
    assert [o.outcome for o in outcomes if o is not None] == ["lead"] * 10
    if engine.db.writers == 1:  # SQLite: one group commit, and one for the claims
        assert engine.db.stats["commits"] - commits <= 2
    # PostgreSQL's writers each take what waits when free: the writes are spread, not joined


async def test_a_dead_parser_process_is_replaced_and_nothing_is_lost(
    engine: Engine, policy: IntakePolicy
) -> None:
    processor = MailProcessor(engine, policy, workers=1)
    wiring.apply(engine.bus, wiring.mail_listeners(processor))
    await processor.start()
    try:
        parser = processor._parser
        assert isinstance(parser, WorkerParser)
        [worker] = parser.workers
        pid = worker.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the worker dies, as on a pathological message
        ids = await store(engine, 3)
        outcomes = await processor.process_batch(ids)
        assert [o.outcome for o in outcomes if o is not None] == ["lead"] * 3
        assert worker.pid not in (None, pid)
    finally:
        await processor.stop()


async def test_a_message_that_cannot_be_read_back_is_marked_failed(
    engine: Engine, policy: IntakePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    [mail_id] = await store(engine, 1)

    async def gone(mail_id: int) -> bytes:
        raise OSError("reader unavailable")

    monkeypatch.setattr(engine.mail, "raw", gone)
    assert await MailProcessor(engine, policy, workers=0).process(mail_id) is None
    failed = await engine.mail.get(mail_id)
    assert failed.status == "failed" and failed.error == "OSError: reader unavailable"
