"""Delays and date triggers live in the database: across a restart, each step runs once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.workflows.runner import WorkflowRunner
from service import wiring
from tests.workflows.conftest import SETUP, install, new_deal, payloads, runs

PARIS = clock.zone("Europe/Paris")
WAIT = """
workflows:
  - name: Later
    trigger: {entity: deal, event: created}
    steps:
      - notify: {text: "tout de suite"}
      - wait: 2h
      - activity: {kind: call, subject: "Rappeler pour {deal.title}"}
      - notify: {text: "deux heures après"}
"""


async def texts(engine: Engine) -> list[str]:
    return [p["text"] for p in payloads(await engine.outbox.messages(), "notification")]


async def test_a_delay_survives_a_restart_and_its_step_runs_once(
    db_path: Path, engine: Engine, alice: Actor
) -> None:
    await install(engine, WAIT)
    runner = engine.workflows.runner(SETUP)
    wiring.apply(engine.bus, wiring.workflow_listeners(runner))
    runner.start()
    deal = await new_deal(engine, alice)
    await runner.settle()
    (run,) = await runs(engine)
    assert run.status == "waiting" and run.resume_at is not None
    resume_at = run.resume_at
    await runner.stop()
    await engine.close()

    engine = await Engine.open(db_path)  # the service comes back
    try:
        first, second = engine.workflows.runner(SETUP), engine.workflows.runner(SETUP)
        assert (await first.tick(resume_at - timedelta(minutes=1))).resumed == 0
        later = resume_at + timedelta(hours=5)  # it fell due while the service was down
        reports = await asyncio.gather(first.tick(later), second.tick(later))
        assert sorted(r.resumed for r in reports) == [0, 1]
        assert (await first.tick(later + timedelta(days=1))).resumed == 0
        (run,) = await runs(engine)
        assert run.status == "succeeded"
        assert [s.outcome for s in run.steps] == ["done", "waiting", "done", "done"]
        assert await texts(engine) == ["tout de suite", "deux heures après"]
        (activity,) = await engine.activities.on_record("deal", deal.id)
        assert activity.subject == "Rappeler pour PAG Rika"
    finally:
        await engine.close()


async def test_waiting_until_a_date_field_and_stopping_when_deactivated(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Before close
    trigger: {entity: deal, event: created}
    steps:
      - wait: {until: expected_close, before: 2d}
      - notify: {text: "la clôture approche"}
""",
    )
    await new_deal(engine, alice, "A", expected_close="2031-03-20")
    await new_deal(engine, alice, "B")  # no date: nothing to wait for
    await runner.settle()
    waiting, empty = await runs(engine)
    assert waiting.resume_at == datetime.combine(date(2031, 3, 18), time(9), PARIS)
    assert (empty.status, empty.reason) == (
        "stopped", "steps[0]: expected_close is empty, nothing to wait for",
    )  # fmt: skip
    await engine.workflows.set_active("Before close", False, Actor.cli())
    assert (await runner.tick(waiting.resume_at)).resumed == 1
    stopped = await engine.workflows.run_record(waiting.id)
    assert (stopped.status, stopped.reason) == ("stopped", "the workflow was deactivated")
    assert await texts(engine) == []


async def test_a_run_abandoned_mid_way_is_taken_over_after_its_lease(
    engine: Engine, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Two steps
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: one}}, {notify: {text: two}}]
""",
    )
    crashed = engine.workflows.runner(SETUP)

    async def crash(*_: object) -> None:  # the process dies after the first write
        return None

    monkeypatch.setattr(crashed, "_continue", crash)
    await new_deal(engine, alice)
    await crashed.catch_up()
    (run,) = await runs(engine)
    assert run.status == "running" and await texts(engine) == ["one"]
    other = engine.workflows.runner(SETUP)
    assert (await other.tick(clock.utcnow())).resumed == 0  # still leased
    assert (await other.tick(clock.utcnow() + timedelta(seconds=SETUP.lease + 1))).resumed == 1
    assert await texts(engine) == ["one", "two"]


DATED = """
workflows:
  - name: Closing soon
    trigger: {entity: deal, date: expected_close, before: 1d, at: "09:00"}
    steps:
      - if: {field: status, op: eq, value: open}
      - notify: {text: "{deal.title} se conclut demain ({deal.expected_close})"}
"""


async def test_a_date_trigger_fires_once_per_record_and_date_across_restarts(
    db_path: Path, engine: Engine, alice: Actor
) -> None:
    await install(engine, DATED)
    today = clock.utcnow().astimezone(PARIS).date()
    close = today + timedelta(days=3)
    deal = await new_deal(engine, alice, expected_close=close.isoformat())
    await new_deal(engine, alice, "Long ago", expected_close="2020-01-01")
    runner = engine.workflows.runner(SETUP)
    moment = datetime.combine(close - timedelta(days=1), time(9), PARIS)
    assert (await runner.tick(moment - timedelta(minutes=1))).dated == 0
    assert (await runner.tick(moment + timedelta(hours=3))).dated == 1
    await engine.close()

    engine = await Engine.open(db_path)
    try:
        runner = engine.workflows.runner(SETUP)
        assert (await runner.tick(moment + timedelta(hours=4))).dated == 0
        assert await texts(engine) == [f"PAG Rika se conclut demain ({close.isoformat()})"]
        (run,) = await runs(engine)
        assert run.event == "deal.date" and run.cause["data"]["field"] == "expected_close"
        later = close + timedelta(days=7)  # the date moves: a new moment, which fires again
        await engine.deals.update(deal.id, {"expected_close": later.isoformat()}, alice)
        again = datetime.combine(later - timedelta(days=1), time(9, 30), PARIS)
        assert (await runner.tick(again)).dated == 1
        assert len(await texts(engine)) == 2
    finally:
        await engine.close()


async def test_a_date_trigger_on_a_time_field_after_a_delay(engine: Engine, alice: Actor) -> None:
    await install(
        engine,
        """
workflows:
  - name: Overdue call
    trigger: {entity: activity, date: due_at, after: 1h}
    steps:
      - if: {field: done, op: eq, value: false}
      - notify: {to: owner, text: "En retard : {activity.subject}"}
""",
    )
    deal = await new_deal(engine, alice)
    due = clock.utcnow() + timedelta(hours=1)
    await engine.activities.create(
        ActivityDraft("call", "Rappeler", due_at=due, deal_id=deal.id), alice
    )
    done = await engine.activities.create(
        ActivityDraft("call", "Déjà fait", due_at=due, deal_id=deal.id), alice
    )
    await engine.activities.complete(done.id, alice)
    runner = engine.workflows.runner(SETUP)
    assert (await runner.tick(due + timedelta(minutes=59))).dated == 0
    assert (await runner.tick(due + timedelta(hours=1, minutes=1))).dated == 2
    assert await texts(engine) == ["En retard : Rappeler"]
    assert sorted(r.status for r in await runs(engine)) == ["not_met", "succeeded"]
