"""Products keep their tax rates as people write them: ``20`` and ``5.5``, never ``2E+1``.

Through ``run.py products import`` and ``products search --json``, on a real SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.test_cli import run

CSV = (
    "code,name,unit_price,tax_rate\n"
    "T-POELE,Poêle,2400,20.00\nT-TUBE,Tubage,350,5.50\nT-ZERO,Don,1,0\n"
)
MINE = {"T-POELE": "20", "T-TUBE": "5.5", "T-ZERO": "0"}  # besides the shipped catalogue


def imported(tmp_path: Path) -> dict[str, str]:
    catalogue = tmp_path / "products.csv"
    catalogue.write_text(CSV, encoding="utf-8")
    done = run(tmp_path, "products", "import", str(catalogue))
    assert done.returncode == 0, done.stderr
    found = run(tmp_path, "products", "search", "--json")
    assert found.returncode == 0, found.stderr
    return {p["code"]: p["tax_rate"] for p in json.loads(found.stdout) if p["code"] in MINE}


def stored(tmp_path: Path) -> dict[str, str]:
    with sqlite3.connect(tmp_path / "cli.db") as db:
        rows = db.execute("SELECT code, tax_rate FROM products WHERE code LIKE 'T-%'")
        return dict(rows.fetchall())


def test_rates_are_stored_and_shown_in_plain_digits(tmp_path: Path) -> None:
    assert imported(tmp_path) == MINE
    assert stored(tmp_path) == MINE


def test_a_rate_stored_the_old_way_is_shown_plain_and_repaired_by_the_next_import(
    tmp_path: Path,
) -> None:
    imported(tmp_path)
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("UPDATE products SET tax_rate = '2E+1' WHERE code = 'T-POELE'")
    found = run(tmp_path, "products", "search", "T-POELE", "--json")
    assert [p["tax_rate"] for p in json.loads(found.stdout)] == ["20"]
    assert imported(tmp_path)["T-POELE"] == "20" and stored(tmp_path)["T-POELE"] == "20"
