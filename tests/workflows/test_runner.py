"""The runner: inactive workflows, "only its owner", the loop cut-off, changes made while
it was not running, transient failures retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.errors import StorageError
from engine.workflows import actions as workflow_actions
from engine.workflows.model import Action
from engine.workflows.runner import POLL_SECONDS, WorkflowRunner
from service import wiring
from tests.conftest import an_older_write_open, until
from tests.workflows.conftest import SETUP, install, new_deal, payloads, runs

NOTIFY = """
workflows:
  - name: Hello
    owner: alice@example.com
    triggered_by: {who}
    active: {active}
    trigger: {{entity: deal, event: created}}
    steps: [{{notify: {{text: "hello {{deal.title}}"}}}}]
"""


async def test_an_inactive_workflow_does_nothing_and_is_listed_as_such(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(engine, NOTIFY.format(who="anyone", active="false"))
    await new_deal(engine, alice)
    await runner.settle()
    assert await runs(engine) == []
    (listed,) = await engine.workflows.all()
    assert not listed.active
    await engine.workflows.set_active("hello", True, Actor.cli())
    await new_deal(engine, alice, "Second")
    await runner.settle()
    assert [r.status for r in await runs(engine)] == ["succeeded"]
    with pytest.raises(Exception, match="only an admin"):
        await engine.workflows.set_active("Hello", False, alice)


async def test_only_the_owners_own_changes_trigger_an_owner_only_workflow(
    engine: Engine, alice: Actor, bob: Actor, runner: WorkflowRunner
) -> None:
    await install(engine, NOTIFY.format(who="owner", active="true"))
    await new_deal(engine, bob, "Bob's")
    await new_deal(engine, alice, "Alice's")
    await runner.settle()
    (run,) = await runs(engine)
    assert run.cause["actor_user_id"] == alice.user_id
    texts = [p["text"] for p in payloads(await engine.outbox.messages(), "notification")]
    assert texts == ["hello Alice's"]


LOOP = """
workflows:
  - name: Ping
    trigger: {entity: deal, event: updated, fields: [title]}
    steps:
      - update: {values: {custom.pong: "{deal.version}"}}
  - name: Pong
    trigger: {entity: deal, event: updated}
    steps:
      - if: {field: custom.pong, op: changed}
      - update: {values: {title: "Ping {deal.version}"}}
"""


async def test_workflows_triggering_each_other_are_cut_at_the_bounded_depth(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Loop
    trigger: {entity: deal, event: updated}
    steps:
      - update: {values: {custom.count: "{deal.version}"}}
""",
    )
    deal = await new_deal(engine, alice)
    await engine.deals.update(deal.id, {"title": "Changed"}, alice)
    await runner.settle()
    found = await runs(engine, "Loop")
    assert [r.depth for r in found] == [0, 1, 2, 3, 4, 5]
    assert [r.status for r in found] == ["succeeded"] * 5 + ["stopped"]
    cut = found[-1]
    assert cut.reason == "loop protection: causation depth 5 reached (limit 5)"
    assert [(s.kind, s.outcome) for s in cut.steps] == [("trigger", "cut")]
    assert runner.stats.cut == 1
    assert (await engine.deals.get(deal.id)).custom == {"count": "6"}


async def test_a_ping_pong_between_two_workflows_is_cut_too(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    """Ping changes ``pong``, which makes Pong change the title, which makes Ping…"""
    await install(engine, LOOP)
    deal = await new_deal(engine, alice)
    await engine.deals.update(deal.id, {"title": "Start"}, alice)
    await runner.settle()
    found = await runs(engine)
    assert max(r.depth for r in found) == SETUP.max_depth
    stopped = [r for r in found if r.status == "stopped"]
    assert {r.depth for r in stopped} == {SETUP.max_depth}
    assert all(r.status in ("succeeded", "not_met") for r in found if r not in stopped)


async def test_changes_made_while_the_runner_was_away_run_once_when_it_is_back(
    db_path: Path, engine: Engine, alice: Actor
) -> None:
    await install(engine, NOTIFY.format(who="anyone", active="true"))
    first = engine.workflows.runner(SETUP)
    wiring.apply(engine.bus, wiring.workflow_listeners(first))
    first.start()
    await new_deal(engine, alice, "Seen")
    await first.settle()
    await first.stop()
    await new_deal(engine, alice, "While away")  # e.g. from the command line
    await engine.close()
    reopened = await Engine.open(db_path)
    try:
        again = reopened.workflows.runner(SETUP)
        wiring.apply(reopened.bus, wiring.workflow_listeners(again))
        again.start()
        await again.settle()
        await again.tick()
        await again.stop()
        texts = [p["text"] for p in payloads(await reopened.outbox.messages(), "notification")]
        assert texts == ["hello Seen", "hello While away"]
    finally:
        await reopened.close()


async def test_a_transient_failure_is_retried_later_and_then_succeeds(
    engine: Engine, alice: Actor, runner: WorkflowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    await install(engine, NOTIFY.format(who="anyone", active="true"))
    real = workflow_actions.run_action
    failures = iter([StorageError("disk busy")])

    def flaky(scope: workflow_actions.Scope, action: Action) -> object:
        for error in failures:
            raise error
        return real(scope, action)

    monkeypatch.setattr("engine.workflows.execute.run_action", flaky)
    await new_deal(engine, alice)
    await runner.settle()
    (run,) = await runs(engine)
    assert run.status == "waiting" and run.resume_at is not None
    assert run.steps[0].outcome == "retry" and run.steps[0].detail["attempt"] == 1
    assert (await runner.tick(run.resume_at)).resumed == 1
    (run,) = await runs(engine)
    assert run.status == "succeeded"
    assert [s.outcome for s in run.steps] == ["retry", "done"]
    assert run.steps[1].detail["attempt"] == 2
    assert len(payloads(await engine.outbox.messages(), "notification")) == 1


async def test_history_is_kept_for_the_configured_retention_then_pruned(
    engine: Engine, alice: Actor
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Keep
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: "a"}}, {wait: 400d}, {notify: {text: "b"}}]
  - name: Short
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: "c"}}]
""",
    )
    runner = engine.workflows.runner(SETUP, retention_days=30)
    await new_deal(engine, alice)
    await runner.tick()
    assert len(await runs(engine)) == 2
    report = await runner.tick(clock.utcnow() + timedelta(days=31))
    assert report.pruned == 1
    (kept,) = await runs(engine)
    assert (kept.workflow, kept.status) == ("Keep", "waiting")  # unfinished runs are kept


@pytest.mark.postgres
async def test_a_change_held_back_by_an_older_write_starts_its_run_when_that_write_ends(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    """A deal created while an older transaction still runs is not settled yet; once that
    transaction ends (it writes no timeline entry, so it wakes nobody) the runner reads the
    deal by itself, well before its 5-second poll (engine/crm/marks.py, HELD_PAUSE)."""
    await install(engine, NOTIFY.format(who="anyone", active="true"))
    async with an_older_write_open(engine.db):
        await new_deal(engine, alice)
        await until(lambda: asyncio.sleep(0, runner.held), POLL_SECONDS / 2, "held back")
        assert await runs(engine) == []
    await until(lambda: has_runs(engine), POLL_SECONDS / 2, "the run started")
    assert [r.status for r in await runs(engine)] == ["succeeded"]


async def has_runs(engine: Engine) -> bool:
    return bool(await runs(engine))
