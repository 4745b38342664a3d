"""Claims are named by the instance: a restart under the same name takes back at once what
its predecessor held, another name waits for the lease to run out. On both backends."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta
from pathlib import Path

from config.routing import default_policy
from config.settings import load_settings
from engine import clock
from engine.core import Engine
from engine.mail.inbox import RawMail
from ingest.listener import claims_owner
from ingest.processor import MailProcessor

WITHIN = 20.0  # seconds: far below the 120 s lease a takeover must not wait for


async def _store(engine: Engine, count: int) -> list[int]:
    ids = []
    for n in range(count):
        head = f"From: jo{n}@acme.fr\r\nSubject: Devis {n}\r\nMessage-ID: <il{n}@acme.fr>\r\n"
        raw = head + "\r\nBonjour\r\n"
        mail = RawMail(raw.encode(), f"jo{n}@acme.fr", ("leads@relais.example",))
        ids.append((await engine.mail.store(mail)).mail_id)
    return ids


async def _until_none_waits(engine: Engine) -> None:
    deadline = asyncio.get_running_loop().time() + WITHIN
    while await engine.mail.pending():
        assert asyncio.get_running_loop().time() < deadline, "mail still waiting"
        await asyncio.sleep(0.05)


def _processor(engine: Engine, owner: str) -> MailProcessor:
    return MailProcessor(engine, default_policy(), workers=0, owner=owner)


async def test_a_restart_under_the_same_name_takes_back_its_mail_at_once(engine: Engine) -> None:
    ids = await _store(engine, 5)
    # What the instance that died held: its scan's claim, a lease of two minutes.
    assert await engine.mail.claim("relais-1", 10) == ids
    restarted = _processor(engine, "relais-1")
    await restarted.start()
    try:
        await _until_none_waits(engine)
    finally:
        await restarted.stop()
    mails = [await engine.mail.get(mail_id) for mail_id in ids]
    assert {(m.status, m.outcome) for m in mails} == {("processed", "lead")}


async def test_another_instance_waits_for_the_lease_to_run_out(engine: Engine) -> None:
    ids = await _store(engine, 4)
    assert await engine.mail.claim("relais-1", 10) == ids  # relais-1 died holding them
    other = _processor(engine, "relais-2")
    await other.start()  # its first scan has run: it took nothing
    try:
        await other.idle()
        assert await engine.mail.pending() == ids
        assert await engine.mail.claim_these(ids, "relais-2") == []
    finally:
        await other.stop()
    later = clock.utcnow() + timedelta(minutes=3)
    assert await engine.mail.claim("relais-2", 10, now=later) == ids  # the lease ran out


async def test_stopping_gives_back_only_its_own_claims(engine: Engine) -> None:
    ids = await _store(engine, 4)
    assert await engine.mail.claim("relais-1", 2) == ids[:2]
    assert await engine.mail.claim("relais-2", 2) == ids[2:]
    assert await engine.mail.release_claims("relais-1") == 2
    assert await engine.mail.claim("relais-3", 10) == ids[:2]


def test_claims_are_named_by_the_instance(tmp_path: Path) -> None:
    sqlite = load_settings({"RELAIS_DATABASE": str(tmp_path / "r.db")}, env_file=None)
    postgres = load_settings({"RELAIS_DATABASE": "postgresql://relais@db/relais"}, env_file=None)
    named = {"RELAIS_INSTANCE": " relais-2 "}
    assert claims_owner(sqlite, named) == claims_owner(postgres, named) == "relais-2"
    host = socket.gethostname()
    assert claims_owner(sqlite, {}) == host  # one service per SQLite file: the same after a restart
    assert claims_owner(postgres, {}) == f"{host}-{os.getpid()}"  # this process alone
