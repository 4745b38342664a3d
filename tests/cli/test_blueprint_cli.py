"""A governed pipeline from the command line (issue #15): ``blueprint show`` and ``blueprint
stuck`` speak JSON, and ``deal move ID --to STAGE`` on a governed deal names the transitions
open from where the deal is, in the reader's language.

Each command runs through ``run.py``'s ``main`` on a real database, with the shipped deal
blueprint (config/blueprints/default.yaml) in the configuration folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.deal_cmd import governed
from engine.blueprints.refusals import StageGoverned
from tests.cli.conftest import RunCli, isolate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch)
    (tmp_path / "config" / "blueprints").mkdir(parents=True)
    shutil.copy(ROOT / "config/blueprints/default.yaml", tmp_path / "config/blueprints")
    return tmp_path


def test_blueprint_show_json_from_the_yaml_then_in_force(folder: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("blueprint", "show", "leads", "--json")
    assert (code, json.loads(out)) == (
        0, {"governs": "leads", "version": None, "in_force": False, "blueprint": None},
    )  # fmt: skip
    shutil.copy(ROOT / "config/blueprints/leads.yaml.example", folder / "config/blueprints/l.yaml")
    shown = json.loads(run_cli("blueprint", "show", "leads", "--json")[1])
    assert (shown["in_force"], shown["version"]) == (False, None)  # read from the YAML
    assert shown["blueprint"]["name"] == "Qualification des prospects"
    assert run_cli("blueprint", "apply")[0] == 0
    shown = json.loads(run_cli("blueprint", "show", "leads", "--json")[1])
    assert (shown["governs"], shown["in_force"], shown["version"]) == ("leads", True, 1)
    shown = json.loads(run_cli("blueprint", "show", "default", "--json")[1])
    assert (shown["governs"], shown["in_force"], shown["version"]) == ("default", True, 1)
    keys = [t["key"] for t in shown["blueprint"]["transitions"]]
    assert keys[:3] == ["estimer", "planifier_visite", "envoyer_devis"]


def test_blueprint_stuck_json_names_the_blockers_in_the_readers_language(
    folder: Path, run_cli: RunCli
) -> None:
    assert run_cli("blueprint", "apply")[0] == 0
    assert run_cli("blueprint", "stuck", "--json") == (0, "[]\n", "")
    assert run_cli("deal", "new", "Poêle Rika")[0] == 0
    code, _, err = run_cli(
        "deal", "move", "1", "planifier_visite", "--set", "visit_date=2026-03-12",
        "--set", "installation_type=Insert", "--tick", "all",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run_cli("blueprint", "stuck", "--json", "--lang", "fr")
    (stuck,) = json.loads(out)
    shown = (stuck["deal_id"], stuck["title"], stuck["stage"])
    assert shown == (1, "Poêle Rika", "Visite Technique")
    reasons = [r for b in stuck["blockers"] for r in b["reasons"]]
    assert reasons and all("criterion not met" not in r for r in reasons), reasons
    code, out, _ = run_cli("blueprint", "stuck", "--lang", "fr")
    assert code == 0 and out.startswith("n° 1 Poêle Rika — Visite Technique depuis le ")
    code, out, _ = run_cli("blueprint", "stuck", "--lang", "en")
    assert out.startswith("#1 Poêle Rika — Visite Technique since ")
    code, _, err = run_cli("blueprint", "stuck", "leads", "--lang", "fr")
    assert code == 1 and err.startswith("erreur : blueprint stuck concerne les affaires")


def test_a_free_move_of_a_governed_deal_names_the_transitions_open_from_its_stage(
    folder: Path, run_cli: RunCli
) -> None:
    assert run_cli("blueprint", "apply")[0] == 0
    assert run_cli("deal", "new", "Poêle Rika")[0] == 0
    code, out, err = run_cli("deal", "move", "1", "--to", "devis", "--lang", "fr")
    assert (code, out) == (1, "")
    assert err.startswith(
        "erreur : l'affaire n° 1 suit le processus « Installation de poêle » : son étape ne "
        "change que par une transition, pas par --to « Devis ». Depuis « Nouveau » : "
    )
    assert "estimer (Estimer → Estimation)" in err and "{" not in err
    code, _, err = run_cli("deal", "move", "1", "--to", "devis", "--lang", "en")
    assert code == 1 and "From “Nouveau”: estimer (Estimer → Estimation)" in err
    assert err.startswith("error: deal #1 follows the blueprint “Installation de poêle”")
    code, out, _ = run_cli("deal", "show", "1", "--json")
    assert json.loads(out)["stage"] == "nouveau"  # nothing moved


def test_a_governed_deal_with_no_open_transition_says_so() -> None:
    refused = StageGoverned(7, "Installation de poêle", "Devis", [])
    said = governed(refused, "Gagné", [], "fr")
    assert said.endswith("Depuis « Gagné » : aucune transition ouverte pour l'instant "
                         "(run.py deal move ID TRANSITION)")  # fmt: skip
    assert "no transition is open now" in governed(refused, "Won", [], "en")
