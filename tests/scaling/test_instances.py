"""Two instances on one PostgreSQL database: each due item is claimed by one of them,
a lapsed lease lets the other take it, a commit on one wakes the other's worker, the
same mail delivered to both is one record, and a newer schema is refused by name."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config.routing import default_policy
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.deals import DealDraft
from engine.errors import StorageError
from engine.mail.inbox import RawMail
from engine.mail.intake import Outcome as MailOutcome
from engine.outbox.queue import Outcome
from engine.store.db import open_sync
from engine.store.notify import OUTBOX, Listener
from engine.timers.reminders import ReminderSettings
from ingest.processor import MailProcessor

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


class Counting(MailProcessor):
    """The real processor, noting which messages it parses (into a shared list)."""

    def __init__(self, engine: Engine, name: str, parsed: list[tuple[str, int]], **options: Any):
        super().__init__(engine, default_policy(), workers=0, **options)
        self.name, self.parsed = name, parsed

    async def _process_claimed(self, ids: list[int]) -> list[MailOutcome | None]:
        self.parsed.extend((self.name, mail_id) for mail_id in ids)
        return await super()._process_claimed(ids)


async def _store_backlog(engine: Engine, count: int) -> list[int]:
    ids = []
    for n in range(count):
        raw = _raw(n).replace(b"Bonjour", f"Bonjour, un devis pour {n} svp.".encode())
        stored = await engine.mail.store(RawMail(raw, f"jo{n}@acme.fr", ("leads@relais.example",)))
        ids.append(stored.mail_id)
    return ids


async def _until_none_waits(engine: Engine, seconds: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while await engine.mail.pending():
        assert asyncio.get_running_loop().time() < deadline, "the backlog did not drain"
        await asyncio.sleep(0.05)


async def test_a_backlog_is_parsed_once_split_between_two_instances(
    engine: Engine, other: Engine
) -> None:
    ids = await _store_backlog(engine, 60)
    parsed: list[tuple[str, int]] = []
    here = Counting(engine, "a", parsed, scan_limit=10, rescan=0.1)
    there = Counting(other, "b", parsed, scan_limit=10, rescan=0.1)
    await asyncio.gather(here.start(), there.start())
    try:
        await _until_none_waits(engine)
    finally:
        await asyncio.gather(here.stop(), there.stop())
    assert sorted(mail_id for _, mail_id in parsed) == ids  # each parsed once
    assert {name for name, _ in parsed} == {"a", "b"}  # by both
    mails = [await other.mail.get(i) for i in ids]
    assert {(m.status, m.outcome) for m in mails} == {("processed", "lead")}


async def test_scans_at_the_same_moment_claim_disjoint_mail(engine: Engine, other: Engine) -> None:
    ids = await _store_backlog(engine, 40)
    a, b = await asyncio.gather(engine.mail.claim("a", 25), other.mail.claim("b", 25))
    assert not set(a) & set(b)  # never the same mail
    assert sorted(a + b) == ids and a and b  # the loser ran again and took what was left
    # A batch handed over by the listener: only what the other does not hold is parsed.
    assert await engine.mail.claim_these(ids, "a") == a


async def test_a_claim_left_by_a_dead_instance_is_taken_over_when_it_expires(
    engine: Engine, other: Engine
) -> None:
    ids = await _store_backlog(engine, 8)
    dead = await engine.mail.claim("dead-instance", 3, lease=60)
    assert dead == ids[:3]
    assert await other.mail.claim("alive", 10) == ids[3:]  # passed over, leased
    assert await other.mail.claim_these(ids[:3], "alive") == []
    later = clock.utcnow() + timedelta(seconds=61)
    assert await other.mail.claim("alive", 10, now=later) == ids  # its own, and the lapsed
    # End to end: a lease of half a second, then a running processor takes them over.
    assert await other.mail.release_claims("alive") == 8  # a processor that stops
    assert await engine.mail.claim("dead-instance", 8, lease=0.5) == ids
    parsed: list[tuple[str, int]] = []
    survivor = Counting(other, "alive", parsed, rescan=0.1)
    await survivor.start()
    try:
        await _until_none_waits(engine)
    finally:
        await survivor.stop()
    assert sorted(mail_id for _, mail_id in parsed) == ids


async def _until_waiting_for_the_lock(watcher: Any, count: int, seconds: float = 10.0) -> None:
    """Until ``count`` sessions wait for an advisory lock (PostgreSQL's own view)."""
    deadline = asyncio.get_running_loop().time() + seconds
    sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    while watcher.execute(sql).fetchone()[0] < count:
        assert asyncio.get_running_loop().time() < deadline, "nobody waits for the lock"
        await asyncio.sleep(0.02)


def _pipeline(name: str, *stages: str) -> Any:
    from engine.crm.pipelines import StageSpec
    from engine.crm.setup import CrmSetup, PipelineSetup

    specs = tuple(StageSpec(key, key.capitalize(), 10 * (n + 1)) for n, key in enumerate(stages))
    return CrmSetup(pipelines=(PipelineSetup("sav", name, specs),), users=())


async def test_two_config_applies_at_once_both_succeed_the_second_on_the_first(
    engine: Engine, other: Engine, db_path: Path, admin: Actor
) -> None:
    from engine.store.claims import CONFIGURATION, lock_key

    first, second = _pipeline("SAV A", "ouvert", "clos"), _pipeline("SAV B", "ouvert", "suivi")
    holder = open_sync(str(db_path))  # a third party holds the lock: both applies wait
    try:
        holder.execute("SELECT pg_advisory_lock(?)", (lock_key(CONFIGURATION),))
        a = asyncio.ensure_future(engine.setup.apply(first, admin))
        await _until_waiting_for_the_lock(holder, 1)
        b = asyncio.ensure_future(other.setup.apply(second, admin))
        await _until_waiting_for_the_lock(holder, 2)
        assert await engine.deals.create(DealDraft("Pendant ce temps"), admin)  # not blocked
        holder.execute("SELECT pg_advisory_unlock(?)", (lock_key(CONFIGURATION),))
        lines_a, lines_b = await asyncio.gather(a, b)  # both succeed
    finally:
        holder.close()
    assert "pipeline sav: created with 2 stages" in lines_a  # the first (FIFO)
    assert "pipeline sav: name 'SAV A' → 'SAV B'" in lines_b  # the second saw it
    pipeline = await other.pipelines.get("sav")
    assert pipeline.name == "SAV B"
    assert [s.key for s in pipeline.stages] == ["ouvert", "suivi"]


async def test_applies_racing_without_a_third_party_all_succeed(
    engine: Engine, other: Engine, admin: Actor
) -> None:
    setups = [_pipeline(f"SAV {n}", "ouvert", f"etape{n}") for n in range(4)]
    results = await asyncio.gather(
        *(e.setup.apply(s, admin) for e, s in zip((engine, other) * 2, setups, strict=True))
    )
    assert sum("pipeline sav: created with 2 stages" in lines for lines in results) == 1
    pipeline = await engine.pipelines.get("sav")  # one setup whole, never two interleaved
    n = pipeline.name.removeprefix("SAV ")
    assert [s.key for s in pipeline.stages] == ["ouvert", f"etape{n}"]


async def test_two_instances_starting_at_once_on_an_empty_database_both_come_up(
    db_path: Path,
) -> None:
    from config.apply import first_run
    from tests.config.helpers import SHIPPED

    opened = await asyncio.gather(Engine.open(db_path), Engine.open(db_path))
    try:
        runs = await asyncio.gather(*(first_run(e, SHIPPED) for e in opened))
        assert sorted(bool(r) for r in runs) == [False, True]  # applied once
        for engine in opened:
            assert await engine.setup.first_run_done() and await engine.ping()
    finally:
        for engine in opened:
            await engine.close()
