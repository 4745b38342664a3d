"""After the commit, the workers concerned are woken: no notice waits for a poll.

The service runs for real (Slack over HTTP to the fake, a SQLite file); the
scheduler's tick and the notification worker's poll are far longer than the
one second each notice is given to reach Slack.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from config.blueprint_schema import parse_blueprint
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from service import wiring
from service.app import Service
from tests.fakes.slack import Call, FakeSlack

ADMIN = Actor.cli("test")
LEADS: dict[str, Any] = {
    "leads": True,
    "name": "Relances",
    "states": {"new": {"time_limit": "2d", "escalate_to": ["owner"], "message": "Appelez."}},
    "transitions": [
        {
            "key": "contacter", "name": "Contacter", "from": ["new"], "to": "contacted",
            "after": [{"action": "notify", "to": "owner", "text": "{lead.title} contacté"}],
        },
        {"key": "qualifier", "name": "Qualifier", "from": ["contacted"], "to": "qualified"},
        {
            "key": "abandonner", "name": "Abandonner", "from": ["contacted"], "to": "disqualified",
            "after": [{"action": "set_field", "field": "disqualify_reason", "value": "Muet"}],
        },
    ],
}  # fmt: skip


async def alice_and_her_lead(relais: Engine) -> tuple[Actor, int]:
    await relais.users.upsert(UserDraft("Alice", "alice@example.com", "U_ALICE"), ADMIN)
    await relais.blueprints.save(parse_blueprint(LEADS, "config/blueprints/leads.yaml"), ADMIN)
    alice = await relais.users.actor_for("alice@example.com", "slack")
    draft = LeadDraft("Poêle", ContactDraft("Jeanne", "j@example.com"), owner="alice@example.com")
    return alice, (await relais.leads.create(draft, alice)).id


async def said(fake: FakeSlack, words: str) -> Call:
    """The first message posted with ``words``, waited for one second at most."""
    count = 1
    async with asyncio.timeout(1.0):
        while True:
            calls = await fake.wait_for("chat.postMessage", count)
            found = [call for call in calls if words in call.text()]
            if found:
                return found[0]
            count = len(calls) + 1


async def test_a_lead_transitions_notice_reaches_slack_within_a_second(
    service: Service, relais: Engine, fake: FakeSlack
) -> None:
    assert service.settings.scheduler_tick >= 5  # no tick will deliver it in time
    alice, lead_id = await alice_and_her_lead(relais)
    await relais.blueprints.perform_lead(lead_id, "contacter", {}, alice)
    posted = await said(fake, "Poêle contacté")
    assert posted.params["channel"] == "DU_ALICE"  # Alice's direct messages


async def test_an_escalations_notice_reaches_slack_within_a_second(
    service: Service, relais: Engine, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_days_ago = clock.utcnow() - timedelta(days=3)
    with monkeypatch.context() as past:  # the lead has been "new" for three days
        past.setattr(clock, "utcnow", lambda: three_days_ago)
        await alice_and_her_lead(relais)
    report = await relais.blueprints.run_timers()  # what the next tick does
    assert report.escalated == 1
    posted = await said(fake, "Appelez.")
    assert "Poêle" in posted.text()


async def test_a_reminders_notice_reaches_slack_within_a_second(
    service: Service, relais: Engine, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, lead_id = await alice_and_her_lead(relais)
    due = clock.utcnow() + timedelta(minutes=5)
    draft = ActivityDraft("call", "Rappeler Jeanne", due_at=due, lead_id=lead_id)
    an_hour_ago = clock.utcnow() - timedelta(hours=1)
    with monkeypatch.context() as past:  # planned an hour ago: a reminder is due now
        past.setattr(clock, "utcnow", lambda: an_hour_ago)
        await relais.activities.create(draft, alice)
    assert service.reminders is not None
    assert (await service.reminders.run_once()).reminders == 1  # what the next tick does
    posted = await said(fake, "Rappeler Jeanne")
    assert posted.params["channel"] == "DU_ALICE"


def test_the_service_names_a_listener_for_every_row_of_the_table(service: Service) -> None:
    assert service.mail is None  # SMTP is off here: the mail processor's row has no listener
    assert set(service.listeners()) == wiring.LISTENERS - {"mail"}
    assert "workflows" in service.listeners()  # the runner does not subscribe itself
