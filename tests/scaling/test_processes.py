"""Three real ``run.py serve`` processes on one PostgreSQL database (issue #13).

:mod:`tests.scaling.test_instances` shows two engines in one process claiming
work once; here the instances are what an operator runs (``docs/scaling.md``):
separate processes with their own ports and names, started together on an
empty database (they migrate it and apply the shipped configuration under
their locks), one of them killed with SIGKILL in the middle of its work. Mail
comes through real SMTP sockets, Slack through signed HTTP to each instance's
``/slack/events``, and every message the instances send lands on the
recording fake Slack in this test's event loop. What happened is read from
the database the instances share and from what the fake Slack recorded.

Each test needs ``RELAIS_TEST_POSTGRES`` (a server the tests may create
databases on): its own scratch database is created and dropped.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from tests.bot.helpers import button_named
from tests.conftest import POSTGRES, until
from tests.fakes.slack import SECRET, TOKEN, FakeSlack, SlackClient
from tests.scaling.procs import (
    Cluster,
    Instance,
    count,
    execute,
    rows,
    scratch_database,
    settled,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WITHIN = 30.0  # seconds for anything the instances do once asked
ADMIN = Actor.cli("test")


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture
def database() -> Iterator[str]:
    if not POSTGRES:
        pytest.skip("needs RELAIS_TEST_POSTGRES=postgresql://… (a server)")
    with scratch_database(POSTGRES) as url:
        yield url


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    slack.user("U_ALICE", "Alice Martin", "alice@example.com", "en-US", "Europe/Paris")
    slack.user("U_BOB", "Bob Durand", "bob@example.com", "en-US", "Europe/Paris")
    try:
        yield slack
    finally:
        await slack.stop()


def slack_settings(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "RELAIS_SLACK_LEADS_CHANNEL": "C_LEADS",
        "RELAIS_REMINDER_BEFORE": "0",  # a reminder only when due
    }


@asynccontextmanager
async def started(cluster: Cluster) -> AsyncIterator[Cluster]:
    """The instances running; on the way out stopped, and their errors printed."""
    try:
        await cluster.start()
        yield cluster
    finally:
        await asyncio.to_thread(cluster.stop)
        print(cluster.report())  # shown with a failing test's output


@pytest.fixture
async def mail_cluster(database: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    """Three instances receiving mail (no Slack: what is checked here is the database)."""
    async with started(Cluster(database, tmp_path)) as cluster:
        yield cluster


@pytest.fixture
async def cluster(database: str, tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Cluster]:
    """Three instances with Slack on, against the fake Slack."""
    async with started(Cluster(database, tmp_path, settings=slack_settings(fake))) as running:
        yield running


@pytest.fixture
async def engine(cluster: Cluster) -> AsyncIterator[Engine]:
    """The test's own hand on the database the instances share (set-up and checks)."""
    opened = await Engine.open(cluster.database)
    try:
        yield opened
    finally:
        await opened.close()


def quiet(cluster: Cluster) -> None:
    """No instance logged an error beyond a write refused by another and run again."""
    found = cluster.unexpected_errors()
    assert not found, "\n".join(line[:2000] for line in found[:5])


# -- 1. SMTP load while an instance dies ------------------------------------------------

SENDERS = 6
RESCAN = 60.0  # seconds: the survivors rescan every 30 s, then parse what the dead one left
PER_SENDER = 40


def mail(sender: int, n: int) -> bytes:
    return (
        f"From: Prospect {sender}-{n} <p{sender}-{n}@client{sender}-{n}.fr>\r\n"
        f"To: leads@relais.example\r\nSubject: Demande {sender}-{n}\r\n"
        f"Message-ID: <procs-{sender}-{n}@test>\r\n\r\nBonjour, un devis svp ({sender}-{n}).\r\n"
    ).encode()


