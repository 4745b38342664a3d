"""The one outbox's rules, on the engine alone: per-key order, leases, Retry-After,
dead letters and their retry; e-mail and webhooks keep no order."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.errors import NotFound, ValidationFailed
from engine.outbox import queue
from engine.outbox.queue import Outcome

ADMIN = Actor.cli("test")


async def put(engine: Engine, kind: str, to: str) -> int:
    write = partial(queue.enqueue, kind=kind, recipient=to, payload={"text": to})
    return await engine.db.write(write, ADMIN)


async def test_one_key_hands_out_its_oldest_unsettled_message_only(engine: Engine) -> None:
    first = await put(engine, "notification", "channel:C1")
    second = await engine.outbox.queue_slack("channel:C1", "post", {"text": "b"})
    other = await put(engine, "notification", "user:U1")
    assert sorted(m.id for m in await engine.outbox.claim_lane("slack")) == [first, other]
    assert await engine.outbox.claim_lane("slack") == []  # the first is still being sent
    now = clock.utcnow()
    await engine.outbox.settle(first, Outcome(False, "ratelimited", 429, retry_after=30), now)
    assert await engine.outbox.claim_lane("slack", now) == []  # waits, and holds its key
    (again,) = await engine.outbox.claim_lane("slack", now + timedelta(seconds=31))
    assert again.id == first and again.attempts == 1
    await engine.outbox.settle(first, Outcome(True, "C1 1.2"))
    (after,) = await engine.outbox.claim_lane("slack")
    assert after.id == second and after.form == "post" and after.recipient == "channel:C1"


async def test_a_lease_that_runs_out_gives_the_message_back(engine: Engine) -> None:
    message_id = await put(engine, "notification", "channel:C1")
    now = clock.utcnow()
    assert [m.id for m in await engine.outbox.claim_lane("slack", now, lease=60)] == [message_id]
    assert await engine.outbox.claim_lane("slack", now + timedelta(seconds=59)) == []
    (back,) = await engine.outbox.claim_lane("slack", now + timedelta(seconds=61))
    assert back.id == message_id and await engine.outbox.attempts(message_id) == []


async def test_retry_after_is_never_given_up_a_refusal_is_dead_at_once(engine: Engine) -> None:
    patient = await put(engine, "notification", "channel:C1")
    refused = await put(engine, "notification", "channel:C2")
    now = clock.utcnow()
    for step in range(queue.MAX_ATTEMPTS + 2):
        moment = now + timedelta(seconds=step * 10)
        claimed = await engine.outbox.claim_lane("slack", moment)
        for message in claimed:
            if message.id == patient:
                outcome = Outcome(False, "ratelimited", 429, retry_after=1)
            else:
                outcome = Outcome(False, "channel_not_found", 200, retry=False)
            await engine.outbox.settle(message.id, outcome, moment)
    assert (await engine.outbox.message(patient)).status == "pending"
    dead = await engine.outbox.message(refused)
    assert (dead.status, dead.attempts, dead.last_error) == ("failed", 1, "channel_not_found")
    assert [m.id for m in await engine.outbox.messages(status="failed", lane="slack")] == [refused]


async def test_a_dead_letter_is_retried_with_a_fresh_count(engine: Engine) -> None:
    dead = await put(engine, "webhook", "https://hooks.example/x")
    (hook,) = await engine.outbox.claim(("webhook",))
    await engine.outbox.settle(hook.id, Outcome(False, "HTTP 410", 410, retry=False))
    retried = await engine.outbox.retry(dead, ADMIN)
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert len(await engine.outbox.attempts(dead)) == 1  # the history stays
    (again,) = await engine.outbox.claim(("webhook",))
    assert again.id == dead
    with pytest.raises(ValidationFailed):
        await engine.outbox.retry(dead, ADMIN)  # being sent: not a dead letter
    with pytest.raises(NotFound):
        await engine.outbox.retry(999, ADMIN)


async def test_email_and_webhooks_keep_no_order(engine: Engine) -> None:
    for _ in range(3):
        await put(engine, "webhook", "https://hooks.example/same")
    await put(engine, "email", "jean@dupont.fr")
    await put(engine, "email", "jean@dupont.fr")
    claimed = await engine.outbox.claim(("webhook", "email"))
    assert len(claimed) == 5 and {m.lane for m in claimed} == {"webhook", "email"}
    assert all(m.order_key is None for m in claimed)
