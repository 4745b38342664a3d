"""``lead escalated``: a lead past its status's time limit starts its workflows once."""

from __future__ import annotations

import pytest

from config.loader import ConfigError
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.workflows.model import EventTrigger
from engine.workflows.runner import WorkflowRunner
from tests.blueprint.test_lead_timers import later, timed
from tests.workflows.conftest import flows, install, runs

ESCALATED = """
workflows:
  - name: Lead en retard
    trigger: {entity: lead, event: escalated}
    steps:
      - if: {field: status, op: eq, value: new}
      - activity: {kind: call, subject: "Rappeler {lead.title}", due_in: 1h}
"""


async def test_a_lead_over_its_time_limit_runs_its_workflow_once(
    engine: Engine, admin: Actor, alice: Actor, runner: WorkflowRunner
) -> None:
    await engine.blueprints.save(timed(), admin)  # "new": a time limit of 2d
    await install(engine, ESCALATED)
    draft = LeadDraft("Poêle", ContactDraft("Jeanne", "j@example.com"), owner="alice@example.com")
    lead = await engine.leads.create(draft, alice)
    await engine.blueprints.run_timers(later(days=1))
    await runner.settle()
    assert await runs(engine, "Lead en retard") == []  # created, not escalated yet

    assert (await engine.blueprints.run_timers(later(days=3))).escalated == 1
    assert (await engine.blueprints.run_timers(later(days=4))).escalated == 0
    await runner.settle()
    (run,) = await runs(engine, "Lead en retard")
    assert (run.entity, run.entity_id, run.event, run.status) == (
        "lead", lead.id, "lead.escalated", "succeeded",
    )  # fmt: skip
    assert alice.user_id is not None
    (todo,) = await engine.activities.mine(alice.user_id)
    assert (todo.kind, todo.subject, todo.lead_id) == ("call", "Rappeler Poêle", lead.id)


def test_escalated_is_a_trigger_of_leads_and_deals_only() -> None:
    assert flows(ESCALATED)[0].trigger == EventTrigger("lead", "escalated")
    with pytest.raises(ConfigError) as refused:
        flows(ESCALATED.replace("entity: lead", "entity: contact"))
    assert any(
        "a contact has events created, updated, deleted" in p for p in refused.value.problems
    )
