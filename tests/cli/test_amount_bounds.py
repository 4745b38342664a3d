"""The command line reads amounts with the engine's bounds: a clear refusal, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.mark.slow
def test_a_huge_amount_is_refused_by_deal_update_and_imports(tmp_path: Path) -> None:
    assert run(tmp_path, "deal", "new", "Poêle").returncode == 0
    for huge in ("1e400", "12345678901234567890", "1e999999999999999999"):
        refused = run(tmp_path, "deal", "update", "1", "--set", f"expected_revenue={huge}")
        assert refused.returncode == 1, refused.stderr
        # the reader's language (RELAIS_LOCALE=fr), the field by its label
        assert "Montant prévu : un montant a au plus 12 chiffres" in refused.stderr
        assert "Traceback" not in refused.stderr + refused.stdout
    rows = tmp_path / "deals.csv"
    rows.write_text("title,budget\nGros,1" + "0" * 40 + "\nBon,900\n", encoding="utf-8")
    imported = run(tmp_path, "import", "deals", str(rows), "--lang", "en")
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert "line 2: budget: an amount has at most 12 digits" in imported.stdout + imported.stderr
    products = tmp_path / "products.csv"
    products.write_text("code,name,unit_price\nBIG,Big,1e400\nOK,Fine,10\n", encoding="utf-8")
    priced = run(tmp_path, "products", "import", str(products), "--lang", "en")
    assert priced.returncode != 0 and "Traceback" not in priced.stderr
    assert "row 2, unit_price: product BIG: an amount has at most 12 digits" in priced.stderr
    accepted = run(tmp_path, "deal", "update", "1", "--set", "expected_revenue=999999999999.99")
    assert accepted.returncode == 0, accepted.stderr
