"""Conditions on the record and on the change; runs whose conditions fail are recorded."""

from __future__ import annotations

from engine.actors import Actor
from engine.core import Engine
from engine.crm.leads import LeadDraft
from engine.workflows.runner import WorkflowRunner
from tests.workflows.conftest import install, new_deal, payloads, runs

STAGES = """
workflows:
  - name: Stages
    trigger: {entity: deal, event: stage_changed}
    steps:
      - if: {all: [{field: stage, op: changed_from, value: Nouveau},
                   {field: stage, op: changed_to, value: devis}]}
      - notify: {text: "{deal.title} : {deal.stage}"}
"""


async def test_changed_to_and_from_compare_stage_keys_and_names(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(engine, STAGES)
    deal = await new_deal(engine, alice)
    await engine.deals.move(deal.id, "Devis", alice)  # nouveau → devis: holds
    await runner.settle()
    await engine.deals.move(deal.id, "nouveau", alice)  # devis → nouveau: does not
    await runner.settle()
    held, failed = await runs(engine, "Stages")
    assert held.status == "succeeded"
    assert [s.outcome for s in held.steps] == ["passed", "done"]
    assert failed.status == "not_met"
    assert failed.reason == "steps[0]: not met: stage changed from Nouveau; stage changed to devis"
    (check,) = failed.steps
    assert check.outcome == "not_met"
    seen = [part["values"]["stage"] for part in check.detail["failed"]]
    assert seen[0] == {"value": "nouveau", "changed": True, "old": "devis", "new": "nouveau"}
    (message,) = payloads(await engine.outbox.messages(), "notification")
    assert message["text"] == "PAG Rika : devis"


async def test_old_and_new_values_and_or_groups(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Big jump
    trigger: {entity: deal, event: updated, fields: [expected_revenue]}
    steps:
      - if: {any: [{field: new.expected_revenue, op: ge, value: 10000},
                   {all: [{field: old.expected_revenue, op: empty},
                          {field: new.expected_revenue, op: gt, value: 5000}]}]}
      - notify: {text: "{deal.title} vaut {deal.expected_revenue}"}
""",
    )
    deal = await new_deal(engine, alice)
    for amount in ("6000", "7000", "12000"):  # from empty: yes; +1000: no; ≥ 10 000: yes
        await engine.deals.update(deal.id, {"expected_revenue": amount}, alice)
        await runner.settle()
    assert [r.status for r in await runs(engine, "Big jump")] == [
        "succeeded", "not_met", "succeeded",
    ]  # fmt: skip
    texts = [p["text"] for p in payloads(await engine.outbox.messages(), "notification")]
    assert texts == ["PAG Rika vaut 6000.00", "PAG Rika vaut 12000.00"]


async def test_record_conditions_and_who_caused_the_change(
    engine: Engine, alice: Actor, bob: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Alice's web leads
    trigger: {entity: lead, event: created}
    steps:
      - if: {field: title, op: contains, value: poêle}
      - if: {field: actor, op: eq, value: alice@example.com}
      - if: {field: origin, op: in, value: [web, email]}
      - notify: {text: "{lead.title}"}
""",
    )
    await engine.leads.create(LeadDraft("Poêle à bois", origin="web"), alice)
    await engine.leads.create(LeadDraft("Poêle à bois", origin="web"), bob)
    await engine.leads.create(LeadDraft("Insert", origin="web"), alice)
    await engine.leads.create(LeadDraft("Poêle", origin="salon"), alice)
    await runner.settle()
    found = await runs(engine, "Alice's web leads")
    assert [r.status for r in found] == ["succeeded", "not_met", "not_met", "not_met"]
    assert [len(r.steps) for r in found] == [4, 2, 1, 3]
    assert found[1].reason == "steps[1]: not met: actor = alice@example.com"


async def test_if_else_branches_take_one_path(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Triage
    trigger: {entity: deal, event: created}
    steps:
      - if: {field: priority, op: ge, value: 2}
        then:
          - notify: {text: "urgent {deal.title}"}
        else:
          - notify: {text: "normal {deal.title}"}
          - if: {field: expected_revenue, op: empty}
            then: [{notify: {text: "sans montant"}}]
      - notify: {text: "fin"}
""",
    )
    await new_deal(engine, alice, "A", priority=3)
    await new_deal(engine, alice, "B", priority=0)
    await runner.settle()
    texts = [p["text"] for p in payloads(await engine.outbox.messages(), "notification")]
    assert texts == ["urgent A", "fin", "normal B", "sans montant", "fin"]
    second = (await runs(engine, "Triage"))[1]
    assert [(s.path, s.outcome) for s in second.steps] == [
        ("steps[0]", "else"), ("steps[0].else[0]", "done"), ("steps[0].else[1]", "then"),
        ("steps[0].else[1].then[0]", "done"), ("steps[1]", "done"),
    ]  # fmt: skip
