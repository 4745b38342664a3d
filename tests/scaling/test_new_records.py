"""A new company written by several writers at once: one record, and nobody waits a second.

On PostgreSQL an instance writes through several connections, and several
instances write at once. Two mails from one new company, processed side by side,
both find its organisation missing. The first writer takes the record's key
(``claims.new_key``); the second steps back at once and runs again after the
first's commit, finding its row. It used to insert too, and wait on the unique
key inside its transaction: two batches each creating what the other created
waited on each other until the server's deadlock check aborted one, a second
later (a backlog of 130 mails from 7 companies took up to 9 s instead of 0.7).
An organisation known by its name only has no unique key at all: without the
lock, two writers created it twice.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
from typing import cast

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.store import claims
from engine.store.batches import wait_for_key
from engine.store.claims import exclusively
from engine.store.postgres import BEGIN_WRITE, PgConnection, connect
from engine.store.targets import KeyBusy
from engine.store.tx import Tx
from tests.conftest import until

pytestmark = pytest.mark.postgres

COMPANIES = [f"Société {n}" for n in range(6)]


def drafts(seed: int) -> list[ContactDraft]:
    """Forty-eight people of six new companies, in an order of their own: by the
    company's domain, and by its name alone (their mail is a public provider's)."""
    people = [
        ContactDraft(f"P{n}", f"p{n}@societe-{n % 6}.fr", organisation=COMPANIES[n % 6])
        for n in range(24)
    ] + [
        ContactDraft(f"G{n}", f"g{n}.{seed}@gmail.com", organisation=COMPANIES[n % 6])
        for n in range(24)
    ]
    random.Random(seed).shuffle(people)
    return people


async def test_two_instances_creating_the_same_companies_make_each_once(
    engine: Engine, other: Engine, alice: Actor
) -> None:
    made = await asyncio.gather(
        *(engine.contacts.find_or_create(d, alice) for d in drafts(1)),
        *(other.contacts.find_or_create(d, alice) for d in drafts(2)),
    )
    sql = "SELECT name, count(*) FROM organisations GROUP BY name ORDER BY name"
    counted = await engine.db.read(lambda c: [tuple(r) for r in c.execute(sql).fetchall()])
    assert counted == [(name, 1) for name in COMPANIES]
    by_name = {c.name: c.organisation_id for c in made}
    assert len(set(by_name.values())) == 6 and by_name["P0"] == by_name["G0"]


def test_a_second_writer_steps_back_then_waits_outside_its_transaction(
    engine: Engine, alice: Actor
) -> None:
    first, second = _connections(engine), _connections(engine)
    try:
        first.execute(BEGIN_WRITE)
        claims.new_key(_tx(first, alice), "organisations:societe-1.fr")
        second.execute(BEGIN_WRITE)
        with pytest.raises(KeyBusy) as busy:  # at once: no wait inside a transaction
            claims.new_key(_tx(second, alice), "organisations:societe-1.fr")
        second.execute("ROLLBACK")
        waited = threading.Thread(target=wait_for_key, args=(second, busy.value.key))
        waited.start()
        waited.join(0.2)
        assert waited.is_alive()  # the first still holds it
        first.execute("COMMIT")
        waited.join(10.0)  # the wait ends with the first's commit
        assert not waited.is_alive()
        second.execute(BEGIN_WRITE)
        claims.new_key(_tx(second, alice), "organisations:societe-1.fr")  # free now
        second.execute("ROLLBACK")
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("exclusive", [False, True], ids=["in a batch", "exclusive"])
async def test_a_write_waits_for_the_record_another_transaction_is_creating(
    engine: Engine, alice: Actor, exclusive: bool
) -> None:
    def create(tx: Tx) -> int:
        claims.new_key(tx, "organisations:societe-9.fr")
        return 9

    holder = _connections(engine)
    try:
        holder.execute(BEGIN_WRITE)
        claims.new_key(_tx(holder, alice), "organisations:societe-9.fr")
        write = exclusively("test", create) if exclusive else create
        task = asyncio.ensure_future(engine.db.write(write, alice))

        async def waiting() -> bool:
            if task.done():  # stepped back and given up instead of waiting
                raise AssertionError(f"the write ended while the key was held: {task}")
            return await asyncio.to_thread(_waits_on_advisory_lock, engine)

        await until(waiting, 10.0, "the writer waiting for the key, outside its transaction")
        holder.execute("COMMIT")
        assert await asyncio.wait_for(task, 10.0) == 9
    finally:
        holder.close()


def _waits_on_advisory_lock(engine: Engine) -> bool:
    """Whether a session waits for an advisory lock (asked on a connection of its own:
    the store's would answer a repeated read from its first answer)."""
    import psycopg

    assert engine.db.url is not None
    sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    with psycopg.connect(engine.db.url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    return row is not None and bool(row[0])


def _tx(conn: PgConnection, actor: Actor) -> Tx:
    """A job's view on a connection of its own, as the store's writers give it."""
    return Tx(cast(sqlite3.Connection, conn), actor)


def _connections(engine: Engine) -> PgConnection:
    assert engine.db.url is not None
    return connect(engine.db.url)
