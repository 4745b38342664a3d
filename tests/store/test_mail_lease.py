"""Mail waiting to be parsed is leased to one processor (migration 0014), on either backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.mail.inbox import RawMail


async def _store(engine: Engine, count: int) -> list[int]:
    ids = []
    for n in range(count):
        head = f"From: jo{n}@acme.fr\r\nSubject: Devis {n}\r\nMessage-ID: <l{n}@acme.fr>\r\n"
        raw = head + "\r\nBonjour\r\n"
        mail = RawMail(raw.encode(), f"jo{n}@acme.fr", ("leads@relais.example",))
        ids.append((await engine.mail.store(mail)).mail_id)
    return ids


@pytest.mark.postgres  # several instances share PostgreSQL only
async def test_a_lease_holds_until_it_ends_or_is_given_back(engine: Engine) -> None:
    ids = await _store(engine, 5)
    assert await engine.mail.claim("a", 2) == ids[:2]
    assert await engine.mail.claim("b", 10) == ids[2:]
    assert await engine.mail.claim("a", 10) == ids[:2]  # its own again (renewed)
    assert await engine.mail.claim_these(ids, "a") == ids[:2]
    later = clock.utcnow() + timedelta(days=1)
    assert await engine.mail.claim("a", 10, now=later) == ids  # b's lease ran out
    assert await engine.mail.release_claims("a") == 5
    assert await engine.mail.claim_these(ids[::-1], "b") == ids[::-1]


@pytest.mark.postgres
async def test_a_mail_no_longer_waiting_is_left_to_the_intake(engine: Engine) -> None:
    ids = await _store(engine, 3)
    await engine.mail.mark_failed(ids[0], "broken")
    assert await engine.mail.claim("a", 10) == ids[1:]  # a failed mail is not waiting
    assert await engine.mail.claim_these(ids, "b") == ids[:1]  # b may look at it: skipped
    await engine.mail.retry(ids[0], Actor.cli("test"))  # waiting again, free to claim
    assert await engine.mail.claim("b", 10) == ids[:1]


async def test_a_claim_another_owner_left_holds_until_its_name_gives_it_back(
    engine: Engine,
) -> None:
    """Both backends: a restart takes back its own name's claims (``MailProcessor.start``)."""
    ids = await _store(engine, 3)
    assert await engine.mail.claim("before-the-crash", 2) == ids[:2]
    assert await engine.mail.claim("someone-else", 10) == ids[2:]
    assert await engine.mail.release_claims("before-the-crash") == 2
    assert await engine.mail.claim_these(ids, "someone-else") == ids
