"""Deals and leads follow one set of governed-record rules: the same blueprint, the same effects.

The rules are written once (engine.blueprints.governed, engine.blueprints.actions,
engine.timers.stays); these tests hold both kinds to them on a real database,
and check the pure pieces (finding a transition, the gates' lists, the timers)
without fakes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.blueprint_schema import parse_blueprint
from engine.actors import Actor
from engine.blueprints import governed
from engine.blueprints.model import Blueprint, leading_to
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.errors import NotFound
from engine.outbox.queue import Message
from engine.timers import stays

AFTER: list[dict[str, Any]] = [
    {"action": "activity", "kind": "call", "subject": "Rappeler {contact.name}", "due_in": "1d"},
    {"action": "notify", "to": "owner", "text": "{transition}: {from} → {to} par {actor}"},
    {"action": "email", "to": "contact", "subject": "Suite", "body": "Bonjour {contact.name}"},
    {"action": "webhook", "url": "https://hooks.example.com/relais"},
]
NOTE = {"note": "Premier appel fait"}
ALICE = "alice@example.com"


REST = {  # the other states, reached from the second one so that none is unreachable
    "deal": ("estimation", ["visite_technique", "devis", "gagne", "perdu"]),
    "lead": ("contacted", ["qualified", "disqualified"]),
}
REASONS = {"perdu": "lost_reason", "disqualified": "disqualify_reason"}


def twin(record: str, source: str, target: str, **rules: Any) -> Blueprint:
    """The same one-transition blueprint, for the default pipeline or for leads."""
    transition = {
        "key": "avancer", "name": "Avancer", "from": [source], "to": target,
        "during": {"note": "optional"}, "after": AFTER, **rules,
    }  # fmt: skip
    head: dict[str, Any] = {"leads": True} if record == "lead" else {"pipeline": "default"}
    data = {**head, "name": "Jumeaux", "transitions": [transition, *_rest(record)]}
    return parse_blueprint(data, f"config/blueprints/{record}s.yaml")


def _rest(record: str) -> list[dict[str, Any]]:
    second, others = REST[record]
    return [
        {
            "key": f"vers_{state}", "name": f"Vers {state}", "from": [second], "to": state,
            "after": [{"action": "set_field", "field": REASONS[state], "value": "x"}]
            if state in REASONS else [],
        }
        for state in others
    ]  # fmt: skip


async def both(engine: Engine, admin: Actor, alice: Actor, **rules: Any) -> tuple[int, int]:
    """A governed deal and a governed lead, both Alice's, under the twin blueprints."""
    await engine.blueprints.save(twin("deal", "nouveau", "estimation", **rules), admin)
    await engine.blueprints.save(twin("lead", "new", "contacted", **rules), admin)
    deal = await engine.deals.create(DealDraft("Poêle", contact(), owner=ALICE), alice)
    lead = await engine.leads.create(LeadDraft("Insert", contact(), owner=ALICE), alice)
    return deal.id, lead.id


def contact() -> ContactDraft:
    return ContactDraft("Jeanne Roux", "jeanne@example.com")


async def messages(engine: Engine, since: int) -> list[Message]:
    return [m for m in await engine.outbox.messages() if m.id > since]


async def last_id(engine: Engine) -> int:
    return max((m.id for m in await engine.outbox.messages()), default=0)


