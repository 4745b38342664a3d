"""Lead blueprints: lead statuses governed by transitions, from the engine and the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.blueprint_schema import load_blueprint_file, parse_blueprint
from config.loader import ConfigError
from engine.actors import Actor
from engine.blueprints import lead_model as lead_blueprints
from engine.blueprints.lead_model import LeadStatusGoverned
from engine.blueprints.model import Blueprint
from engine.blueprints.refusals import InputsRejected, TransitionUnavailable
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.errors import Conflict, Forbidden, TransitionRefused
from engine.workflows import updates as workflow_updates
from tests.cli.test_cli import ROOT, env_for

EXAMPLE = ROOT / "config" / "blueprints" / "leads.yaml.example"
QUALIFY = {"budget_range": "6 000 – 10 000 €", "project_type": "Insert"}


@pytest.fixture
def lead_blueprint() -> Blueprint:
    return load_blueprint_file(EXAMPLE)


@pytest.fixture
async def governed_leads(engine: Engine, admin: Actor, lead_blueprint: Blueprint) -> Engine:
    saved = await engine.blueprints.save(lead_blueprint, admin)
    assert (saved.pipeline, saved.version, saved.created) == ("leads", 1, True)
    return engine


async def new_lead(engine: Engine, actor: Actor, owner: str | None = "alice@example.com") -> int:
    draft = LeadDraft(
        "Poêle pour la grange", ContactDraft("Jeanne", "jeanne@example.com"), owner=owner
    )
    return (await engine.leads.create(draft, actor)).id


def test_the_example_is_a_valid_lead_blueprint_and_is_not_active(lead_blueprint: Blueprint) -> None:
    assert lead_blueprint.record == "lead" and lead_blueprint.pipeline == ""
    assert lead_blueprints.check(lead_blueprint) == []
    assert not (ROOT / "config" / "blueprints" / "leads.yaml").exists()


def test_a_lead_blueprint_is_checked_against_lead_statuses_and_fields() -> None:
    data = {
        "leads": True,
        "name": "X",
        "transitions": [
            {"key": "a", "name": "A", "from": ["new"], "to": "won"},
            {"key": "b", "name": "B", "from": ["new"], "to": "disqualified",
             "after": [{"action": "set_field", "field": "budget", "value": 1}]},
        ],
    }  # fmt: skip
    problems = [str(p) for p in lead_blueprints.check(parse_blueprint(data, "x"))]
    assert any(p.startswith("transitions[0].to: unknown stage 'won'") for p in problems)
    assert any("unknown lead field 'budget'" in p for p in problems)
    assert any("must ask for or set disqualify_reason" in p for p in problems)
    with pytest.raises(ConfigError, match="either pipeline"):
        parse_blueprint({**data, "pipeline": "default"}, "x")


async def test_without_a_lead_blueprint_statuses_change_freely(
    engine: Engine, alice: Actor
) -> None:
    lead_id = await new_lead(engine, alice)
    assert (await engine.leads.set_status(lead_id, "qualified", alice)).status == "qualified"
    assert await engine.blueprints.lead_transitions(lead_id, alice) == []


async def test_a_plain_status_change_is_refused_with_the_transitions_that_lead_there(
    governed_leads: Engine, alice: Actor
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    with pytest.raises(LeadStatusGoverned) as refused:
        await governed_leads.leads.set_status(lead_id, "qualified", alice)
    assert refused.value.transitions == ["Qualifier (qualifier)"]
    assert "Lead 1 follows the blueprint" in refused.value.message
    with pytest.raises(LeadStatusGoverned) as refused:
        await governed_leads.leads.set_status(lead_id, "disqualified", alice, reason="x")
    assert refused.value.transitions == ["Disqualifier (disqualifier)"]
    # the blueprint has a transition into converted: the plain conversion is refused too
    with pytest.raises(LeadStatusGoverned) as refused:
        await governed_leads.leads.convert(lead_id, alice)
    assert refused.value.transitions == []  # not from "new"
    assert (await governed_leads.leads.get(lead_id)).status == "new"


async def test_options_say_who_may_and_why_not(
    governed_leads: Engine, alice: Actor, bob: Actor
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    mine = {o.key: o for o in await governed_leads.blueprints.lead_transitions(lead_id, alice)}
    assert set(mine) == {"contacter", "qualifier", "disqualifier"}
    assert all(o.available for o in mine.values())
    theirs = {o.key: o for o in await governed_leads.blueprints.lead_transitions(lead_id, bob)}
    assert not theirs["qualifier"].available
    assert theirs["qualifier"].reasons[0].code == "reason_not_owner"
    with pytest.raises(TransitionUnavailable):
        await governed_leads.blueprints.perform_lead(lead_id, "qualifier", QUALIFY, bob)
    form = await governed_leads.blueprints.describe_lead(lead_id, "qualifier", alice)
    assert [f.spec.key for f in form.fields] == ["budget_range", "project_type"]
    assert form.fields[1].spec.options[2] == "Insert" and form.source == "new"


async def test_all_or_nothing_every_error_at_once(governed_leads: Engine, alice: Actor) -> None:
    lead_id = await new_lead(governed_leads, alice)
    before = await governed_leads.leads.get(lead_id)
    with pytest.raises(InputsRejected) as rejected:
        await governed_leads.blueprints.perform_lead(
            lead_id, "qualifier", {"project_type": "Fusée", "colour": "red"}, alice
        )
    assert set(rejected.value.errors) == {"budget_range", "project_type", "colour"}
    after = await governed_leads.leads.get(lead_id)
    assert (after.status, after.version, after.custom) == ("new", before.version, {})
    assert await governed_leads.blueprints.lead_history(lead_id) == []


async def test_perform_saves_values_moves_and_logs(governed_leads: Engine, alice: Actor) -> None:
    lead_id = await new_lead(governed_leads, alice)
    done = await governed_leads.blueprints.perform_lead(lead_id, "qualifier", QUALIFY, alice)
    assert (done.from_status, done.to_status, done.queued) == ("new", "qualified", 1)
    lead = await governed_leads.leads.get(lead_id)
    assert lead.status == "qualified" and lead.version == done.version
    assert lead.custom == {"budget_range": "6 000 – 10 000 €", "project_type": "Insert"}
    [entry] = await governed_leads.blueprints.lead_history(lead_id)
    assert (entry.transition, entry.from_status, entry.to_status) == (
        "qualifier",
        "new",
        "qualified",
    )
    assert entry.values == QUALIFY and entry.blueprint_version == 1
    [message] = await governed_leads.outbox.messages()
    assert message.kind == "notification" and message.recipient == "user:U_ALICE"
    assert "Insert" in message.payload["text"]
    with pytest.raises(Conflict):  # a stale version is a conflict, not an overwrite
        await governed_leads.blueprints.perform_lead(
            lead_id, "disqualifier", {"reason": "Doublon"}, alice, expected_version=1
        )


async def test_disqualify_from_any_open_status_and_reopen_by_a_manager(
    governed_leads: Engine, alice: Actor, admin: Actor
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    await governed_leads.blueprints.perform_lead(lead_id, "contacter", {}, alice)
    done = await governed_leads.blueprints.perform_lead(
        lead_id, "disqualifier", {"reason": "Hors zone", "note": "trop loin"}, alice
    )
    assert done.to_status == "disqualified"
    lead = await governed_leads.leads.get(lead_id)
    assert lead.disqualify_reason == "Hors zone"
    assert [o.key for o in await governed_leads.blueprints.lead_transitions(lead_id, alice)] == [
        "reprendre"
    ]
    with pytest.raises(TransitionUnavailable):
        await governed_leads.blueprints.perform_lead(lead_id, "reprendre", {"note": "x"}, alice)
    await governed_leads.blueprints.perform_lead(lead_id, "reprendre", {"note": "rappel"}, admin)
    lead = await governed_leads.leads.get(lead_id)
    assert (lead.status, lead.disqualify_reason) == ("new", None)
    assert len(await governed_leads.blueprints.lead_history(lead_id)) == 3


async def test_conversion_goes_through_its_transition_with_criteria(
    governed_leads: Engine, alice: Actor
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    await governed_leads.blueprints.perform_lead(lead_id, "qualifier", QUALIFY, alice)
    done = await governed_leads.blueprints.perform_lead(lead_id, "convertir", {}, alice)
    assert done.to_status == "converted" and done.deal_id is not None
    lead = await governed_leads.leads.get(lead_id)
    assert (lead.status, lead.deal_id) == ("converted", done.deal_id)
    deal = await governed_leads.deals.get(done.deal_id)
    assert deal.title == "Poêle pour la grange"
    assert await governed_leads.blueprints.lead_transitions(lead_id, alice) == []
    [entry] = (await governed_leads.blueprints.lead_history(lead_id))[1:]
    assert entry.deal_id == done.deal_id


async def test_an_unmet_criterion_is_a_reason(
    engine: Engine, admin: Actor, alice: Actor, lead_blueprint: Blueprint
) -> None:
    # qualified without the values (status set before the blueprint came into force)
    lead_id = await new_lead(engine, alice)
    await engine.leads.set_status(lead_id, "qualified", alice)
    await engine.blueprints.save(lead_blueprint, admin)
    [option] = [
        o for o in await engine.blueprints.lead_transitions(lead_id, alice) if o.key == "convertir"
    ]
    assert not option.available
    assert [r.text() for r in option.reasons] == [
        "criterion not met: custom.budget_range is not empty",
        "criterion not met: custom.project_type is not empty",
    ]


async def test_disabling_the_lead_blueprint_frees_statuses(
    governed_leads: Engine, admin: Actor, alice: Actor, lead_blueprint: Blueprint
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    with pytest.raises(Forbidden):
        await governed_leads.blueprints.disable_lead(alice)
    assert await governed_leads.blueprints.disable_lead(admin)
    assert (
        await governed_leads.leads.set_status(lead_id, "contacted", alice)
    ).status == "contacted"
    again = await governed_leads.blueprints.save(lead_blueprint, admin)
    assert (again.version, again.created) == (1, True)
    with pytest.raises(TransitionRefused):
        await governed_leads.leads.set_status(lead_id, "new", alice)


async def test_without_a_converted_transition_conversion_stays_free(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    reason = {"key": "why", "label": "Why", "type": "text", "field": "disqualify_reason"}
    steps = [("contacter", ["new"], "contacted", []), ("qualifier", ["contacted"], "qualified", []),
             ("perdre", "*", "disqualified", [reason])]  # fmt: skip
    data = {
        "leads": True,
        "name": "Sans conversion",
        "transitions": [
            {"key": k, "name": k, "from": f, "to": t, "during": {"fields": fields}}
            for k, f, t, fields in steps
        ],
    }
    blueprint = parse_blueprint(data, "x")
    await engine.blueprints.save(blueprint, admin)
    lead_id = await new_lead(engine, alice)
    deal = await engine.leads.convert(lead_id, alice)
    assert (await engine.leads.get(lead_id)).deal_id == deal.id


@pytest.mark.slow
def test_a_lead_worked_through_its_blueprint_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "blueprints").mkdir(parents=True)
    shutil.copy(EXAMPLE, config / "blueprints" / "leads.yaml")
    env = env_for(tmp_path, RELAIS_LOCALE="en", RELAIS_CONFIG_DIR=str(config))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "run.py", *args], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def ok(*args: str) -> str:
        result = run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "blueprints OK" in ok("blueprint", "apply", "--check")
    applied = ok("blueprint", "apply")  # the first command applied the folder: nothing new
    assert "leads: Qualification des prospects: unchanged" in applied
    assert ok("lead", "new", "Insert salon", "--contact", "paul@example.com").startswith("lead #1")
    listing = ok("lead", "transitions", "1")
    assert "✓ qualifier" in listing and "✓ disqualifier" in listing
    plain = run("lead", "status", "1", "qualified")
    assert plain.returncode == 1 and "Qualifier (qualifier)" in plain.stderr
    refused = run("lead", "move", "1", "qualifier", "--set", "project_type=Fusée")
    assert refused.returncode == 1
    assert "budget_range:" in refused.stderr and "project_type: choose one of" in refused.stderr
    moved = ok("lead", "move", "1", "qualifier", "--set", "budget_range=> 10 000 €",
               "--set", "project_type=Insert")  # fmt: skip
    assert "new → qualified" in moved
    converted = ok("lead", "move", "1", "convertir")
    assert "qualified → converted" in converted and "deal #1 opened" in converted
    shown = ok("lead", "show", "1")
    assert "Qualifier: new → qualified" in shown and "→ deal #1" in shown
    assert "leads: blueprint disabled" in ok("blueprint", "disable", "leads")
    assert "lead #2 created" in ok("lead", "new", "Autre")
    assert "lead #2: contacted" in ok("lead", "status", "2", "contacted")


async def test_a_workflow_status_change_goes_through_the_transition(
    governed_leads: Engine, alice: Actor, admin: Actor
) -> None:
    lead_id = await new_lead(governed_leads, alice)
    changes = await governed_leads.db.write(
        lambda tx: workflow_updates.set_lead_status(tx, lead_id, "disqualified", "Doublon"), admin
    )
    assert changes["transition"] == (None, "disqualifier")
    lead = await governed_leads.leads.get(lead_id)
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "Doublon")
    with pytest.raises(TransitionRefused):  # no transition leads from disqualified to contacted
        await governed_leads.db.write(
            lambda tx: workflow_updates.set_lead_status(tx, lead_id, "contacted", None), admin
        )
