"""run.py export / import / restore as a user runs them: subprocesses, files, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import command_env

ROOT = Path(__file__).resolve().parents[2]

CONTACTS_FR = """\
Nom;Courriel;Téléphone;Société
Jean Dupont;jean.dupont@dupont-sa.fr;06 12 34 56 78;Dupont SA
Marie Curie;marie@@bad;;
Jean D.;JEAN.DUPONT@dupont-sa.fr;;
Paul Martin;paul@gmail.com;pas de numéro;
"""

DEALS = """\
titre,contact_email,contact_name,organisation,revenu,priority,stage,expected_close
Poêle Rika,jean.dupont@dupont-sa.fr,,,"8 000,50",2,Devis,15/12/2026
Tubage,lea@gmail.com,Léa Petit,,1200,,,
"""


def run(
    tmp_path: Path, *args: str, database: str = "cli.db", stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        env=command_env(tmp_path, database, RELAIS_LOCALE="en"),  # the reports read in English
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_reports_each_rejected_row_and_exits_1(tmp_path: Path) -> None:
    result = run(tmp_path, "import", "contacts", write(tmp_path, "c.csv", CONTACTS_FR))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "contacts: imported 2 of 4 rows (1 existing contact reused), 2 rejected"
    assert lines[1].startswith("line 3: email: ")
    assert lines[2] == "line 5: phone: not a phone number: 'pas de numéro'"


def test_import_of_clean_rows_exits_0_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    deals = write(tmp_path, "d.csv", DEALS)
    dry = run(tmp_path, "import", "deals", deals, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run, nothing written: deals: would import 2 of 2 rows")
    assert json.loads(run(tmp_path, "export").stdout)["deals"] == []
    real = run(tmp_path, "import", "deals", deals)
    assert (real.returncode, real.stdout) == (0, "deals: imported 2 of 2 rows, 0 rejected\n")


def test_import_then_export_then_restore_gives_the_same_json(tmp_path: Path) -> None:
    run(tmp_path, "import", "contacts", write(tmp_path, "c.csv", CONTACTS_FR))
    assert run(tmp_path, "import", "deals", write(tmp_path, "d.csv", DEALS)).returncode == 0
    exported = run(tmp_path, "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    backup = json.loads(exported.stdout)
    assert list(backup) == ["contacts", "organisations", "leads", "deals", "activities"]
    rika = backup["deals"][0]
    assert (rika["expected_revenue"], rika["currency"], rika["stage"]) == (
        "8000.50",
        "EUR",
        "devis",
    )
    assert rika["expected_close"] == "2026-12-15"
    assert [c["name"] for c in backup["contacts"]] == ["Jean Dupont", "Léa Petit"]

    backup_file = write(tmp_path, "backup.json", exported.stdout)
    restored = run(tmp_path, "restore", backup_file, database="fresh.db")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("restored 2 contacts, 1 organisations, 0 leads, 2 deals")
    again = run(tmp_path, "export", database="fresh.db")
    assert json.loads(again.stdout) == backup

    refused = run(tmp_path, "restore", backup_file, database="fresh.db")
    assert refused.returncode == 1 and "already holds" in refused.stderr


def test_export_csv_to_stdout_a_file_or_a_folder(tmp_path: Path) -> None:
    run(tmp_path, "import", "deals", write(tmp_path, "d.csv", DEALS))
    one = run(tmp_path, "export", "--format", "csv", "--entity", "deals")
    rows = list(csv.DictReader(io.StringIO(one.stdout)))
    assert [r["title"] for r in rows] == ["Poêle Rika", "Tubage"]
    assert rows[0]["expected_revenue"] == "8000.50" and rows[0]["answers"] == "{}"
    folder = tmp_path / "export"
    every = run(tmp_path, "export", "--format", "csv", "--output", str(folder))
    assert every.returncode == 0 and "2 deals" in every.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "activities.csv", "contacts.csv", "deals.csv", "leads.csv", "organisations.csv",
    ]  # fmt: skip
    json_file = tmp_path / "all.json"
    assert run(tmp_path, "export", "--output", str(json_file)).returncode == 0
    assert len(json.loads(json_file.read_text(encoding="utf-8"))["deals"]) == 2
    ambiguous = run(tmp_path, "export", "--format", "csv")
    assert ambiguous.returncode == 2 and "--entity" in ambiguous.stderr


def test_a_bad_file_or_header_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    missing = run(tmp_path, "import", "deals", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    header = run(tmp_path, "import", "deals", "-", stdin="contact_email\na@b.fr\n")
    assert header.returncode == 1 and "no title column" in header.stderr.lower()
    assert "Traceback" not in missing.stderr + header.stderr


def test_two_thousand_rows_import_in_one_go(tmp_path: Path) -> None:
    lines = ["titre;courriel;nom du contact;revenu;étape"]
    lines += [
        f"Chantier {i};client{i % 1500}@example.com;Client {i};{1000 + i},{i % 100:02d};devis"
        for i in range(2000)
    ]
    result = run(tmp_path, "import", "deals", write(tmp_path, "big.csv", "\n".join(lines)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("deals: imported 2000 of 2000 rows")
    backup = json.loads(run(tmp_path, "export").stdout)
    assert len(backup["deals"]) == 2000 and len(backup["contacts"]) == 1500
    assert backup["deals"][1999]["expected_revenue"] == "2999.99"