class Sender(threading.Thread):
    """An MTA: sends its messages in order over one session, to its preferred MX first;
    when a session breaks, sends the same message again to the next MX."""

    def __init__(self, number: int, ports: list[int]) -> None:
        super().__init__(name=f"sender-{number}", daemon=True)
        self.number = number
        self.ports = ports
        self.acknowledged: list[str] = []  # Message-IDs answered 250
        self.failures = 0
        self._mx = number % len(ports)

    def run(self) -> None:
        n = 0
        while n < PER_SENDER and self.failures < 50:
            try:
                with smtplib.SMTP("127.0.0.1", self.ports[self._mx], timeout=20) as session:
                    while n < PER_SENDER:
                        frm = f"p{self.number}-{n}@client{self.number}-{n}.fr"
                        session.sendmail(frm, ["leads@relais.example"], mail(self.number, n))
                        self.acknowledged.append(f"procs-{self.number}-{n}@test")
                        n += 1
            except (OSError, smtplib.SMTPException):
                self.failures += 1
                self._mx = (self._mx + 1) % len(self.ports)  # the next MX, as an MTA does


async def test_smtp_load_over_three_instances_while_one_is_killed(
    mail_cluster: Cluster, database: str
) -> None:
    ports = [instance.smtp_port for instance in mail_cluster]
    senders = [Sender(number, ports) for number in range(SENDERS)]
    for sender in senders:
        sender.start()
    total = SENDERS * PER_SENDER

    async def a_third_acknowledged() -> bool:
        return sum(len(s.acknowledged) for s in senders) >= total // 3

    await until(a_third_acknowledged, WITHIN, "a third of the mail answered 250")
    victim = mail_cluster[1]
    victim.kill()  # SIGKILL in the middle of the load
    killed_at = sum(len(s.acknowledged) for s in senders)
    for sender in senders:
        await asyncio.to_thread(sender.join, 2 * WITHIN)
        assert not sender.is_alive(), f"{sender.name} still sending"
    acknowledged = [m for s in senders for m in s.acknowledged]
    assert killed_at < total and sum(s.failures for s in senders) >= 1  # the kill was felt
    assert len(acknowledged) == total == len(set(acknowledged))  # each sent until it got 250

    # The dead instance's claims on the mail it stored and had not processed hold for
    # their lease (engine/mail/leases.py, 120 s): the test lets that time pass. The
    # survivors' next rescan (every 30 s) then takes that mail over.
    left = count(database, "SELECT count(*) FROM mails WHERE status = 'received'")
    print(f"{killed_at} of {total} answered 250 when relais-2 was killed; {left} left waiting")
    ran_out = clock.to_db(clock.utcnow() - timedelta(seconds=1))
    execute(
        database, "UPDATE mails SET claimed_until = %s"
        " WHERE status = 'received' AND claimed_until IS NOT NULL", ran_out,
    )  # fmt: skip
    await settled(
        database, "SELECT count(*) FROM mails WHERE status = 'received'", 0, RESCAN,
        "mail still waiting to be parsed",
    )  # fmt: skip
    stored = rows(database, "SELECT message_id, status, outcome, lead_id FROM mails")
    per_id = Counter(str(r[0]).strip("<>") for r in stored)  # Message-ID, as stored
    doubled = {m: n for m, n in per_id.items() if n > 1}
    assert not doubled, f"stored more than once: {doubled}"
    assert set(acknowledged) <= set(per_id), "a mail answered 250 is missing"
    assert set(per_id) <= {f"procs-{s}-{n}@test" for s in range(SENDERS) for n in range(PER_SENDER)}
    assert {(r[1], r[2]) for r in stored} == {("processed", "lead")}
    lead_ids = [r[3] for r in stored]
    assert None not in lead_ids and len(set(lead_ids)) == len(stored)  # one lead each
    assert count(database, "SELECT count(*) FROM leads") == len(stored)
    assert [i.name for i in mail_cluster.alive()] == ["relais-1", "relais-3"]
    quiet(mail_cluster)


# -- 2. timers due while an instance is down --------------------------------------------


def now_due(fake: FakeSlack, subject: str) -> list[str]:
    """Every "now due" reminder Slack was asked to show for the activity ``subject``."""
    return [
        c.params["channel"]
        for c in fake.of("chat.postMessage")
        if "Now due" in c.text() and f"“{subject}”" in c.text()
    ]


async def ticks(instance: Instance) -> int:
    """How many scheduler ticks the instance has run (its /metrics)."""
    _, metrics = await instance.get("/metrics")
    found = re.search(r"^relais_scheduler_lag_seconds_count (\S+)$", metrics, re.M)
    return int(float(found.group(1))) if found else 0


