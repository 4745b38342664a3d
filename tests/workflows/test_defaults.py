"""The shipped workflows, end to end in the running service: mail in over SMTP → lead →
Slack message on the fake Slack API → to-do; deal won → thank-you e-mail to the relay and
a message to the team channel; a successful referral → a reward to-do for the referrer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from config.workflow_schema import load_workflows
from engine.actors import Actor
from engine.chat import store
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from service.app import Service
from tests.fakes.slack import SECRET, TOKEN, FakeSlack
from tests.ingest.conftest import deliver
from tests.workflows.sink import Sink, smtp_sink

ROOT = Path(__file__).resolve().parents[2]
MAIL = b"""From: Jean Dupont <jean.dupont@acme-chauffage.fr>
To: leads@relais.example
Subject: Devis poele a granules
Message-ID: <first@acme-chauffage.fr>
Content-Type: text/plain; charset=utf-8

Bonjour, je voudrais un devis pour un poele a granules. Merci, Jean Dupont
"""


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    slack.user("U_ALICE", "Alice Martin", "alice@example.com", "fr-FR", "Europe/Paris")
    try:
        yield slack
    finally:
        await slack.stop()


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack, sink: tuple[Sink, int]) -> Settings:
    return load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "relais.db"),
            "RELAIS_CONFIG_DIR": str(tmp_path / "config"),
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_PORT": "0",
            "RELAIS_SMTP_HOSTNAME": "relais.test",
            "RELAIS_MAIL_PARSE_WORKERS": "0",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "RELAIS_SLACK_LEADS_CHANNEL": "C_LEADS",
            "RELAIS_SLACK_TEAM_CHANNEL": "C_TEAM",
            "RELAIS_SMTP_RELAY_HOST": "127.0.0.1",
            "RELAIS_SMTP_RELAY_PORT": str(sink[1]),
            "RELAIS_SMTP_RELAY_TLS": "none",
            "RELAIS_SMTP_RELAY_FROM": "Poêles Martin <devis@martin.fr>",
        },
        env_file=None,
    )


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    svc = Service(settings)
    await svc.start()
    assert svc.engine is not None
    await svc.engine.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), Actor.cli()
    )
    await svc.engine.workflows.apply(load_workflows(ROOT / "config"), Actor.cli())
    try:
        yield svc
    finally:
        await svc.stop()


async def settle(service: Service) -> None:
    assert service.workflows is not None and service.slack is not None
    if service.mail is not None:
        await service.mail.processor.idle()
    await service.workflows.settle()
    await service.slack.runtime.settle()


async def test_a_lead_from_mail_is_announced_in_slack_and_gets_a_call_back_to_do(
    service: Service, fake: FakeSlack
) -> None:
    assert service.mail is not None and service.mail.port is not None
    reply = await asyncio.to_thread(
        deliver, service.mail.port, MAIL, "jean.dupont@acme-chauffage.fr",
        ["leads@relais.example"],
    )  # fmt: skip
    assert reply.code == 250
    await settle(service)
    engine = service.engine
    assert engine is not None
    (lead,) = await engine.leads.by_status()
    posted = [c for c in fake.of("chat.postMessage") if "Nouveau lead par e-mail" in c.text()]
    (announce,) = posted
    assert announce.params["channel"] == "C_LEADS"
    # announced once: the bot's notice (with its buttons) heads the channel, and
    # the workflow's message answers in its thread
    top = [
        c for c in fake.of("chat.postMessage")
        if c.params["channel"] == "C_LEADS" and not c.params.get("thread_ts")
    ]  # fmt: skip
    assert len(top) == 1 and "notice_lead_" in str(top[0].params.get("blocks"))
    notice = await engine.db.read(lambda c: store.message_for(c, f"lead:{lead.id}"))
    assert notice == ("C_LEADS", announce.params["thread_ts"])
    assert "Devis poele a granules — Jean Dupont jean.dupont@acme-chauffage.fr" in announce.text()
    (todo,) = [a for a in await engine.activities.on_record("lead", lead.id) if not a.done]
    assert (todo.kind, todo.subject) == ("call", "Rappeler Jean Dupont : Devis poele a granules")
    assert todo.due_at is not None
    (run,) = await engine.workflows.runs("Nouveau lead par e-mail")
    assert run.status == "succeeded"
    # one outbox: the engine's notification beside the bot's notice, both delivered
    delivered = await engine.outbox.messages(status="delivered", lane="slack")
    assert [m.recipient for m in delivered if m.form == "notification"] == ["channel:C_LEADS"]


async def test_a_deal_won_thanks_the_client_tells_the_team_and_rewards_the_referrer(
    service: Service, fake: FakeSlack, sink: tuple[Sink, int]
) -> None:
    engine = service.engine
    assert engine is not None and service.outbox is not None
    alice = await engine.users.actor_for("alice@example.com", "slack")
    referrer = ContactDraft("Marie Parrain", "marie@parrain.fr")
    await engine.contacts.find_or_create(referrer, alice)
    draft = DealDraft(
        "PAG Rika", ContactDraft("Jean Dupont", "jean@dupont.fr"), expected_revenue="8000",
        referred_by="marie@parrain.fr",
    )  # fmt: skip
    deal = await engine.deals.create(draft, alice)
    await engine.deals.move(deal.id, "devis", alice)
    await settle(service)
    await engine.deals.move(deal.id, "gagne", alice)
    await settle(service)
    await service.outbox.run_once()
    box, _ = sink
    (thanks,) = box.messages
    assert isinstance(thanks, EmailMessage)
    assert thanks["To"] == "jean@dupont.fr" and thanks["Auto-Submitted"] == "auto-generated"
    assert thanks["Subject"] == "Merci pour votre confiance — PAG Rika"
    team = [c for c in fake.of("chat.postMessage") if c.params["channel"] == "C_TEAM"]
    assert next(c.text() for c in team).startswith("🎉 Affaire gagnée par Alice Martin : PAG Rika")
    activities = await engine.activities.on_record("deal", deal.id)
    assert [a.subject for a in activities] == ["Relancer le devis : PAG Rika"]
    assert deal.contact_id is not None
    marie = await engine.contacts.by_email("marie@parrain.fr")
    assert marie is not None
    (reward,) = await engine.activities.on_record("contact", marie.id)
    assert reward.subject == "Récompenser Marie Parrain pour le parrainage de « PAG Rika »"
    assert reward.owner_id == alice.user_id
    statuses = sorted((r.workflow, r.status) for r in await engine.workflows.runs())
    assert statuses == [
        ("Affaire gagnée", "succeeded"), ("Parrainage réussi", "succeeded"),
        ("Relance du devis", "not_met"), ("Relance du devis", "succeeded"),
    ]  # fmt: skip
