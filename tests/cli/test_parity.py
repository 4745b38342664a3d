"""The command line does what Slack does: activities, lead conversion, quote versions,
free stage changes, ``--json`` on the lists and shows, and errors without a traceback.

Each command runs through ``run.py``'s ``main`` on a real database, with the
configuration folder empty (pipelines move freely) unless a test copies in files.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from tests.cli.conftest import RunCli, isolate, on_engine

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.cli("test")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch, RELAIS_TIMEZONE="Europe/Paris")
    (tmp_path / "config").mkdir()
    return tmp_path


async def a_deal_and_a_lead(engine: Engine) -> None:
    await engine.users.upsert(
        UserDraft("Alice Martin", "alice@example.com", "U_ALICE", locale="en"), ADMIN
    )
    draft = DealDraft("Poêle Rika", ContactDraft("Jean Dupont", "jean@dupont.fr"))
    assert (await engine.deals.create(draft, ADMIN)).id == 1
    lead = LeadDraft("Insert", contact=ContactDraft("Léa Petit", "lea@petit.fr"))
    assert (await engine.leads.create(lead, ADMIN)).id == 1
    product = Product("PG-ECO8", "Poêle Eco 8 kW", Decimal("2490.00"), tax_rate=Decimal("5.5"))
    await engine.products.import_all([product], ADMIN)


@pytest.fixture
def records(folder: Path) -> Path:
    on_engine(folder, a_deal_and_a_lead)
    return folder


# -- activities -------------------------------------------------------------------------


def test_an_activity_is_added_listed_snoozed_and_done(records: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("activity", "add", "call", "Rappeler Jean", "--deal", "1",
        "--due", "2030-06-20 10:00", "--as", "alice@example.com",
    )  # fmt: skip
    assert (code, out, err) == (0, "activity #1 planned: Rappeler Jean\n", "")
    code, out, _ = run_cli("activity", "list", "--deal", "1", "--lang", "fr")
    assert code == 0
    assert out.splitlines()[1].split() == [
        "#1", "appel", "Rappeler", "Jean", "20/06/2030", "10:00", "CEST", "affaire", "n°", "1",
    ]  # fmt: skip
    code, out, _ = run_cli("activity", "list", "--as", "alice@example.com", "--json")
    (listed,) = json.loads(out)
    assert listed["due_at"] == "2030-06-20T08:00:00+00:00" and listed["deal_id"] == 1
    code, out, _ = run_cli("activity", "snooze", "1", "--until", "2030-06-21 9:00", "--lang", "fr")
    assert (code, out) == (0, "activité n° 1 reportée au 21/06/2030 09:00 CEST : Rappeler Jean\n")
    code, out, _ = run_cli("activity", "done", "1", "--lang", "en")
    assert (code, out) == (0, "activity #1 done: Rappeler Jean\n")
    code, out, _ = run_cli("activity", "list", "--deal", "1", "--lang", "en")
    assert out == "no activity\n"
    code, out, _ = run_cli("activity", "list", "--deal", "1", "--all", "--json")
    assert json.loads(out)[0]["done"] is True


def test_activity_commands_say_what_they_lack(records: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("activity", "add", "call", "X", "--lang", "en")
    assert (code, err) == (
        1, "say what the activity is on: --deal ID, --lead ID or --contact ID\n"
    )  # fmt: skip
    code, _, err = run_cli(
        "activity", "add", "call", "X", "--lead", "1", "--due", "someday", "--lang", "en"
    )
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err
    code, _, err = run_cli("activity", "list", "--lang", "en")
    assert code == 1 and "--overdue" in err
    code, _, err = run_cli("activity", "done", "99", "--lang", "en")
    assert code == 1 and err.startswith("error: ") and len(err.splitlines()) == 1


# -- leads and deals ------------------------------------------------------------------------


def test_a_lead_is_converted_into_a_deal(records: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("lead", "convert", "1", "--amount", "3000", "--lang", "en")
    assert (code, out, err) == (0, "lead #1 converted: deal #2 Insert\n", "")
    code, out, _ = run_cli("lead", "show", "1", "--json")
    shown = json.loads(out)
    assert (shown["status"], shown["deal_id"], shown["blueprint"]) == ("converted", 2, None)
    code, out, _ = run_cli("deal", "show", "2", "--json")
    assert json.loads(out)["expected_revenue"] == "3000.00"


def test_a_free_stage_change_and_any_field_from_the_command_line(
    records: Path, run_cli: RunCli
) -> None:
    code, out, err = run_cli("deal", "move", "1", "--to", "devis", "--lang", "en")
    assert (code, out, err) == (0, "deal #1: Nouveau → Devis (version 2)\n", "")
    code, out, _ = run_cli("deal", "move", "1", "--to", "perdu", "--reason", "trop cher")
    assert code == 0
    code, out, _ = run_cli(
        "deal", "update", "1", "--set", "title=Poêle Rika 8", "--set", "amount=4200",
        "--set", "close_date=2030-01-31", "--lang", "en",
    )  # fmt: skip
    assert code == 0
    code, out, _ = run_cli("deal", "show", "1", "--json")
    deal = json.loads(out)
    assert (deal["stage"], deal["status"], deal["lost_reason"]) == ("perdu", "lost", "trop cher")
    assert (deal["title"], deal["expected_revenue"]) == ("Poêle Rika 8", "4200.00")
    assert deal["expected_close"] == "2030-01-31"
    code, _, err = run_cli("deal", "move", "1", "--lang", "en")  # neither
    assert code == 1 and "--to STAGE" in err
    code, out, _ = run_cli("deal", "transitions", "1", "--json")
    assert json.loads(out) == []


# -- quotes -----------------------------------------------------------------------------------


def test_a_saved_quote_is_edited_and_priced_again_as_new_versions(
    records: Path, run_cli: RunCli
) -> None:
    assert run_cli("quote", "new", "1", "--line", "PG-ECO8=1")[0] == 0
    code, out, _ = run_cli("quote", "edit", "1", "--line", "PG-ECO8=2", "--lang", "en")
    assert code == 0 and out.splitlines()[0] == "quote D-2026-0001: version 2 saved"
    code, out, _ = run_cli("quote", "edit", "1", "--notes", "Pose comprise", "--json")
    saved = json.loads(out)
    assert (saved["version"], saved["changed"], saved["notes"]) == (3, True, "Pose comprise")
    assert saved["lines"][0]["quantity"] == "2"
    code, out, _ = run_cli("quote", "reprice", "1", "--lang", "fr")
    assert out.splitlines()[0] == "devis D-2026-0001 : inchangé (version 3)"
    code, _, err = run_cli("quote", "edit", "1", "--line", "PG-ECO8=1", "--version", "1")
    assert code == 1 and "Traceback" not in err


# -- --json on every list and show ---------------------------------------------------------


def test_lists_and_shows_speak_json(records: Path, run_cli: RunCli) -> None:
    for argv in (("mail", "list", "--json"), ("workflows", "list", "--json"),
                 ("workflows", "runs", "--json")):  # fmt: skip
        code, out, _ = run_cli(*argv)
        assert (code, json.loads(out)) == (0, [])
    code, out, _ = run_cli("products", "search", "eco", "--json")
    assert json.loads(out) == [{
        "code": "PG-ECO8", "name": "Poêle Eco 8 kW", "unit_price": "2490.00", "currency": "EUR",
        "tax_rate": "5.5", "description": "", "active": True,
    }]  # fmt: skip
    code, out, _ = run_cli("deal", "show", "1", "--json")
    assert json.loads(out)["title"] == "Poêle Rika"


# -- errors: one line, no traceback ----------------------------------------------------------


def test_a_file_that_cannot_be_written_is_one_line_not_a_traceback(
    records: Path, run_cli: RunCli
) -> None:
    assert run_cli("quote", "new", "1", "--line", "PG-ECO8=1")[0] == 0
    not_a_folder = records / "file"
    not_a_folder.write_text("")
    code, out, err = run_cli("quote", "pdf", "1", "-o", str(not_a_folder / "x.pdf"), "--lang", "fr")
    assert (code, out) == (1, "")
    assert err.startswith("erreur : ") and len(err.splitlines()) == 1
    code, out, err = run_cli("backup", str(not_a_folder / "copy.db"))
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    inside = str(not_a_folder / "d")
    code, out, err = run_cli("config", "export", "--output", inside, "--lang", "en")
    assert code == 1 and err.startswith("error: ") and len(err.splitlines()) == 1


# -- config apply: every file, one transaction ------------------------------------------------


def test_config_apply_makes_the_database_match_every_file(folder: Path, run_cli: RunCli) -> None:
    shutil.copytree(ROOT / "config", folder / "config", dirs_exist_ok=True)
    code, out, err = run_cli("config", "apply", "--lang", "en")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "user admin@relais.example: created (admin)" in lines
    assert "blueprint default: Installation de poêle: version 1 in force" in lines
    assert "workflow Nouveau lead par e-mail: created" in lines
    assert "product PG-ECO8: created" in lines
    again = run_cli("config", "apply", "--lang", "en")[1].splitlines()
    assert again[0] == "nothing to change"  # and what is read from the files themselves:
    assert [line.split(":")[0] for line in again[1:]] == ["  (pricing.yaml", "  (routing.yaml"]
    code, out, _ = run_cli("workflows", "show", "Nouveau lead par e-mail", "--json")
    shown = json.loads(out)
    assert (shown["active"], shown["version"]) == (True, 1)
    assert shown["definition"]["trigger"]["entity"] == "lead"
    code, out, _ = run_cli("blueprint", "show", "default", "--lang", "en")
    assert "version 1, in force" in out


def test_config_apply_is_all_or_nothing(folder: Path, run_cli: RunCli) -> None:
    shutil.copytree(ROOT / "config", folder / "config", dirs_exist_ok=True)
    workflows = folder / "config" / "workflows.yaml"
    text = workflows.read_text(encoding="utf-8")
    first = "  - name: Nouveau lead par e-mail\n"
    unknown = first + "    owner: nobody@example.com\n"  # valid YAML, refused by the engine
    workflows.write_text(text.replace(first, unknown, 1), "utf-8")
    code, out, err = run_cli("config", "apply", "--lang", "en")
    assert (code, out) == (1, "")
    assert f"{folder / 'config' / 'workflows.yaml'}: workflows[0]." in err
    assert err.splitlines()[-1] == "nothing was changed"

    # (read on the engine: a command would first apply the folder to this new database)
    async def nothing_written(engine: Engine) -> None:
        assert await engine.workflows.all() == [] and await engine.products.search("") == []

    on_engine(folder, nothing_written)