async def test_timers_due_while_an_instance_is_down_fire_once(
    cluster: Cluster, engine: Engine, fake: FakeSlack
) -> None:
    owners = [
        ("Alice Martin", "alice@example.com", "U_ALICE"),
        ("Bob Durand", "bob@example.com", "U_BOB"),
    ]
    for name, email, slack_id in owners:
        await engine.users.upsert(UserDraft(name, email, slack_id, locale="en"), ADMIN)
    deal = await engine.deals.create(DealDraft("Poêle minuté"), ADMIN)
    due = clock.utcnow() + timedelta(seconds=8)
    subjects = [f"Rappeler {n}" for n in range(6)]
    for n, subject in enumerate(subjects):
        owner = owners[n % 2][1]
        draft = ActivityDraft("call", subject, due_at=due, owner=owner, deal_id=deal.id)
        await engine.activities.create(draft, ADMIN)
    cluster[0].kill()  # down before the reminders fall due
    assert clock.utcnow() < due

    async def all_fired() -> bool:
        return all(now_due(fake, s) for s in subjects)

    await until(all_fired, WITHIN, "every reminder fired by the survivors")
    # the dead instance comes back after they fell due: its first pass and ticks add nothing
    cluster[0].launch()
    await cluster[0].ready()
    after = await ticks(cluster[0])

    async def ticked_twice() -> bool:
        return await ticks(cluster[0]) >= after + 2

    await until(ticked_twice, WITHIN, "relais-1 ticking again")
    await until(lambda: _outbox_settled(engine), WITHIN, "the outbox delivered")
    for n, subject in enumerate(subjects):
        assert now_due(fake, subject) == [f"D{owners[n % 2][2]}"], subject
    quiet(cluster)


async def _outbox_settled(engine: Engine) -> bool:
    counts = await engine.outbox.counts("slack")
    return set(counts) <= {"delivered"}


# -- 3. the outbox under Slack's 429s ----------------------------------------------------

CHANNELS = [f"C_TEAM{n}" for n in range(5)]
PER_CHANNEL = 8


def posted(fake: FakeSlack, channel: str) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in fake.of("chat.postMessage")
        if c.params.get("channel") == channel
    ]


async def test_the_outbox_under_slack_429s_delivers_once_and_in_order(
    cluster: Cluster, engine: Engine, fake: FakeSlack
) -> None:
    fake.fail("chat.postMessage", 6, status=429, retry_after=1)
    started_at = time.monotonic()
    for n in range(PER_CHANNEL):
        for channel in CHANNELS:  # channels interleaved, as the engine queues them
            payload: dict[str, Any] = {"text": f"{channel} n°{n}", "blocks": []}
            await engine.outbox.queue_slack(f"channel:{channel}", "post", payload)

    async def all_posted() -> bool:
        return sum(len(posted(fake, c)) for c in CHANNELS) >= len(CHANNELS) * PER_CHANNEL

    await until(all_posted, WITHIN, "every message posted")
    await until(lambda: _outbox_settled(engine), WITHIN, "the outbox settled")
    assert len(fake.of("chat.postMessage!429")) == 6  # Slack said 429 six times
    assert time.monotonic() - started_at >= 1.0  # and its Retry-After was waited
    for channel in CHANNELS:
        assert posted(fake, channel) == [f"{channel} n°{n}" for n in range(PER_CHANNEL)]
    assert await engine.outbox.counts("slack") == {"delivered": len(CHANNELS) * PER_CHANNEL}
    attempts = rows(
        cluster.database, "SELECT status_code, count(*) FROM outbox_attempts"
        " GROUP BY status_code ORDER BY status_code",
    )  # fmt: skip
    assert attempts == [(200, len(CHANNELS) * PER_CHANNEL), (429, 6)]  # each delivered once
    quiet(cluster)


# -- 4. the same transition on two instances at once ------------------------------------


