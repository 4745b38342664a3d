"""A contact's postal address: kept by the engine, imported and exported in CSV, and
printed on the devis as the client's address (the contact's, else the organisation's,
else the deal field a private client's address used to live in).

Through ``run.py`` in-process (import, export, deal, quote, pdf — the PDF read back with
``pdftotext`` where poppler is installed, else from its text layer as tests/cpq do) and
the engine's contacts part; SQLite and PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import asyncio
import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.main import main
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.records import PostalAddress
from engine.errors import Conflict, ValidationFailed
from tests.conftest import database_for
from tests.cpq.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = """\
Nom;Courriel;Adresse;Code postal;Ville;Pays
Jeanne Dupont;jeanne@dupont.example;"8 allée des Tilleuls
Bâtiment B";38000;Grenoble;
Paul Martin;paul@martin.example;;;;
"""


@pytest.fixture
def target(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment of ``run.py`` on the test's database, with the shipped configuration."""
    database = database_for(tmp_path)
    monkeypatch.setenv("RELAIS_DATABASE", database)
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("RELAIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RELAIS_SMTP_ENABLED", "false")
    monkeypatch.setenv("RELAIS_LOCALE", "fr")
    return database


def run(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    capsys.readouterr()
    code = main(list(words))
    out, err = capsys.readouterr()
    assert code == 0, f"run.py {' '.join(words)}: {code}\n{out}\n{err}"
    return out


def document_text(path: Path) -> str:
    """The PDF's text, one space for any run of spaces (pdftotext when installed)."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        )
        text = done.stdout
    else:
        text = pdf_text(path.read_bytes())
    return re.sub(r"[ \t\xa0\u202f]+", " ", text)


def a_devis(capsys: pytest.CaptureFixture[str], tmp_path: Path, contact: str) -> str:
    """``deal new`` for ``contact``, ``quote new`` on it, then its PDF's text."""
    out = run(capsys, "deal", "new", "Poêle salon", "--contact", contact)
    deal = re.search(r"n° (\d+)", out)
    assert deal is not None, out
    out = run(capsys, "quote", "new", deal.group(1), "--line", "PG-ECO8=1", "--json")
    number = re.search(r'"number": "([^"]+)"', out)
    assert number is not None, out
    pdf = tmp_path / f"{number.group(1)}.pdf"
    run(capsys, "quote", "pdf", number.group(1), "-o", str(pdf))
    return document_text(pdf)


def test_an_imported_address_is_exported_and_printed_on_the_devis(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text(CONTACTS, encoding="utf-8")
    out = run(capsys, "import", "contacts", str(source))
    assert " 2 sur 2 lignes importées, 0 refusée" in out, out  # RELAIS_LOCALE=fr: none refused
    exported = tmp_path / "contacts-out.csv"
    run(capsys, "export", "--format", "csv", "--entity", "contacts", "--output", str(exported))
    with exported.open(encoding="utf-8", newline="") as stream:
        rows = {row["email"]: row for row in csv.DictReader(stream)}
    jeanne = rows["jeanne@dupont.example"]
    assert jeanne["street"] == "8 allée des Tilleuls\nBâtiment B"
    assert (jeanne["postcode"], jeanne["city"], jeanne["country"]) == ("38000", "Grenoble", "")
    paul = rows["paul@martin.example"]
    assert (paul["street"], paul["postcode"], paul["city"]) == ("", "", "")

    text = a_devis(capsys, tmp_path, "jeanne@dupont.example")
    assert "8 allée des Tilleuls" in text and "Bâtiment B" in text and "38000 Grenoble" in text
    # the name is the contact's, never guessed from the e-mail
    assert "Jeanne Dupont" in text


def test_the_contacts_address_wins_over_the_deal_field(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A private client's address typed in the deal field (before contacts had one) still
    prints, until the contact has an address: then the contact's does."""
    run(capsys, "deal", "list")  # the first command: the shipped configuration in force
    asyncio.run(a_deal_with_the_field(target))
    out = run(capsys, "quote", "new", "1", "--line", "PG-ECO8=1", "--json")
    number = re.search(r'"number": "([^"]+)"', out)
    assert number is not None
    pdf = tmp_path / "field.pdf"
    run(capsys, "quote", "pdf", number.group(1), "-o", str(pdf))
    assert "3 impasse du Moulin 69000 Lyon" in " ".join(document_text(pdf).split())
    asyncio.run(give_an_address(target, "lea@example.com"))
    run(capsys, "quote", "pdf", number.group(1), "-o", str(pdf))
    printed = document_text(pdf)
    assert "5 rue Neuve" in printed and "69001 Lyon" in printed
    assert "impasse du Moulin" not in printed


async def a_deal_with_the_field(target: str) -> None:
    engine = await Engine.open(target)
    try:
        admin = await engine.users.actor_for("admin@relais.example", "cli")
        custom = {"adresse_client": "3 impasse du Moulin\n69000 Lyon"}
        draft = DealDraft("Tubage", ContactDraft("Léa Petit", "lea@example.com"), custom=custom)
        await engine.deals.create(draft, admin)
    finally:
        await engine.close()


async def give_an_address(target: str, email: str) -> None:
    engine = await Engine.open(target)
    try:
        contact = await engine.contacts.by_email(email)
        assert contact is not None and not contact.address
        address = PostalAddress("5 rue Neuve", "69001", "Lyon")
        changed = await engine.contacts.set_address(contact.id, address, Actor.cli("test"))
        assert changed.address == address and changed.version == contact.version + 1
    finally:
        await engine.close()


async def test_the_contacts_part_sets_checks_and_records_an_address(engine: Engine) -> None:
    admin = Actor.cli("test")
    address = PostalAddress(" 12 rue des Lilas ", "75011", "Paris", "France")
    draft = ContactDraft("Ana Silva", "ana@example.com", address=address)
    contact = await engine.contacts.find_or_create(draft, admin)
    assert contact.address == PostalAddress("12 rue des Lilas", "75011", "Paris", "France")
    assert contact.address.lines() == ["12 rue des Lilas", "75011 Paris", "France"]
    # found again by e-mail, the address a rep typed is never overwritten by a draft
    other = ContactDraft("Ana Silva", "ana@example.com", address=PostalAddress(city="Lyon"))
    assert (await engine.contacts.find_or_create(other, admin)).address.city == "Paris"
    # set: every part replaced, an empty part cleared; a stale version refused
    moved = await engine.contacts.set_address(contact.id, PostalAddress(city="Lyon"), admin)
    assert moved.address == PostalAddress(city="Lyon") and moved.address.lines() == ["Lyon"]
    with pytest.raises(Conflict):
        await engine.contacts.set_address(contact.id, address, admin, contact.version)
    with pytest.raises(ValidationFailed) as refused:
        await engine.contacts.set_address(contact.id, PostalAddress(street="x" * 201), admin)
    assert set(refused.value.errors) == {"street"}
    changes = [e for e in await engine.timeline.of("contact", contact.id) if e.action == "updated"]
    assert changes and "city" in changes[-1].changes
