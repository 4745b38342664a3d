"""The YAML of workflows: strict, every problem named by file and path; conditions are data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.loader import ConfigError
from config.workflow_schema import load_workflows, parse_workflows
from engine.crm.criteria import Condition
from engine.workflows import codec
from engine.workflows import model as wf
from tests.workflows.conftest import flows

ROOT = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        parse_workflows(yaml.safe_load(text), "config/workflows.yaml")
    return list(refused.value.problems)


def test_the_shipped_workflows_load() -> None:
    loaded = {w.name: w for w in load_workflows(ROOT / "config")}
    assert set(loaded) == {
        "Nouveau lead par e-mail", "Relance du devis", "Affaire gagnée", "Parrainage réussi",
    }  # fmt: skip
    devis = loaded["Relance du devis"]
    assert devis.trigger == wf.EventTrigger("deal", "stage_changed", ("stage",))
    assert devis.steps[0] == wf.Check(Condition("stage", "changed_to", "devis"))
    action = devis.steps[1]
    assert isinstance(action, wf.Act) and isinstance(action.action, wf.CreateActivity)
    assert action.action.due_in == 3 * 86_400


def test_json_form_round_trips_every_kind_of_step() -> None:
    (flow,) = flows(
        """
workflows:
  - name: Tout
    owner: alice@example.com
    triggered_by: owner
    trigger: {entity: deal, date: expected_close, before: 2d, at: "10:30"}
    steps:
      - if: {any: [{field: priority, op: ge, value: 2}, {field: origin, op: eq, value: web}]}
        then:
          - wait: 3h
          - activity: {kind: call, subject: "Appeler {contact.name}", due_from: expected_close,
                       due_before: 1d, attach_to: contact}
        else:
          - wait: {until: expected_close, after: 1d}
      - update: {values: {priority: 3, custom.relance: "oui"}}
      - create: {kind: lead, title: "Suite de {deal.title}", values: {origin: workflow}}
      - email: {to: contact, subject: {fr: Bonjour, en: Hello}, body: "{deal.title}"}
      - notify: {to: channel, channel: team, text: "{deal.title}"}
      - webhook: {url: "https://hooks.example/x", headers: {X-Key: k}}
"""
    )
    assert codec.from_dict(codec.to_dict(flow)) == flow
    assert flow.trigger == wf.DateTrigger("deal", "expected_close", -2 * 86_400, "10:30")


def test_branches_compile_to_a_flat_program_with_jumps() -> None:
    (flow,) = flows(
        """
workflows:
  - name: Branches
    trigger: {entity: deal, event: created}
    steps:
      - if: {field: priority, op: ge, value: 2}
        then: [{notify: {text: "prioritaire"}}]
        else: [{notify: {text: "normal"}}]
      - notify: {text: "fin"}
"""
    )
    program = wf.compile_steps(flow.steps)
    assert [i.op for i in program] == ["branch", "act", "jump", "act", "act"]
    assert program[0].target == 3 and program[2].target == 4
    assert [i.path for i in program] == [
        "steps[0]", "steps[0].then[0]", "steps[0]", "steps[0].else[0]", "steps[1]",
    ]  # fmt: skip


def test_unknown_keys_fields_placeholders_and_operators_are_named_with_their_path() -> None:
    found = problems(
        """
workflows:
  - name: Cassé
    trigger: {entity: deal, event: exploded}
    steps:
      - if: {field: colour, op: eq, value: red}
      - if: {field: stage, op: became, value: devis}
      - activity: {subject: "Voir {deal.nope}", due_from: title, colour: red}
      - update: {values: {status: won}}
      - notify: {to: channel, text: hello}
"""
    )
    joined = "\n".join(found)
    assert "config/workflows.yaml: workflows[0].steps[2].activity.colour: unknown key" in joined
    assert "workflows[0].steps[1].if.op: Input should be" in joined
    # the engine's own checks run once the shape is right
    fixed = problems(
        """