async def move_form(slack: SlackClient, fake: FakeSlack, deal_id: int, user: str) -> dict[str, Any]:
    """The deal's card (``/crm deal N``), then its "Estimer" form, opened by ``user``."""
    answered = len(fake.of("response_url"))
    status, _ = await slack.command(f"deal {deal_id}", user=user)
    assert status == 200
    (card, *_) = (await fake.wait_for("response_url", answered + 1, seconds=WITHIN))[answered:]
    seen = len(fake.calls)
    action_id, value = button_named(card, "Estimer → Estimation")
    status, _ = await slack.click(action_id, value, user=user)
    assert status == 200

    def form() -> dict[str, Any] | None:
        """The move form opened since the click (at once, or in place of a loading modal)."""
        for call in fake.calls[seen:]:
            shown = call.params.get("view")
            opening = call.method in ("views.open", "views.update")
            if opening and isinstance(shown, dict) and shown.get("callback_id") == "deal_move":
                return shown
        return None

    async def opened() -> bool:
        return form() is not None

    await until(opened, WITHIN, f"the move form opened for {user}")
    shown = form()
    assert shown is not None
    stored = [
        v for v in fake.views.values() if v.get("private_metadata") == shown.get("private_metadata")
    ]
    return stored[-1] if stored else shown


async def test_the_same_transition_on_two_instances_at_once_moves_the_deal_once(
    cluster: Cluster, engine: Engine, fake: FakeSlack
) -> None:
    contact = ContactDraft("Jean Dupont", "jean@dupont.fr")
    deal = await engine.deals.create(DealDraft("Poêle disputé", contact), ADMIN)
    first, second = cluster[0], cluster[2]
    async with (
        SlackClient(first.events_url, fake) as alice,
        SlackClient(second.events_url, fake) as bob,
    ):
        # both open the form on the deal as it is now (same version), each on one instance
        alice_form = await move_form(alice, fake, deal.id, "U_ALICE")
        bob_form = await move_form(bob, fake, deal.id, "U_BOB")
        answers = await asyncio.gather(
            alice.submit(alice_form, {"f_budget": "8500"}, user="U_ALICE"),
            bob.submit(bob_form, {"f_budget": "9100"}, user="U_BOB"),
        )
    assert [status for status, _ in answers] == [200, 200]
    won = [body for _, body in answers if body == ""]
    lost = [body for _, body in answers if body != ""]
    assert len(won) == 1 and len(lost) == 1, answers
    assert f"Someone else changed deal #{deal.id}" in lost[0]
    moved = rows(
        cluster.database, "SELECT transition, to_stage FROM transition_log WHERE deal_id = %s",
        deal.id,
    )  # fmt: skip
    assert moved == [("estimer", "estimation")]  # moved once
    after = await engine.deals.get(deal.id)
    pipeline = await engine.pipelines.get()
    assert after.stage_id == pipeline.stage("estimation").id  # type: ignore[union-attr]
    assert after.version == deal.version + 1
    quiet(cluster)


# -- 5. a Slack request retried to another instance -------------------------------------


async def test_a_slack_request_retried_to_another_instance_is_done_once(
    cluster: Cluster, engine: Engine, fake: FakeSlack
) -> None:
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(SlackClient(i.events_url, fake)) for i in cluster
        ]
        body = (
            "command=%2Fcrm&text=deal+new+Po%C3%AAle+rejou%C3%A9+9000&user_id=U_ALICE"
            "&user_name=alice&team_id=T0TEST&channel_id=C_SALES"
            f"&response_url={fake.response_url('cmd')}&trigger_id=trigger-retried"
        )
        headers = clients[0].headers(body)  # signed once; every copy carries the same
        retried = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        # the first try and its retry to another instance, at the same moment…
        together = await asyncio.gather(
            clients[0].post(body, headers), clients[1].post(body, retried)
        )
        await fake.wait_for("response_url", 1, seconds=WITHIN)
        # …and a second retry to the third, once the work is done
        later = await clients[2].post(body, {**retried, "X-Slack-Retry-Num": "2"})
    assert [*together, later] == [(200, "")] * 3

    async def created() -> bool:
        return len(await engine.deals.search("Poêle rejoué")) >= 1

    await until(created, WITHIN, "the deal created")
    await until(lambda: _outbox_settled(engine), WITHIN, "the outbox settled")
    assert len(await engine.deals.search("Poêle rejoué")) == 1
    assert len(fake.of("response_url")) == 1  # the card, once
    assert count(cluster.database, "SELECT count(*) FROM slack_jobs") == 1
    quiet(cluster)
