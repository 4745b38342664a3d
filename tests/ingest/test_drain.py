"""A backlog left by a restart drains continuously, past one scan's worth of mail.

A restart used to process the first 1,000 waiting mails, then wait for the
next periodic scan (30 s) before the next 1,000. Here the periodic scan is an
hour away: only a drain that scans again by itself finishes within the deadline.
"""

from __future__ import annotations

import asyncio

from engine.core import Engine
from engine.mail.inbox import RawMail
from engine.mail.routes import IntakePolicy
from ingest.processor import SCAN, MailProcessor
from service import wiring
from tests.ingest.test_stall import until

HOUR = 3600.0


def raw(n: int) -> bytes:
    head = f"From: p{n}@client{n % 7}.fr\r\nSubject: Demande {n}\r\nMessage-ID: <drain-{n}@t>\r\n"
    return f"{head}\r\nBonjour {n}\r\n".encode()


async def store(engine: Engine, count: int) -> None:
    """Mail stored while no processor runs, as a crash or a stop leaves it."""
    await asyncio.gather(
        *(
            engine.mail.store(RawMail(raw(n), f"p{n}@client{n % 7}.fr", ("leads@relais.example",)))
            for n in range(count)
        )
    )


async def waiting(engine: Engine) -> int:
    sql = "SELECT count(*) FROM mails WHERE status = 'received'"
    return int(await engine.db.read(lambda c: c.execute(sql).fetchone()[0]))


async def drain(
    engine: Engine, policy: IntakePolicy, within: float, scan_limit: int = SCAN
) -> None:
    processor = MailProcessor(engine, policy, workers=0, rescan=HOUR, scan_limit=scan_limit)
    wiring.apply(engine.bus, wiring.mail_listeners(processor))
    await processor.start()
    try:
        await until(lambda: nothing_waits(engine), within)
    finally:
        await processor.stop()


async def nothing_waits(engine: Engine) -> bool:
    return await waiting(engine) == 0


async def test_three_scans_worth_of_backlog_drain_without_waiting_for_the_rescan(
    engine: Engine, policy: IntakePolicy
) -> None:
    await store(engine, 130)
    await drain(engine, policy, 30.0, scan_limit=40)
    processed = await engine.mail.records("processed", limit=1000)
    assert len(processed) == 130 and {m.outcome for m in processed} == {"lead"}


async def test_more_than_a_thousand_waiting_mails_drain_after_a_restart(
    engine: Engine, policy: IntakePolicy
) -> None:
    await store(engine, SCAN + 100)
    await drain(engine, policy, 120.0)
    assert len(await engine.mail.records("processed", limit=5000)) == SCAN + 100
