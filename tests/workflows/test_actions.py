"""Each action type: activities, field updates (the stage through the blueprint), new
records, e-mail in the contact's language, Slack notifications and webhooks via the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from config.blueprint_schema import parse_blueprint
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.workflows.runner import WorkflowRunner
from tests.workflows.conftest import install, new_deal, payloads, runs


async def test_activities_due_from_now_or_a_date_field_for_the_owner_or_a_user(
    engine: Engine, alice: Actor, bob: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: To-dos
    trigger: {entity: deal, event: created}
    steps:
      - activity: {kind: call, subject: "Appeler {contact.name}", due_in: 2h}
      - activity: {kind: meeting, subject: "Avant la clôture de {deal.title}",
                   due_from: expected_close, due_before: 1d, owner: bob@example.com}
      - activity: {subject: "Note pour le contact", attach_to: contact, owner: actor}
""",
    )
    before = clock.utcnow()
    deal = await new_deal(engine, alice, expected_close="2031-06-15")
    await runner.settle()
    made = await engine.activities.on_record("deal", deal.id)
    call, meeting = sorted(made, key=lambda a: a.kind)
    assert (call.subject, call.owner_id) == ("Appeler Jean Dupont", alice.user_id)
    assert call.due_at is not None
    assert timedelta(hours=2) <= call.due_at - before < timedelta(hours=2, minutes=1)
    assert meeting.owner_id == bob.user_id and meeting.due_at is not None
    local = meeting.due_at.astimezone(clock.zone("Europe/Paris"))
    assert (local.date(), local.hour) == (date(2031, 6, 14), 9)
    assert deal.contact_id is not None
    (note,) = await engine.activities.on_record("contact", deal.contact_id)
    assert (note.kind, note.owner_id, note.deal_id) == ("task", alice.user_id, None)
    timeline = await engine.timeline.of("activity", call.id)
    assert (timeline[0].actor_kind, timeline[0].actor_label) == ("workflow", "workflow:To-dos")


async def test_updates_on_the_record_and_related_records(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Tidy
    trigger: {entity: deal, event: created}
    steps:
      - update: {values: {priority: 3, custom.source: "workflow {workflow}"}}
      - update: {target: contact, values: {locale: en, phone: "01 23 45 67 89"}}
      - update: {target: organisation, values: {address: "1 rue du Port"}}
  - name: Qualify
    trigger: {entity: lead, event: created}
    steps:
      - update: {values: {status: qualified, campaign: printemps}}
""",
    )
    draft = ContactDraft("Jean Dupont", "jean@dupont-sarl.fr", organisation="Dupont SARL")
    deal = await new_deal(engine, alice, contact=draft)
    lead = await engine.leads.create(LeadDraft("Insert"), alice)
    await runner.settle()
    deal = await engine.deals.get(deal.id)
    assert deal.priority == 3 and deal.custom == {"source": "workflow Tidy"}
    assert deal.contact_id is not None
    contact = await engine.contacts.get(deal.contact_id)
    assert contact is not None and contact.phone == "01 23 45 67 89"
    org = await engine.db.read(
        lambda c: c.execute(
            "SELECT address FROM organisations WHERE id = ?", (deal.organisation_id,)
        ).fetchone()[0]
    )
    assert org == "1 rue du Port"
    lead = await engine.leads.get(lead.id)
    assert (lead.status, lead.campaign) == ("qualified", "printemps")
    (run, _) = await runs(engine)
    assert run.steps[1].detail["changes"]["locale"] == [None, "en"]


async def stage_of(engine: Engine, deal_id: int) -> str:
    deal = await engine.deals.get(deal_id)
    return str(
        await engine.db.read(
            lambda c: c.execute("SELECT key FROM stages WHERE id = ?", (deal.stage_id,)).fetchone()[
                0
            ]
        )
    )


async def test_stage_moves_freely_without_a_blueprint(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Fast track
    trigger: {entity: deal, event: created}
    steps: [{update: {values: {stage: devis}}}]
""",
    )
    deal = await new_deal(engine, alice)
    await runner.settle()
    assert await stage_of(engine, deal.id) == "devis"


BLUEPRINT = {
    "pipeline": "default",
    "name": "Test",
    "transitions": [
        {"key": "qualifier", "name": "Qualifier", "from": ["nouveau"], "to": "estimation"},
        {
            "key": "signer", "name": "Signer", "from": ["estimation"], "to": "gagne",
            "before": {"owners": {"roles": ["manager"]}},
        },
        {"key": "visiter", "name": "Visiter", "from": ["estimation"], "to": "visite_technique"},
        {"key": "chiffrer", "name": "Chiffrer", "from": ["visite_technique"], "to": "devis"},
        {
            "key": "perdre", "name": "Perdre", "from": ["devis"], "to": "perdu",
            "after": [{"action": "set_field", "field": "lost_reason", "value": "Perdu"}],
        },
    ],
}  # fmt: skip


