"""The blueprint from the command line, as a user runs it: subprocesses, exit codes, output."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import ROOT, env_for


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        env=env_for(tmp_path, RELAIS_LOCALE="en"),
        capture_output=True,
        text=True,
        timeout=60,
    )


def ok(tmp_path: Path, *args: str) -> str:
    result = run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_deal_worked_through_the_blueprint_from_the_command_line(tmp_path: Path) -> None:
    assert "blueprints OK" in ok(tmp_path, "blueprint", "apply", "--check")  # reads only
    assert "version 1, in force" in ok(tmp_path, "blueprint", "show")  # the first command's
    assert "unchanged" in ok(tmp_path, "blueprint", "apply")
    assert "| Estimer (`estimer`) | Nouveau | Estimation |" in ok(tmp_path, "blueprint", "show")
    assert "nouveau --> estimation: Estimer" in ok(tmp_path, "blueprint", "show", "--mermaid")
    created = ok(tmp_path, "deal", "new", "Poêle Rika", "--contact", "jeanne@example.com")
    assert created.startswith("deal #1 created")
    listing = ok(tmp_path, "deal", "transitions", "1")
    assert "✓ planifier_visite" in listing and "✓ admin_override" in listing

    refused = run(tmp_path, "deal", "move", "1", "planifier_visite", "--set", "visit_date=soon",
                  "--set", "installation_type=fioul")  # fmt: skip
    assert refused.returncode == 1
    assert "visit_date: not a date" in refused.stderr
    assert "installation_type: choose one of: Poêle à bois" in refused.stderr
    assert "checklist: tick every item" in refused.stderr

    moved = ok(tmp_path, "deal", "move", "1", "planifier_visite", "--set", "visit_date=2026-03-12",
               "--set", "installation_type=Insert", "--tick", "all")  # fmt: skip
    assert "nouveau → visite_technique" in moved
    plain = run(tmp_path, "deal", "move", "1", "devis")
    assert plain.returncode == 1 and "transition devis not found" in plain.stderr
    assert "criterion not met: quote_count > 0" in ok(tmp_path, "deal", "transitions", "1")
    assert "#1 Poêle Rika — Visite Technique" in ok(tmp_path, "blueprint", "stuck")
    ok(tmp_path, "deal", "update", "1", "--set", "custom.quote_count=1")
    assert "no stuck deal" in ok(tmp_path, "blueprint", "stuck")
    ok(tmp_path, "config", "apply")  # creates admin@relais.example, who reads French
    listing = ok(tmp_path, "deal", "transitions", "1", "--as", "admin@relais.example")
    assert "✓ envoyer_devis" in listing and "✓ admin_override" in listing
    moved = ok(tmp_path, "deal", "move", "1", "envoyer_devis", "--as", "admin@relais.example")
    assert "visite_technique → devis" in moved
    refused = run(tmp_path, "deal", "move", "1", "signer", "--as", "admin@relais.example")
    assert refused.returncode == 1 and "signed_amount : obligatoire" in refused.stderr  # French
    shown = ok(tmp_path, "deal", "show", "1")
    assert "Planifier la visite technique: nouveau → visite_technique" in shown
    assert "email to jeanne@example.com: pending" in shown
    assert "escalations: 1," in ok(tmp_path, "blueprint", "timers", "--at", "2099-01-01T00:00")


def test_a_bad_blueprint_file_is_reported_line_by_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "blueprints").mkdir(parents=True)
    (config / "blueprints" / "bad.yaml").write_text(
        "pipeline: default\nname: X\ntransitions:\n"
        "  - {key: a, name: A, from: [nouveau], to: nowhere}\n"
    )
    result = subprocess.run(
        [sys.executable, "run.py", "blueprint", "apply"],
        cwd=ROOT,
        env=env_for(tmp_path, RELAIS_CONFIG_DIR=str(config), RELAIS_LOCALE="en"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        f"{config}/blueprints/bad.yaml: transitions[0].to: unknown stage 'nowhere'" in result.stderr
    )
