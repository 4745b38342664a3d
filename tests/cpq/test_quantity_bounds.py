"""Quote quantities: documented bounds, one rounding rule, plain decimals in JSON.

A line of 10^9 units used to be saved; ``÷`` with format ``absolute`` gave
2.333333333333333333333333333 and broke the table; ``--json`` printed
``"tax_rate": "2E+1"``. Everything runs through ``run.py`` as a subprocess,
on a real SQLite file and a configuration folder written for the test.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = """
currency: EUR
tax_rate: 20
products:
  - {code: POELE, name: Poêle Eco 8 kW, unit_price: 2890.00, tax_rate: 5.5}
  - {code: SAC, name: Sac de granulés 15 kg, unit_price: 6.90}
  - {code: VIS, name: Vis inox, unit_price: 0.10}
"""
PRICING = """
configurator:
  - id: sacs-par-tiers
    base: [POELE]
    add: SAC
    quantity: {from_base: divide, number: 3, format: absolute}
  - id: vis-par-mille
    base: [POELE]
    add: VIS
    quantity: {from_base: multiply, number: 1000, format: absolute}
  - id: vis-par-sac
    base: [SAC]
    add: VIS
    quantity: {from_base: divide, number: 2}
"""


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "SLACK_"))}
    env.update(
        RELAIS_DATABASE=str(tmp_path / "cli.db"),
        RELAIS_CONFIG_DIR=str(tmp_path / "config"),
        RELAIS_SMTP_ENABLED="false",
        RELAIS_LOCALE="fr",
    )
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def setup(tmp_path: Path, pricing: str = PRICING) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "pricing.yaml").write_text(pricing, encoding="utf-8")
    (folder / "catalogue.yaml").write_text(CATALOGUE, encoding="utf-8")
    imported = run(tmp_path, "products", "import", str(folder / "catalogue.yaml"))
    assert imported.returncode == 0, imported.stderr


def priced(tmp_path: Path, *lines: str) -> dict[str, object]:
    args = [part for line in lines for part in ("--line", line)]
    done = run(tmp_path, "quote", "price", *args, "--date", "2026-03-15", "--json")
    assert done.returncode == 0, done.stderr
    assert "E+" not in done.stdout and "E-" not in done.stdout
    data: dict[str, object] = json.loads(done.stdout)
    return data


def quantities(data: dict[str, object]) -> dict[str, str]:
    lines = data["lines"]
    assert isinstance(lines, list)
    return {line["code"]: line["quantity"] for line in lines}


@pytest.mark.slow
def test_computed_quantities_round_half_up_to_3_decimals_and_stay_in_bounds(
    tmp_path: Path,
) -> None:
    setup(tmp_path)
    assert quantities(priced(tmp_path, "POELE=7")) == {"POELE": "7", "SAC": "2.333", "VIS": "7000"}
    assert quantities(priced(tmp_path, "POELE=4.001"))["SAC"] == "1.334"  # 1.33366…
    # A tie goes up (half-up, not half-even): 0.005 ÷ 2 = 0.0025 → 0.003.
    assert quantities(priced(tmp_path, "SAC=0.005")) == {"SAC": "0.005", "VIS": "0.003"}
    big = priced(tmp_path, "POELE=2000")  # 2000 × 1000 = 2,000,000: past the bound
    assert quantities(big) == {"POELE": "2000", "SAC": "666.667"}
    assert big["warnings"] == [
        "configurator rule vis-par-mille not applied: the quantity formula gives 2000000"
    ]
    table = run(tmp_path, "quote", "price", "--line", "POELE=7", "--date", "2026-03-15")
    rows = [row for row in table.stdout.splitlines() if row[:3].strip().isdigit()]
    assert [row.split()[1] for row in rows] == ["POELE", "SAC", "VIS"]
    assert "2,333" in rows[1] and len({len(row) for row in rows}) == 1  # the columns hold


@pytest.mark.slow
async def test_typed_quantities_out_of_bounds_are_refused_and_nothing_is_saved(
    tmp_path: Path,
) -> None:
    setup(tmp_path)
    engine = await Engine.open(tmp_path / "cli.db")
    deal = await engine.deals.create(DealDraft("Poêle Dupont"), Actor.cli())
    await engine.close()
    for typed, reason in (
        ("1000000000", "the quantity must be at most 1,000,000, not 1000000000"),
        ("1e400", "the quantity must be at most 1,000,000, not 1" + "0" * 400),
        ("0.0001", "the quantity has at most 3 decimals, not 0.0001"),
        ("0", "the quantity must be more than 0, not 0"),
    ):
        line = f"POELE={typed}"
        refused = run(tmp_path, "quote", "new", str(deal.id), "--line", line, "--lang", "en")
        assert refused.returncode == 1, refused.stdout
        assert f"--line POELE={typed}: {reason}" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert run(tmp_path, "quote", "show", "1").returncode == 1  # nothing was saved
    most = run(tmp_path, "quote", "price", "--manual", "Pose=1000000@1", "--json")
    assert most.returncode == 0 and json.loads(most.stdout)["lines"][0]["quantity"] == "1000000"


@pytest.mark.slow
async def test_json_decimals_are_plain_text_and_a_quote_pdf_is_private(tmp_path: Path) -> None:
    setup(tmp_path, pricing="")
    data = priced(tmp_path, "SAC=1e1", "POELE=1")
    lines = data["lines"]
    assert isinstance(lines, list)
    assert [(line["quantity"], line["tax_rate"]) for line in lines] == [("10", "20"), ("1", "5.5")]
    totals = data["totals"]
    assert isinstance(totals, dict)
    assert [tax["rate"] for tax in totals["by_rate"]] == ["5.5", "20"]
    engine = await Engine.open(tmp_path / "cli.db")
    deal = await engine.deals.create(DealDraft("Poêle Dupont"), Actor.cli())
    await engine.close()
    saved = run(tmp_path, "quote", "new", str(deal.id), "--line", "SAC=1e1", "--json")
    assert saved.returncode == 0, saved.stderr
    assert "E+" not in saved.stdout and json.loads(saved.stdout)["lines"][0]["quantity"] == "10"
    shown = run(tmp_path, "quote", "show", "1", "--json")
    assert "E+" not in shown.stdout and json.loads(shown.stdout)["lines"][0]["tax_rate"] == "20"
    pdf = tmp_path / "devis" / "devis.pdf"
    assert run(tmp_path, "quote", "pdf", "1", "-o", str(pdf)).returncode == 0
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert stat.S_IMODE(pdf.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        ("1000001", "the number 1,000,001 is outside the quantity bounds"),
        ("0.0005", "the number 0.0005 is outside the quantity bounds"),
        ("{from_base: divide, number: 0.0001}", "the number 0.0001 is outside the quantity"),
    ],
)
def test_a_rule_number_outside_the_bounds_is_refused_by_config_check(
    tmp_path: Path, quantity: str, reason: str
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "pricing.yaml").write_text(
        f"configurator:\n  - {{id: r, base: [POELE], add: SAC, quantity: {quantity}}}\n",
        encoding="utf-8",
    )
    checked = run(tmp_path, "config", "check", "--lang", "en")
    assert checked.returncode == 1
    assert checked.stderr.startswith("pricing.yaml: configurator[0]")
    assert reason in checked.stderr
