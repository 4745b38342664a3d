"""Two instances on one PostgreSQL database: each due item is claimed by one of them,
a lapsed lease lets the other take it, a commit on one wakes the other's worker, the
same mail delivered to both is one record, and a newer schema is refused by name."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.deals import DealDraft
from engine.errors import StorageError
from engine.mail.inbox import RawMail
from engine.outbox.queue import Outcome
from engine.store.db import open_sync
from engine.store.notify import OUTBOX, Listener
from engine.timers.reminders import ReminderSettings

pytestmark = pytest.mark.postgres

OK = Outcome(True, "ok")


async def _drain(engine: Engine, name: str, taken: list[tuple[str, int, str | None]]) -> None:
    """Claim and settle the slack lane until nothing is due."""
    idle = 0
    while idle < 3:
        claimed = await engine.outbox.claim_lane("slack", limit=7)
        if not claimed:
            idle += 1
            await asyncio.sleep(0)
            continue
        idle = 0
        for message in claimed:
            taken.append((name, message.id, message.order_key))
        await asyncio.gather(*(engine.outbox.settle(m.id, OK) for m in claimed))


async def test_two_instances_claim_each_message_once_and_in_order_per_channel(
    engine: Engine, other: Engine
) -> None:
    for n in range(4):
        for channel in range(15):
            await engine.outbox.queue_slack(f"channel:C{channel}", "post", {"n": n})
    taken: list[tuple[str, int, str | None]] = []
    await asyncio.gather(_drain(engine, "a", taken), _drain(other, "b", taken))
    ids = [message_id for _, message_id, _ in taken]
    assert sorted(ids) == list(range(1, 61))  # every message, each claimed once
    per_channel: dict[str | None, list[int]] = defaultdict(list)
    for _, message_id, key in taken:
        per_channel[key].append(message_id)
    assert all(found == sorted(found) for found in per_channel.values())
    assert {name for name, _, _ in taken} == {"a", "b"}  # both worked
    assert await other.outbox.counts("slack") == {"delivered": 60}


async def test_a_lapsed_lease_lets_the_other_instance_take_the_message(
    engine: Engine, other: Engine
) -> None:
    await engine.outbox.queue_slack("channel:C1", "post", {"n": 1})
    (first,) = await engine.outbox.claim_lane("slack", lease=60)
    assert await other.outbox.claim_lane("slack") == []  # leased to the first instance
    later = clock.utcnow() + timedelta(seconds=61)  # the first instance died meanwhile
    (again,) = await other.outbox.claim_lane("slack", now=later)
    assert again.id == first.id
    assert await other.outbox.settle(again.id, OK) == "delivered"
    assert await engine.outbox.claim_lane("slack", now=later) == []


async def test_due_reminders_and_digests_fire_once_across_instances(
    engine: Engine, other: Engine, alice: Actor, bob: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Poêle Dupont"), alice)
    now = clock.utcnow() + timedelta(hours=2)
    for n in range(5):
        due = now - timedelta(minutes=n + 1)
        await engine.activities.create(
            ActivityDraft("call", f"Rappel {n}", due_at=due, deal_id=deal.id), alice
        )
    settings = ReminderSettings(digest_hour=0)
    reports = await asyncio.gather(
        *(e.reminders.run(settings, now) for e in (engine, other, engine, other)),
        return_exceptions=True,
    )
    assert not [r for r in reports if isinstance(r, BaseException)]
    sent = await engine.outbox.messages()
    reasons = sorted(m.payload["reason"] for m in sent)
    assert reasons == ["digest", *["reminder"] * 5]  # Bob has nothing to read


async def test_a_commit_on_one_instance_wakes_the_others_listener(
    engine: Engine, db_path: Path
) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = Listener(str(db_path), {OUTBOX: heard.put_nowait})
    await listener.start()
    try:
        await asyncio.wait_for(listener.ready.wait(), 10)
        assert await asyncio.wait_for(heard.get(), 10) == ""  # woken once on connecting
        await engine.outbox.queue_slack("channel:C1", "post", {"n": 1})
        assert await asyncio.wait_for(heard.get(), 10) == "slack"
    finally:
        await listener.close()


def _raw(n: int) -> bytes:
    return (
        f"From: Jo <jo{n}@acme.fr>\r\nTo: leads@relais.example\r\nSubject: Devis {n}\r\n"
        f"Message-ID: <m{n}@acme.fr>\r\n\r\nBonjour\r\n"
    ).encode()


async def test_the_same_mail_delivered_to_two_instances_is_one_record(
    engine: Engine, other: Engine
) -> None:
    mail = RawMail(_raw(1), "jo1@acme.fr", ("leads@relais.example",))
    first = await engine.mail.store(mail)
    again = await other.mail.store(mail)  # the sender retried on another MX
    assert again.mail_id == first.mail_id and again.kind == "duplicate"
    # At the same moment on both: one stores it, the other finds that copy (both 250).
    for n in range(2, 12):
        both = RawMail(_raw(n), f"jo{n}@acme.fr", ("leads@relais.example",))
        a, b = await asyncio.gather(engine.mail.store(both), other.mail.store(both))
        assert a.mail_id == b.mail_id and sorted([a.kind, b.kind]) == ["duplicate", "new"]
    assert len(await engine.mail.records()) == 11


async def test_an_instance_older_than_the_schema_refuses_to_start_naming_it(
    engine: Engine, db_path: Path
) -> None:
    conn = open_sync(str(db_path))
    try:
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (9999, "from the future", clock.now_db()),
        )
    finally:
        conn.close()
    with pytest.raises(StorageError, match="9999 \\(from the future\\)"):
        await Engine.open(db_path)


async def test_the_service_wiring_wakes_the_slack_deliverer_and_the_outbox_worker(
    engine: Engine, db_path: Path
) -> None:
    from service.wake import Wake, across_instances

    kicked, worked = asyncio.Event(), asyncio.Event()

    async def work() -> None:
        worked.set()

    outbox = Wake(work, "test-outbox")
    listener = across_instances(str(db_path), outbox, kicked.set)
    assert listener is not None and across_instances(None, outbox, kicked.set) is None
    await listener.start()
    try:
        await asyncio.wait_for(listener.ready.wait(), 10)
        await asyncio.wait_for(asyncio.gather(kicked.wait(), worked.wait()), 10)  # on connecting
        kicked.clear()
        await engine.outbox.queue_slack("channel:C9", "post", {"n": 9})
        await asyncio.wait_for(kicked.wait(), 10)
    finally:
        await listener.close()
        await outbox.close()


async def test_escalations_and_automatic_transitions_due_on_both_instances_fire_once(
    engine: Engine, other: Engine, admin: Actor, alice: Actor
) -> None:
    from engine.crm.contacts import ContactDraft
    from engine.crm.leads import LeadDraft
    from tests.blueprint.test_lead_timers import later, timed

    await engine.blueprints.save(timed(), admin)  # "new": a time limit of 2 days
    leads = []
    for n in range(6):
        draft = LeadDraft(f"Poêle {n}", ContactDraft(f"J {n}", f"j{n}@example.com"))
        leads.append(await engine.leads.create(draft, alice))
    moment = later(days=3)
    reports = await asyncio.gather(
        *(e.blueprints.run_timers(moment) for e in (engine, other, engine, other))
    )
    assert sum(r.escalated for r in reports) == 6
    assert (await other.blueprints.run_timers(later(days=4))).escalated == 0
    for lead in leads:
        await other.blueprints.perform_lead(lead.id, "contacter", {}, alice)
    moment = later(days=22)  # "contacted" → "disqualified" by itself after 3 weeks
    reports = await asyncio.gather(
        *(e.blueprints.run_timers(moment) for e in (other, engine, other, engine))
    )
    assert sum(r.transitioned for r in reports) == 6
    assert {(await engine.leads.get(lead.id)).status for lead in leads} == {"disqualified"}


async def test_a_workflow_delay_due_on_both_instances_resumes_once(
    engine: Engine, other: Engine, alice: Actor
) -> None:
    from service import wiring
    from tests.workflows.conftest import SETUP, install, new_deal, runs
    from tests.workflows.test_timers import WAIT, texts

    await install(engine, WAIT)
    runner = engine.workflows.runner(SETUP)
    wiring.apply(engine.bus, wiring.workflow_listeners(runner))
    runner.start()
    try:
        for n in range(4):
            await new_deal(engine, alice, f"Deal {n}")
        await runner.settle()
    finally:
        await runner.stop()
    waiting = await runs(engine)
    assert {r.status for r in waiting} == {"waiting"}
    later = max(r.resume_at for r in waiting if r.resume_at) + timedelta(hours=1)
    mine, theirs = engine.workflows.runner(SETUP), other.workflows.runner(SETUP)
    reports = await asyncio.gather(mine.tick(later), theirs.tick(later), mine.tick(later))
    assert sum(r.resumed for r in reports) == 4
    assert {r.status for r in await runs(other)} == {"succeeded"}
    assert sorted(await texts(other)) == ["deux heures après"] * 4 + ["tout de suite"] * 4


async def test_stored_mail_processed_by_both_instances_at_once_becomes_one_lead_each(
    engine: Engine, other: Engine
) -> None:
    from config.routing import default_policy
    from ingest.processor import MailProcessor

    ids = []
    for n in range(8):
        raw = _raw(n).replace(b"Bonjour", f"Bonjour, un devis pour {n} svp.".encode())
        stored = await engine.mail.store(RawMail(raw, f"jo{n}@acme.fr", ("leads@relais.example",)))
        ids.append(stored.mail_id)
    here = MailProcessor(engine, default_policy(), workers=0)
    there = MailProcessor(other, default_policy(), workers=0)
    await asyncio.gather(here.process_batch(ids), there.process_batch(ids))
    mails = [await engine.mail.get(i) for i in ids]
    assert {(m.status, m.outcome) for m in mails} == {("processed", "lead")}
    leads = await other.leads.by_status(None)
    assert sorted(lead.id for lead in leads) == sorted(m.lead_id or 0 for m in mails)
    assert len(leads) == 8


async def test_two_instances_moving_one_deal_at_once_one_wins(
    engine: Engine, other: Engine, alice: Actor, bob: Actor
) -> None:
    from engine.errors import Conflict

    for n in range(5):
        deal = await engine.deals.create(DealDraft(f"Poêle {n}"), alice)
        results = await asyncio.gather(
            engine.deals.move(deal.id, "devis", alice, deal.version),
            other.deals.move(deal.id, "gagne", bob, deal.version),
            return_exceptions=True,
        )
        won = [r for r in results if not isinstance(r, BaseException)]
        lost = [r for r in results if isinstance(r, BaseException)]
        assert len(won) == 1 and len(lost) == 1
        # a stale version (Conflict) or a write that read a row changed meanwhile
        assert isinstance(lost[0], Conflict | StorageError) or "concurrent" in str(lost[0])
        after = await other.deals.get(deal.id)
        assert after.version == deal.version + 1 and after.stage_id == won[0].stage_id


async def test_a_slack_request_retried_to_both_instances_is_taken_once(
    engine: Engine, other: Engine
) -> None:
    for n in range(6):
        keys = (f"v0=sig{n}", f"trigger-{n}")
        taken = await asyncio.gather(
            engine.chat.claim_request(keys, None), other.chat.claim_request(keys, None)
        )
        assert sorted(taken) == [False, True]
