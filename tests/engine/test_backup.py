"""Export and restore: every field readable, and export → restore → export is exact."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.projects import ProjectTemplate, Question, save_template
from engine.crm.users import UserDraft
from engine.data.export import ENTITIES, RestoreRefused, export_all, restore_all, write_csv
from engine.errors import Forbidden, ValidationFailed
from engine.store.db import Tx

TEMPLATE = ProjectTemplate(
    "poele",
    "Installation de poêle",
    (
        Question("conduit", "Conduit existant ?", "yes_no"),
        Question("combustible", "Combustible", "choice", ("bois", "granulés")),
    ),
)


async def configure(engine: Engine, admin: Actor) -> Actor:
    """What the YAML configuration gives every database: a user and a template."""
    await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
    await engine.db.write(lambda tx: save_template(tx, TEMPLATE), admin)
    return await engine.users.actor_for("alice@example.com", "slack")


async def fill(engine: Engine, alice: Actor) -> None:
    """One of everything: won, lost, archived, converted, questionnaire, activities."""
    rika = await engine.deals.create(
        DealDraft(
            "PAG Rika",
            ContactDraft("Pierre Richard", "pierre@richard-sarl.fr", "06 12 34 56 78"),
            expected_revenue="8 000",
            budget="7500,50",
            priority=2,
            expected_close="2026-12-15",
            origin="web form",
            campaign="Salon 2026",
            project_template="poele",
            custom={"appareil": "PAG", "puissance": 8},
        ),
        alice,
    )
    await engine.deals.update(
        rika.id, {"answers": {"conduit": "oui", "combustible": "granulés"}}, alice
    )
    await engine.deals.move(rika.id, "gagne", alice)
    lost = await engine.deals.create(DealDraft("Tubage", expected_revenue="1200.10"), alice)
    await engine.deals.move(lost.id, "perdu", alice, lost_reason="trop cher")
    archived = await engine.deals.create(DealDraft("Ramonage"), alice)
    await engine.deals.update(archived.id, {"archived": True, "probability": "35"}, alice)
    lead = await engine.leads.create(
        LeadDraft("Devis insert", ContactDraft("Léa Petit", "lea@gmail.com"), custom={"k": 1}),
        alice,
    )
    await engine.activities.create(
        ActivityDraft("call", "Rappeler Léa", lead_id=lead.id, due_at=datetime.now(UTC)), alice
    )
    deal = await engine.leads.convert(lead.id, alice, expected_revenue="3000")
    activity = await engine.activities.create(
        ActivityDraft("meeting", "Visite", deal_id=deal.id, contact_id=deal.contact_id), alice
    )
    await engine.activities.complete(activity.id, alice)
    other = await engine.leads.create(LeadDraft("Spam"), alice)
    await engine.leads.set_status(other.id, "disqualified", alice, reason="spam")
    await engine.contacts.find_or_create(ContactDraft("Sans Mail", phone="01 02 03 04 05"), alice)


@pytest.fixture
async def target(tmp_path: Path, admin: Actor) -> AsyncIterator[Engine]:
    """A second, fresh database with the same configuration."""
    engine = await Engine.open(tmp_path / "target.db")
    try:
        await configure(engine, admin)
        yield engine
    finally:
        await engine.close()


async def restore(engine: Engine, data: Any, actor: Actor) -> dict[str, int]:
    return await engine.db.write(lambda tx: restore_all(tx, data), actor)


async def test_export_has_every_field_in_readable_values(engine: Engine, admin: Actor) -> None:
    alice = await configure(engine, admin)
    await fill(engine, alice)
    data = await engine.db.read(export_all)
    assert list(data) == list(ENTITIES)
    rika = next(d for d in data["deals"] if d["title"] == "PAG Rika")
    assert rika["expected_revenue"] == "8000.00" and rika["budget"] == "7500.50"
    assert rika["currency"] == "EUR"
    assert (rika["pipeline"], rika["stage"], rika["status"]) == ("default", "gagne", "won")
    assert rika["owner"] == "alice@example.com" and rika["owner_id"] == alice.user_id
    assert rika["answers"] == {"conduit": "oui", "combustible": "granulés"}
    assert rika["custom"] == {"appareil": "PAG", "puissance": 8}
    assert rika["project_template"] == "poele"
    assert rika["expected_close"] == "2026-12-15"
    assert rika["probability_manual"] is False and rika["archived"] is False
    assert datetime.fromisoformat(rika["closed_at"]) > datetime.now(UTC) - timedelta(minutes=1)
    lost = next(d for d in data["deals"] if d["title"] == "Tubage")
    assert (lost["status"], lost["lost_reason"]) == ("lost", "trop cher")
    archived = next(d for d in data["deals"] if d["title"] == "Ramonage")
    assert archived["archived"] is True and archived["probability_manual"] is True
    assert archived["expected_revenue"] is None
    pierre = next(c for c in data["contacts"] if c["name"] == "Pierre Richard")
    assert pierre["organisation"] == "Richard Sarl" and "email_key" not in pierre
    converted = next(lead for lead in data["leads"] if lead["status"] == "converted")
    assert converted["deal_id"] is not None and converted["custom"] == {"k": 1}
    assert {a["done"] for a in data["activities"]} == {True, False}
    json.dumps(data)  # plain JSON: no Decimal, no datetime


async def test_export_restore_export_is_identical(
    engine: Engine, admin: Actor, target: Engine
) -> None:
    await fill(engine, await configure(engine, admin))
    before = await engine.db.read(export_all)
    counts = await restore(target, json.loads(json.dumps(before)), admin)
    assert counts == {entity: len(before[entity]) for entity in ENTITIES}
    assert await target.db.read(export_all) == before
    restored = await target.deals.get(before["deals"][0]["id"])
    assert restored.answers == {"conduit": "oui", "combustible": "granulés"}
    entry = (await target.timeline.of("backup", 0))[-1]
    assert entry.action == "restored" and entry.changes["deals"] == [None, 4]


async def test_a_new_column_is_exported_and_restored(
    engine: Engine, admin: Actor, target: Engine
) -> None:
    def add_column(tx: Tx) -> None:
        tx.execute("ALTER TABLE deals ADD COLUMN surface INTEGER")

    for database in (engine, target):
        await database.db.write(add_column, admin)
    deal = await engine.deals.create(DealDraft("Insert"), admin)
    await engine.db.write(lambda tx: tx.update("deals", deal.id, {"surface": 42}), admin)
    before = await engine.db.read(export_all)
    assert before["deals"][0]["surface"] == 42
    await restore(target, before, admin)
    assert await target.db.read(export_all) == before


async def test_restore_refuses_a_database_that_holds_records(engine: Engine, admin: Actor) -> None:
    alice = await configure(engine, admin)
    await fill(engine, alice)
    data = await engine.db.read(export_all)
    with pytest.raises(RestoreRefused) as refused:
        await restore(engine, data, admin)
    assert "already holds" in refused.value.message and "deals" in refused.value.message


async def test_restore_needs_the_configuration_and_writes_nothing_without_it(
    engine: Engine, admin: Actor, tmp_path: Path
) -> None:
    await fill(engine, await configure(engine, admin))
    data = await engine.db.read(export_all)
    bare = await Engine.open(tmp_path / "bare.db")
    try:
        with pytest.raises(ValidationFailed) as refused:
            await restore(bare, data, admin)
        assert "alice@example.com" in refused.value.errors["users"]
        assert "poele" in refused.value.errors["project templates"]
        assert await bare.db.read(export_all) == {entity: [] for entity in ENTITIES}
    finally:
        await bare.close()


async def test_restore_refuses_malformed_backups(
    engine: Engine, admin: Actor, target: Engine
) -> None:
    await engine.deals.create(DealDraft("Insert", expected_revenue="100"), admin)
    data = await engine.db.read(export_all)
    data["deals"][0]["expected_revenue"] = 100.0
    data["deals"][0]["archived"] = "no"
    with pytest.raises(ValidationFailed) as refused:
        await restore(target, data, admin)
    assert "decimal string" in refused.value.errors["deals[0].expected_revenue"]
    assert set(refused.value.errors) == {"deals[0].expected_revenue", "deals[0].archived"}
    with pytest.raises(ValidationFailed) as missing:
        await restore(target, {"deals": []}, admin)
    assert "contacts" in missing.value.errors


async def test_only_an_admin_restores(engine: Engine, alice: Actor) -> None:
    with pytest.raises(Forbidden):
        await restore(engine, {entity: [] for entity in ENTITIES}, alice)


async def test_csv_has_the_record_fields_and_json_encoded_objects(
    engine: Engine, admin: Actor
) -> None:
    await fill(engine, await configure(engine, admin))
    data = await engine.db.read(export_all)
    stream = io.StringIO()
    write_csv("deals", data["deals"], stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(rows[0]) == list(data["deals"][0])
    rika = next(r for r in rows if r["title"] == "PAG Rika")
    assert rika["expected_revenue"] == "8000.00" and rika["archived"] == "false"
    assert json.loads(rika["answers"]) == {"conduit": "oui", "combustible": "granulés"}
    assert rika["lost_reason"] == ""
    empty = io.StringIO()
    write_csv("activities", [], empty)
    assert empty.getvalue().startswith("id,kind,subject,")


async def test_a_lead_keeps_when_it_entered_its_status(
    engine: Engine, admin: Actor, target: Engine
) -> None:
    alice = await configure(engine, admin)
    lead = await engine.leads.create(LeadDraft("Insert"), alice)
    await engine.db.write(
        lambda tx: tx.update(
            "leads", lead.id, {"status_changed_at": "2026-02-01T10:30:00.000000Z"}
        ),
        admin,
    )
    before = await engine.db.read(export_all)
    (exported,) = before["leads"]
    assert exported["status_changed_at"] == "2026-02-01T10:30:00.000000Z"
    assert exported["status_changed_at"] != exported["created_at"]
    await restore(target, json.loads(json.dumps(before)), admin)
    assert await target.db.read(export_all) == before

    def since(conn: Any) -> Any:
        return conn.execute("SELECT status_changed_at FROM leads").fetchone()[0]

    assert await target.db.read(since) == "2026-02-01T10:30:00.000000Z"


async def test_a_lead_from_an_older_export_has_no_status_time(
    engine: Engine, admin: Actor, target: Engine
) -> None:
    await engine.leads.create(LeadDraft("Insert"), await configure(engine, admin))
    data = await engine.db.read(export_all)
    data["leads"][0]["status_changed_at"] = "yesterday"
    with pytest.raises(ValidationFailed) as refused:  # a time, checked like the others
        await restore(target, data, admin)
    assert "UTC time" in refused.value.errors["leads[0].status_changed_at"]
    del data["leads"][0]["status_changed_at"]  # exported before migration 10
    await restore(target, data, admin)
    (restored,) = (await target.db.read(export_all))["leads"]
    assert restored["status_changed_at"] is None