async def test_a_deal_and_a_lead_run_the_same_after_actions(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    deal_id, lead_id = await both(engine, admin, alice)
    before = await last_id(engine)
    done = await engine.blueprints.perform(deal_id, "avancer", NOTE, alice)
    for_deal = await messages(engine, before)
    before = await last_id(engine)
    await engine.blueprints.perform_lead(lead_id, "avancer", NOTE, alice)
    for_lead = await messages(engine, before)

    assert [m.kind for m in for_deal] == [m.kind for m in for_lead]
    assert [m.kind for m in for_deal] == ["notification", "email", "webhook"]
    assert [m.recipient for m in for_deal] == [m.recipient for m in for_lead]
    assert for_deal[0].recipient == "user:U_ALICE"
    assert for_deal[1].recipient == "jeanne@example.com"
    assert for_deal[1].payload["body"] == for_lead[1].payload["body"] == "Bonjour Jeanne Roux"
    assert {(m.deal_id, m.transition_id) for m in for_deal} == {(deal_id, done.log_id)}
    assert {(m.deal_id, m.transition_id) for m in for_lead} == {(None, None)}
    assert {m.payload.get("lead_id") for m in for_lead} == {lead_id}
    assert "lead_id" not in for_deal[0].payload
    assert for_lead[2].payload["body"]["event"] == "lead.transitioned"
    assert "body" not in for_deal[2].payload  # a deal's is rendered from the log when sent


async def test_the_notices_name_each_record_in_its_own_terms(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    deal_id, lead_id = await both(engine, admin, alice)
    before = await last_id(engine)
    await engine.blueprints.perform(deal_id, "avancer", {}, alice)
    await engine.blueprints.perform_lead(lead_id, "avancer", {}, alice)
    texts = [m.payload["text"] for m in await messages(engine, before) if m.kind == "notification"]
    assert texts[0].startswith("Avancer: ") and texts[0].endswith(" par Alice Martin")
    assert texts[1] == "Avancer: new → contacted par Alice Martin"


async def test_a_refused_transition_gives_the_same_reasons_for_both_kinds(
    engine: Engine, admin: Actor, alice: Actor, bob: Actor
) -> None:
    owned = {"owners": {"record_owner": True}}
    deal_id, lead_id = await both(engine, admin, alice, before=owned)
    [deal_option] = [
        o for o in await engine.blueprints.transitions(deal_id, bob) if o.key == "avancer"
    ]
    [lead_option] = await engine.blueprints.lead_transitions(lead_id, bob)
    assert not deal_option.available and not lead_option.available
    assert [r.code for r in deal_option.reasons] == [r.code for r in lead_option.reasons]
    assert [r.code for r in deal_option.reasons] == ["reason_not_owner"]
    assert all(o.available for o in await engine.blueprints.lead_transitions(lead_id, alice))


async def test_the_history_of_both_kinds_keeps_the_note_and_the_actor(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    deal_id, lead_id = await both(engine, admin, alice)
    await engine.blueprints.perform(deal_id, "avancer", NOTE, alice)
    await engine.blueprints.perform_lead(lead_id, "avancer", NOTE, alice)
    [deal_entry] = await engine.blueprints.history(deal_id)
    [lead_entry] = await engine.blueprints.lead_history(lead_id)
    for entry in (deal_entry, lead_entry):
        assert (entry.transition, entry.note, entry.channel) == ("avancer", NOTE["note"], "slack")
        assert entry.actor_label == "Alice Martin" and not entry.automatic
    assert (lead_entry.from_status, lead_entry.to_status) == ("new", "contacted")
    assert (deal_entry.from_stage, deal_entry.to_stage) == ("nouveau", "estimation")


# -- the pure pieces ---------------------------------------------------------------


def test_a_transition_is_found_by_key_or_by_name_whatever_the_case() -> None:
    bp = twin("lead", "new", "contacted")
    assert governed.find(bp, "avancer").key == "avancer"
    assert governed.find(bp, "aVANcer").key == "avancer"
    assert governed.find(bp, "AVANCER").name == "Avancer"
    with pytest.raises(NotFound):
        governed.find(bp, "reculer")


def test_the_gates_name_the_transitions_into_a_state() -> None:
    bp = twin("lead", "new", "contacted")
    assert leading_to(bp, "new", True, "contacted") == ["Avancer (avancer)"]
    assert leading_to(bp, "new", True, "qualified") == []
    assert leading_to(bp, "contacted", True, "contacted") == []


def test_the_shortest_wait_is_the_least_limit_or_delay() -> None:
    bp = twin("lead", "new", "contacted", automatic={"after": "3d"})
    assert stays.shortest_wait(bp) == 3 * 86400
    assert stays.shortest_wait(twin("lead", "new", "contacted")) is None


def test_timers_fall_due_once_their_delay_is_past_and_ask_about_escalation_lazily() -> None:
    bp = twin("lead", "new", "contacted", automatic={"after": "3d"})
    since = datetime(2026, 1, 5, 9, tzinfo=UTC)
    asked: list[bool] = []

    def escalated() -> bool:
        asked.append(True)
        return False

    assert stays.timers_due(bp, "new", True, since, since + timedelta(days=2), escalated) == []
    [timer] = stays.timers_due(bp, "new", True, since, since + timedelta(days=3), escalated)
    assert (timer.kind, timer.transition, timer.limit) == ("automatic", "avancer", 3 * 86400)
    assert (
        stays.timers_due(bp, "contacted", True, since, since + timedelta(days=9), escalated) == []
    )
    assert asked == []  # no time limit on these states: the log is never read
