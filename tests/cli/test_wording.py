"""``run.py`` in French says everything in French: messages, labels, errors and plurals."""

from __future__ import annotations

import re
from pathlib import Path

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.cli.conftest import RunCli, on_engine
from tests.workflows.conftest import SETUP, flows

ENGLISH = re.compile(r"\b(error|invalid|input|created|deal|expected|revenue|runs?)\b")


def test_a_new_deal_and_its_card_in_french(folder: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("deal", "new", "Poêle", "--lang", "fr")
    assert code == 0 and out.startswith("affaire n° 1 créée : Poêle (")
    code, out, _ = run_cli("deal", "show", "1", "--lang", "fr")
    assert code == 0 and out.startswith("affaire n° 1 : Poêle")
    for label in ("pipeline / étape", "statut", "montant prévu", "probabilité", "processus"):
        assert f"  {label} " in out
    assert "ouverte" in out
    assert not ENGLISH.search(out), out
    code, out, _ = run_cli("deal", "show", "1", "--lang", "en")
    assert "expected revenue" in out and "deal #1: Poêle" in out


def test_a_refusal_is_french_from_its_first_line_with_field_labels(
    folder: Path, run_cli: RunCli
) -> None:
    assert run_cli("deal", "new", "Poêle")[0] == 0
    code, _, err = run_cli("deal", "update", "1", "--set", "probability=150", "--lang", "fr")
    assert code == 1
    assert err == "erreur : valeurs refusées\n  Probabilité : la probabilité est entre 0 et 100\n"
    code, _, err = run_cli("deal", "update", "1", "--set", "probability=150", "--lang", "en")
    assert err == "error: invalid input\n  Probability: probability is between 0 and 100\n"


def test_a_quantity_refused_by_quote_price_reads_in_french(folder: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("quote", "price", "--line", "PG-ECO8=0", "--lang", "fr")
    assert code == 1
    assert err.startswith("erreur : valeurs refusées\n")
    assert "la quantité doit être supérieure à 0, pas 0" in err
    assert not ENGLISH.search(err), err


def test_deal_counts_say_1_affaire_and_2_affaires(folder: Path, run_cli: RunCli) -> None:
    assert run_cli("deal", "new", "Poêle")[0] == 0
    out = run_cli("deal", "list", "--lang", "fr")[1]
    assert "1 affaire" in out and "1 affaires" not in out
    assert run_cli("deal", "new", "Insert")[0] == 0
    assert "2 affaires" in run_cli("deal", "list", "--lang", "fr")[1]
    assert "2 affaires, 1 affichée" in run_cli("deal", "list", "--lang", "fr", "--limit", "1")[1]
    assert "1 deal" in run_cli("deal", "list", "--lang", "en", "--search", "Poêle")[1]


NOT_MET = """
workflows:
  - name: Gros devis
    trigger: {entity: deal, event: created}
    steps:
      - if: {field: expected_revenue, op: ge, value: 10000}
      - notify: {text: "{deal.title}"}
"""


async def one_run(engine: Engine) -> None:
    await engine.workflows.apply(flows(NOT_MET), Actor.cli("test"))
    runner = engine.workflows.runner(SETUP)
    await engine.deals.create(DealDraft("Poêle", expected_revenue="500"), Actor.cli("test"))
    await runner.catch_up()


def test_workflows_list_says_1_run(folder: Path, run_cli: RunCli) -> None:
    on_engine(folder, one_run)
    code, out, _ = run_cli("workflows", "list", "--lang", "en")
    assert code == 0 and "— 1 run: 0 ok, 0 failed, 1 not met" in out
    assert "1 runs" not in out