workflows:
  - name: Cassé
    trigger: {entity: deal, event: exploded}
    steps:
      - if: {field: colour, op: eq, value: red}
      - activity: {subject: "Voir {deal.nope}", due_from: title}
      - update: {values: {status: won}}
      - notify: {to: channel, text: hello}
"""
    )
    assert fixed == [
        "config/workflows.yaml: workflows[0].trigger.event: a deal has events created, updated,"
        " deleted, stage_changed, won, lost, escalated",
        "config/workflows.yaml: workflows[0].steps[0].if.field: 'colour' is not a field of a deal",
        "config/workflows.yaml: workflows[0].steps[1].activity.due_from: 'title' is not a date"
        " field of a deal",
        "config/workflows.yaml: workflows[0].steps[1].activity.subject: unknown placeholder"
        " {deal.nope}",
        "config/workflows.yaml: workflows[0].steps[2].update.values.status: 'status' is not a"
        " field a workflow sets on a deal",
        "config/workflows.yaml: workflows[0].steps[3].notify.channel: name the channel to post in",
    ]


def test_a_step_is_exactly_one_thing_and_names_are_unique() -> None:
    found = problems(
        """
workflows:
  - name: A
    trigger: {entity: lead, event: created}
    steps:
      - {wait: 1h, notify: {text: x}}
      - then: [{wait: 1h}]
      - wait: 2x
      - wait: {until: expected_close, for: 1d}
"""
    )
    assert [line.partition(": Value error")[0] for line in found[:2]] == [
        "config/workflows.yaml: workflows[0].steps[0]",
        "config/workflows.yaml: workflows[0].steps[1]",
    ]
    assert found[2].startswith("config/workflows.yaml: workflows[0].steps[2].wait.for: not a")
    assert found[3].endswith(
        "steps[3].wait: Value error, wait for a duration, or until a date field"
    )
    twice = problems(
        """
workflows:
  - {name: A, trigger: {entity: lead, event: created}, steps: [{wait: 1h}]}
  - {name: a, trigger: {entity: lead, event: created}, steps: [{wait: 1h}]}
"""
    )
    assert twice == [
        "config/workflows.yaml: workflows[1].name: duplicate name 'a' (already at workflows[0])"
    ]


def test_change_operators_only_where_they_make_sense() -> None:
    found = problems(
        """
workflows:
  - name: A
    trigger: {entity: lead, event: updated}
    steps:
      - if: {field: actor.kind, op: changed}
      - if: {field: old.status, op: changed_to, value: qualified}
      - if: {field: status, op: changed, value: x}
"""
    )
    assert found[0].endswith("steps[2].if: Value error, changed takes no value")
    fixed = problems(
        """
workflows:
  - name: A
    trigger: {entity: lead, event: updated}
    steps:
      - if: {field: actor.kind, op: changed}
      - if: {field: old.status, op: changed_to, value: qualified}
"""
    )
    assert fixed == [
        "test.yaml: workflows[0].steps[0].if.op: who caused a change does not change".replace(
            "test.yaml", "config/workflows.yaml"
        ),
        "config/workflows.yaml: workflows[0].steps[1].if.field: use 'status' with changed_to",
    ]


def test_a_date_trigger_needs_a_date_field_and_owner_only_needs_an_owner() -> None:
    found = problems(
        """
workflows:
  - name: A
    triggered_by: owner
    trigger: {entity: deal, date: title, before: 1d}
    steps: [{notify: {text: x}}]
"""
    )
    assert found == [
        "config/workflows.yaml: workflows[0].triggered_by: 'owner' needs the workflow's owner",
        "config/workflows.yaml: workflows[0].trigger.date: 'title' is not a date field of a deal",
    ]


def test_a_missing_file_means_no_workflow(tmp_path: Path) -> None:
    assert load_workflows(tmp_path) == []
    (tmp_path / "workflows.yaml").write_text("workflows:\n  - name: [\n")
    with pytest.raises(ConfigError, match=r"workflows.yaml: line \d+, column \d+: invalid YAML"):
        load_workflows(tmp_path)
