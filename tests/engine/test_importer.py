"""CSV import: good rows imported, bad rows reported with line, field and reason."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.data.csv_import import BATCH_SIZE, Entity, ImportReport, Rejection, read_csv
from engine.data.export import export_all
from engine.errors import ValidationFailed
from engine.events import DomainEvent


async def run(
    engine: Engine,
    entity: Entity,
    text: str,
    actor: Actor,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    stream = io.StringIO(text)
    return await engine.data.import_csv(
        entity, stream, actor, dry_run=dry_run, batch_size=batch_size
    )


CONTACTS_FR = """\
Nom;Courriel;Téléphone;Société;Remarque
Jean Dupont;jean.dupont@dupont-sa.fr;06 12 34 56 78;Dupont SA;client 2019
Marie Curie;marie@@bad;;;
Jean D.;Jean.Dupont@Dupont-SA.fr;;;

Paul Martin;paul@gmail.com;abc;;
Sophie;sophie@example.org;;;
"""


async def test_contacts_with_french_headers_and_rejected_rows(engine: Engine, admin: Actor) -> None:
    report = await run(engine, "contacts", CONTACTS_FR, admin)
    assert (report.created, report.existing, report.imported, report.rows) == (2, 1, 3, 5)
    assert [r.line for r in report.rejected] == [3, 6]
    assert "@" in report.rejected[0].errors["email"]
    assert report.rejected[1].errors == {"phone": "not a phone number: 'abc'"}
    assert report.ignored_columns == ["Remarque"]
    jean = await engine.contacts.by_email("jean.dupont@dupont-sa.fr")
    assert jean is not None and jean.name == "Jean Dupont" and jean.phone == "06 12 34 56 78"
    contacts = (await engine.db.read(export_all))["contacts"]
    assert [c["name"] for c in contacts] == ["Jean Dupont", "Sophie"]
    assert contacts[0]["organisation"] == "Dupont SA"


async def test_a_contact_already_in_the_database_is_reused(engine: Engine, admin: Actor) -> None:
    existing = await engine.contacts.find_or_create(ContactDraft("Anne Roy", "anne@roy.fr"), admin)
    report = await run(engine, "contacts", "EMAIL,name\nANNE@roy.fr,Anne R.\n", admin)
    assert (report.created, report.existing, report.rejected) == (0, 1, [])
    assert (await engine.contacts.by_email("anne@roy.fr")) == existing


DEALS = "\n".join(
    [
        "Titre,Contact_Email,Contact Name,Société,Revenu,Budget,Priority,Stage,Owner,"
        "Expected_Close,Origin,Campaign",
        'Poêle Rika,pierre@richard-sarl.fr,Pierre Richard,Richard SARL,"8 000,50",7500,**,'
        "Devis,alice@example.com,15/12/2026,web,Salon",
        "Insert,pierre@richard-sarl.fr,,,3000,,1,visite_technique,,2027-01-31,,",
        "Bad,new.person@example.com,New,,abc,,9,nowhere,ghost@x.fr,31/02/2026,,",
        ",,,,,,,,,,,",
        "Closed,,,,,,,gagne,,,,",
        "",
    ]
)


async def test_deals_are_created_with_their_contact_and_every_field(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    report = await run(engine, "deals", DEALS, admin)
    assert report.created == 2
    assert [r.line for r in report.rejected] == [4, 6]
    assert report.rejected[0].errors == {
        "expected_revenue": "not an amount: 'abc'",
        "owner": "unknown user 'ghost@x.fr'",
        "stage": "stage nowhere not found",
        "priority": "priority is 0 to 3 stars, not '9'",
        "expected_close": "not a date (YYYY-MM-DD or DD/MM/YYYY): '31/02/2026'",
    }
    assert report.rejected[1].errors == {"stage": "a new deal cannot start in a closed stage"}
    assert await engine.contacts.by_email("new.person@example.com") is None  # rolled back
    rika, insert = await engine.deals.search("Poêle Rika") + await engine.deals.search("Insert")
    assert rika.expected_revenue == Decimal("8000.50") and rika.budget == Decimal("7500.00")
    assert (rika.priority, rika.probability, rika.owner_id) == (2, 60, alice.user_id)
    assert rika.expected_close == date(2026, 12, 15)
    assert (rika.origin, rika.campaign) == ("web", "Salon")
    assert insert.contact_id == rika.contact_id and insert.owner_id is None
    assert insert.organisation_id == rika.organisation_id is not None


async def test_a_refused_row_announces_nothing(engine: Engine, admin: Actor) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    engine.bus.subscribe("*", collect)
    text = "title,contact_email,stage\nGood,a@gmail.com,\nBad,b@gmail.com,nowhere\n"
    report = await run(engine, "deals", text, admin)
    await engine.bus.drain()
    assert report.created == 1 and [r.line for r in report.rejected] == [3]
    assert sorted(e.name for e in seen) == ["contact.created", "deal.created"]


async def test_the_importing_user_owns_deals_without_an_owner(engine: Engine, alice: Actor) -> None:
    report = await run(engine, "deals", "titre\nTubage\n", alice)
    assert report.created == 1
    (deal,) = await engine.deals.search("Tubage")
    assert deal.owner_id == alice.user_id
    assert (await engine.timeline.of("deal", deal.id))[0].actor_label == "Alice Martin"


async def test_dry_run_checks_every_row_and_writes_nothing(engine: Engine, admin: Actor) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    engine.bus.subscribe("*", collect)
    dry = await run(engine, "contacts", CONTACTS_FR, admin, dry_run=True)
    await engine.bus.drain()
    assert dry.dry_run and (dry.created, dry.existing) == (2, 1)
    assert [r.line for r in dry.rejected] == [3, 6]
    assert (await engine.db.read(export_all))["contacts"] == [] and seen == []
    real = await run(engine, "contacts", CONTACTS_FR, admin)
    assert (real.created, real.existing, real.rejected) == (2, 1, dry.rejected)


async def test_rows_are_written_in_batches_with_their_own_line_numbers(
    engine: Engine, admin: Actor
) -> None:
    lines = ["name,email"]
    for i in range(450):
        lines.append(f"Person {i},{'not-an-email' if i % 100 == 7 else f'p{i}@example.com'}")
    commits = engine.db.stats["commits"]
    report = await run(engine, "contacts", "\n".join(lines) + "\n", admin, batch_size=200)
    assert report.created == 445
    assert [r.line for r in report.rejected] == [9, 109, 209, 309, 409]
    assert engine.db.stats["commits"] - commits == 3


def test_line_numbers_count_quoted_cells_spanning_lines() -> None:
    text = 'name,email\n"Jean\nDupont",j@x.fr\nMarie,m@x.fr,extra\n'
    parsed = read_csv("contacts", io.StringIO(text))
    assert [(r.line, r.values["email"]) for r in parsed.rows] == [(2, "j@x.fr")]
    assert parsed.rejected == [Rejection(4, {"row": "3 cells but the header has 2 columns"})]


@pytest.mark.parametrize(
    ("entity", "header", "field"),
    [
        ("deals", "contact_email,organisation", "header"),
        ("contacts", "phone", "header"),
        ("contacts", "email,courriel", "email"),
        ("contacts", "", "header"),
    ],
)
def test_a_bad_header_refuses_the_file(entity: Entity, header: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_csv(entity, io.StringIO(header))
    assert field in refused.value.errors