async def test_a_governed_stage_changes_only_through_a_transition_open_to_the_workflow(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await engine.blueprints.save(parse_blueprint(BLUEPRINT, "test"), Actor.cli())
    await install(
        engine,
        """
workflows:
  - name: Push
    trigger: {entity: deal, event: created}
    steps:
      - update: {values: {stage: estimation}}
      - update: {values: {stage: gagne}}
  - name: Lose
    trigger: {entity: deal, event: updated, fields: [priority]}
    steps:
      - update: {values: {stage: perdu, lost_reason: Trop cher}}
""",
    )
    deal = await new_deal(engine, alice)
    await runner.settle()
    assert await stage_of(engine, deal.id) == "estimation"
    (log,) = await engine.blueprints.history(deal.id)
    assert (log.transition, log.actor_kind) == ("qualifier", "workflow")
    (push,) = await runs(engine, "Push")
    assert push.status == "failed"
    assert push.reason is not None and push.reason.startswith("steps[1]: “Signer” cannot be")
    assert [s.outcome for s in push.steps] == ["done", "failed"]
    await engine.deals.update(deal.id, {"priority": 1}, alice)
    await runner.settle()
    (lose,) = await runs(engine, "Lose")
    assert lose.status == "failed" and "follows the blueprint “Test”" in (lose.reason or "")
    assert await stage_of(engine, deal.id) == "estimation"


async def test_creating_a_lead_or_a_deal_links_the_contact(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Upsell
    trigger: {entity: deal, event: won}
    steps:
      - create: {kind: deal, title: "Entretien — {deal.title}",
                 values: {expected_revenue: 180, origin: upsell, custom.kind: entretien}}
      - create: {kind: lead, title: "Parrainage de {contact.name}", values: {origin: referral}}
""",
    )
    deal = await new_deal(engine, alice)
    await engine.deals.move(deal.id, "gagne", alice)
    await runner.settle()
    deals = await engine.deals.search("Entretien")
    (upsell,) = deals
    assert upsell.contact_id == deal.contact_id and upsell.owner_id == alice.user_id
    assert str(upsell.expected_revenue) == "180.00" and upsell.custom == {"kind": "entretien"}
    (lead,) = await engine.leads.by_status()
    assert (lead.title, lead.contact_id) == ("Parrainage de Jean Dupont", deal.contact_id)


EMAIL = """
workflows:
  - name: Thanks
    trigger: {entity: deal, event: won}
    steps:
      - email:
          to: contact
          subject: {fr: "Merci {contact.name}", en: "Thank you {contact.name}"}
          body: {fr: "Bonjour", en: "Hello"}
      - email: {to: owner, subject: "Gagné : {deal.title}", body: "{deal.title}"}
      - notify: {to: owner, text: {fr: "Bravo {owner.name}", en: "Well done {owner.name}"}}
      - notify: {to: channel, channel: team, text: "{deal.title}"}
      - notify: {to: ghost@example.com, text: "x"}
      - webhook: {url: "https://hooks.example/won", headers: {X-Key: secret}}
"""


@pytest.mark.parametrize(("locale", "subject"), [(None, "Merci"), ("en", "Thank you")])
async def test_messages_go_to_the_outbox_in_the_readers_language(
    engine: Engine, alice: Actor, runner: WorkflowRunner, locale: str | None, subject: str
) -> None:
    await install(engine, EMAIL)
    deal = await new_deal(engine, alice)
    if locale:
        await engine.db.write(
            lambda tx: tx.execute("UPDATE contacts SET locale = ?", (locale,)), Actor.cli()
        )
    await engine.deals.move(deal.id, "gagne", alice)
    await runner.settle()
    messages = await engine.outbox.messages()
    to_contact, to_owner = payloads(messages, "email")
    assert (to_contact["to"], to_contact["subject"]) == ("jean@dupont.fr", f"{subject} Jean Dupont")
    assert to_contact["locale"] == (locale or "fr")
    assert (to_owner["to"], to_owner["subject"]) == ("alice@example.com", "Gagné : PAG Rika")
    owner, team, ghost = payloads(messages, "notification")
    assert (owner["to"], owner["text"]) == ("user:U_ALICE", "Bravo Alice Martin")
    assert team["to"] == "channel:C_TEAM"
    skipped = [m for m in messages if m.status == "skipped"]
    assert [m.payload["text"] for m in skipped] == ["x"] and ghost["to"] is None
    assert skipped[0].last_error == "nobody to notify (ghost@example.com)"
    (hook,) = [m for m in messages if m.kind == "webhook"]
    assert hook.recipient == "https://hooks.example/won"
    assert hook.payload["headers"] == {"X-Key": "secret"}
    assert hook.payload["body"]["record"]["status"] == "won"
    assert hook.payload["body"]["changes"]["status"] == ["open", "won"]
    assert all(m.deal_id == deal.id for m in messages)


async def test_a_failing_action_is_recorded_and_stops_only_its_run(
    engine: Engine, alice: Actor, runner: WorkflowRunner
) -> None:
    await install(
        engine,
        """
workflows:
  - name: Broken
    trigger: {entity: deal, event: created}
    steps:
      - update: {values: {priority: 9}}
      - notify: {text: never}
  - name: Fine
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: "ok {deal.title}"}}]
""",
    )
    deal = await new_deal(engine, alice)
    await runner.settle()
    (broken,) = await runs(engine, "Broken")
    assert broken.status == "failed"
    assert broken.reason == "steps[0]: invalid input: priority: priority is 0 to 3 stars"
    (step,) = broken.steps
    assert step.outcome == "failed" and step.detail["error"].endswith("0 to 3 stars")
    assert (await engine.deals.get(deal.id)).priority == 0
    texts = [p["text"] for p in payloads(await engine.outbox.messages(), "notification")]
    assert texts == ["ok PAG Rika"]
    (fine,) = await runs(engine, "Fine")
    assert fine.status == "succeeded"
