"""The wiring table: each row subscribes its listener, conditions hold, wake-ups coalesce."""

from __future__ import annotations

import asyncio

import pytest

from config.routing import default_policy
from engine.actors import Actor
from engine.core import Engine
from engine.events import DomainEvent, EventBus
from ingest.processor import MailProcessor
from service import wiring
from service.wake import Wake

SYSTEM = Actor.system("test")


def event(name: str, **data: int) -> DomainEvent:
    entity, _, action = name.partition(".")
    return DomainEvent(entity, action, 1, SYSTEM, data=data)


async def test_rows_subscribe_their_listener_and_skip_absent_parts() -> None:
    bus, heard = EventBus(), list[str]()

    async def outbox(e: DomainEvent) -> None:
        heard.append(e.name)

    subscribed = wiring.apply(bus, {"outbox": outbox})
    assert subscribed == sum(1 for w in wiring.WIRING if w.listener == "outbox")
    bus.publish([event("deal.transitioned", queued=0), event("deal.transitioned", queued=2)])
    bus.publish([event("lead.transitioned"), event("lead.escalated"), event("deal.updated")])
    await bus.drain()
    # a deal transition that queued nothing wakes no one; a lead's does not say: it wakes
    assert heard == ["deal.transitioned", "lead.transitioned"]


def test_a_listener_in_no_row_is_refused() -> None:
    async def stray(e: DomainEvent) -> None:
        return None

    with pytest.raises(ValueError, match=r"slack\.typo"):
        wiring.apply(EventBus(), {"slack.typo": stray})


def test_every_event_a_worker_delivers_wakes_it() -> None:
    rows = {(w.pattern, w.listener) for w in wiring.WIRING}
    for name in ("lead.transitioned", "lead.escalated", "workflow_run.queued"):
        assert (name, "slack.notifications") in rows
    assert ("deal.*", "slack.notifications") in rows  # transitions and escalations of deals
    for name in ("deal.transitioned", "deal.quote_emailed", "workflow_run.queued"):
        assert (name, "outbox") in rows
    assert "lead.transitioned" in wiring.describe()


async def test_a_wake_during_a_run_asks_for_exactly_one_more() -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        started.set()
        await gate.wait()

    wake = Wake(work, "test")
    wake.wake()
    await started.wait()
    wake.wake()
    wake.wake()  # both come during the first run: one more run for the two
    gate.set()
    async with asyncio.timeout(1):
        await wake.idle()
    assert runs == [0, 1]
    await wake.close()
    wake.wake()  # closed: nothing starts
    await wake.idle()
    assert runs == [0, 1]


async def test_the_runner_and_the_mail_processor_listen_only_through_the_table(
    engine: Engine,
) -> None:
    runner = engine.workflows.runner()
    processor = MailProcessor(engine, default_policy(), workers=0, rescan=3600.0)
    before = len(engine.bus._subscribers)
    runner.start()
    await processor.start()
    try:
        assert len(engine.bus._subscribers) == before  # neither subscribes itself
        listeners = {**wiring.workflow_listeners(runner), **wiring.mail_listeners(processor)}
        assert wiring.apply(engine.bus, listeners) == 2
        assert ("*", "workflows") in {(w.pattern, w.listener) for w in wiring.WIRING}
        assert ("mail.received", "mail") in {(w.pattern, w.listener) for w in wiring.WIRING}
    finally:
        await processor.stop()
        await runner.stop()
