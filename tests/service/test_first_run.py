"""A newcomer's first start: ``run.py serve`` on an empty database puts the shipped
configuration in force, and nothing else is needed.

The real service (SMTP and the Slack app on loopback, the recording fake Slack) is
started as ``serve`` starts it (``Service(settings, defaults=True)``) on the shipped
``config/`` folder: a mail over SMTP becomes a lead, announced in Slack, with the
call-back to-do of the default workflow; a deal follows the default blueprint; a quote
prices the shipped catalogue. Later starts never overwrite live changes, and a database
already in use is left as it is. Every wait has a deadline; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.lines import LineInput, QuoteDraft
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from engine.errors import RelaisError
from service.app import Service
from tests.conftest import until
from tests.fakes.slack import SECRET, TOKEN, FakeSlack
from tests.ingest.conftest import deliver

ROOT = Path(__file__).resolve().parents[2]
WITHIN = 10.0  # seconds: a loaded machine still answers well within this
MAIL = b"""From: Jean Dupont <jean.dupont@acme-chauffage.fr>
To: leads@relais.example
Subject: Devis poele a granules
Message-ID: <first-run@acme-chauffage.fr>
Content-Type: text/plain; charset=utf-8

Bonjour, je voudrais un devis pour un poele a granules. Merci, Jean Dupont
"""


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    try:
        yield slack
    finally:
        await slack.stop()


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack) -> Settings:
    return load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "relais.db"),
            "RELAIS_CONFIG_DIR": str(ROOT / "config"),  # what a fresh clone ships
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_PORT": "0",
            "RELAIS_SMTP_HOSTNAME": "relais.test",
            "RELAIS_MAIL_PARSE_WORKERS": "0",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "RELAIS_SLACK_LEADS_CHANNEL": "C_LEADS",
        },
        env_file=None,
    )


@pytest.fixture
async def service(settings: Settings, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Service]:
    caplog.set_level(logging.INFO, logger="relais.config")
    svc = Service(settings, defaults=True)  # as `run.py serve` builds it
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


async def test_the_first_start_puts_the_shipped_configuration_in_force(
    service: Service, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    engine = service.engine
    assert engine is not None and service.mail is not None and service.mail.port is not None
    # the mail over SMTP → a lead
    reply = await asyncio.to_thread(
        deliver, service.mail.port, MAIL, "jean.dupont@acme-chauffage.fr",
        ["leads@relais.example"],
    )  # fmt: skip
    assert reply.code == 250

    async def a_lead() -> bool:
        return bool(await engine.leads.by_status())

    await until(a_lead, WITHIN, "a lead")
    (lead,) = await engine.leads.by_status()
    # → announced on the fake Slack, in the leads channel
    await fake.wait_for("chat.postMessage", seconds=WITHIN)
    announced = [c for c in fake.of("chat.postMessage") if c.params["channel"] == "C_LEADS"]
    assert announced

    # → the call-back to-do of the default workflow "Nouveau lead par e-mail"
    async def a_to_do() -> bool:
        found = await engine.activities.on_record("lead", lead.id)
        return any(a.kind == "call" for a in found)

    await until(a_to_do, WITHIN, "a to-do")
    # (beside the mail itself, on the lead as an e-mail activity)
    (todo,) = [a for a in await engine.activities.on_record("lead", lead.id) if a.kind != "email"]
    assert (todo.kind, todo.subject) == ("call", "Rappeler Jean Dupont : Devis poele a granules")
    (run,) = await engine.workflows.runs("Nouveau lead par e-mail")
    assert run.status == "succeeded"

    # a deal follows the default blueprint: no free move past its transitions
    admin = await engine.users.actor_for("admin@relais.example", "cli")
    draft = DealDraft("PAG Rika", ContactDraft("Jean Dupont", "jean@dupont.fr"))
    deal = await engine.deals.create(draft, admin)
    version = await engine.blueprints.of_deal(deal.id)
    assert version is not None and version.blueprint.name == "Installation de poêle"
    assert await engine.blueprints.transitions(deal.id, admin)
    with pytest.raises(RelaisError):
        await engine.deals.move(deal.id, "gagne", admin)

    # a quote prices the shipped catalogue
    priced = await engine.quotes.price(QuoteDraft((LineInput("PG-ECO8", Decimal(1)),)))
    assert priced.lines[0].code == "PG-ECO8" and priced.totals.total > 0

    # and the start said what it loaded
    logged = caplog.get_records("setup")  # the start is the fixture's
    said = "\n".join(r.getMessage() for r in logged if r.name == "relais.config")
    assert "event=first_run applied=true" in said
    assert "workflow Nouveau lead par e-mail: created" in said


async def test_later_starts_never_overwrite_live_changes(settings: Settings) -> None:
    first = Service(settings, defaults=True)
    await first.start()
    assert first.engine is not None
    admin = Actor.cli("test")
    await first.engine.workflows.delete("Relance du devis", admin)
    await first.engine.users.upsert(
        UserDraft("Admin Renamed", "admin@relais.example", role="admin"), admin
    )
    await first.stop()
    second = Service(settings, defaults=True)
    await second.start()
    try:
        engine = second.engine
        assert engine is not None
        names = [w.name for w in await engine.workflows.all()]
        assert "Relance du devis" not in names and "Nouveau lead par e-mail" in names
        assert (await engine.users.get("admin@relais.example")).name == "Admin Renamed"
    finally:
        await second.stop()


async def test_a_database_already_in_use_is_left_as_it_is(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    engine = await Engine.open(settings.database_path)
    await engine.users.upsert(UserDraft("Zoé", "zoe@example.com", role="admin"), Actor.cli())
    await engine.close()
    caplog.set_level(logging.INFO, logger="relais.config")
    svc = Service(settings, defaults=True)
    await svc.start()
    try:
        assert svc.engine is not None
        assert await svc.engine.workflows.all() == []
        assert "reason=database_in_use" in caplog.text
    finally:
        await svc.stop()


async def test_a_service_built_without_defaults_applies_nothing(settings: Settings) -> None:
    svc = Service(settings)  # the tests' and tools' way: the database as they make it
    await svc.start()
    try:
        assert svc.engine is not None
        assert await svc.engine.workflows.all() == []
        assert not await svc.engine.setup.first_run_done()
    finally:
        await svc.stop()


async def test_the_service_reads_the_price_book_from_the_cache_commands_share(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start compiles ``pricing.yaml`` into the cache (as ``run.py quote``); the next start
    (and every quote command) reads it from there, the entry left as it was."""
    monkeypatch.setenv("RELAIS_CACHE_DIR", str(tmp_path / "cache"))
    first = Service(settings, defaults=True)
    await first.start()
    await first.stop()
    (entry,) = (tmp_path / "cache").glob("pricing-*")
    written = entry.stat().st_mtime_ns
    second = Service(settings, defaults=True)
    await second.start()
    try:
        assert second.engine is not None
        priced = await second.engine.quotes.price(QuoteDraft((LineInput("PG-ECO8", Decimal(1)),)))
        assert priced.lines[0].code == "PG-ECO8" and priced.totals.total > 0
    finally:
        await second.stop()
    assert entry.stat().st_mtime_ns == written  # read, not compiled again
