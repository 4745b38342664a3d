"""``run.py workflows …``: apply the YAML, list, show, switch, read the run history."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from cli.main import main
from engine.actors import Actor
from engine.core import Engine
from engine.crm.leads import LeadDraft

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(ROOT / "config" / "workflows.yaml", config / "workflows.yaml")
    for name in list(os.environ):
        if name.startswith(("RELAIS_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(config))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("RELAIS_LOCALE", "en")  # the commands' output is read in English
    return config


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["workflows", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_apply_list_show_switch(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "apply", "--check")
    assert (code, out) == (0, "workflows OK: 4 workflows\n")
    code, out, _ = run(capsys, "apply")  # the first command applied the folder first
    assert code == 0 and out.count("unchanged") == 4
    assert "Relance du devis" in out
    code, out, _ = run(capsys, "list")
    assert "active   Relance du devis — deal stage_changed (stage) — no run yet" in out
    code, out, _ = run(capsys, "show", "relance du devis")
    assert out.splitlines()[:2] == [
        "Relance du devis (active, version 1)",
        "  Une affaire passée en Devis reçoit une relance trois jours plus tard.",
    ]
    assert "  1. if stage changed to devis" in out and "  2. activity call" in out
    assert run(capsys, "deactivate", "Relance du devis")[1] == "Relance du devis: inactive\n"
    assert (
        run(capsys, "deactivate", "Relance du devis")[1] == "Relance du devis: already inactive\n"
    )
    assert "inactive Relance du devis" in run(capsys, "list")[1]
    assert run(capsys, "activate", "Relance du devis")[1] == "Relance du devis: active\n"
    code, _, err = run(capsys, "show", "nope")
    assert (code, err) == (1, "error: workflow nope not found\n")


def test_an_invalid_file_changes_nothing_and_names_each_problem(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (folder / "workflows.yaml").read_text().replace("due_in: 3d", "due_in: 3 days")
    (folder / "workflows.yaml").write_text(text)
    code, out, err = run(capsys, "apply")
    assert code == 1 and out == ""
    assert f"{folder / 'workflows.yaml'}: workflows[1].steps[1].activity.due_in: not a" in err
    assert err.endswith("workflows invalid: 1 problem\n")
    assert run(capsys, "list")[1] == "no workflow (see run.py workflows apply)\n"


def test_runs_show_what_ran_and_why_not(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "apply")[0] == 0

    async def make_leads() -> None:
        engine = await Engine.open(tmp_path / "cli.db")
        try:
            await engine.leads.create(LeadDraft("Insert"), Actor("mail", "mail", label="mail"))
            await engine.leads.create(LeadDraft("Salon"), Actor.cli())
        finally:
            await engine.close()

    asyncio.run(make_leads())
    code, out, _ = run(capsys, "tick")
    assert code == 0 and "runs resumed: 0, date triggers fired: 0" in out
    code, out, _ = run(capsys, "runs")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        "Nouveau lead par e-mail: lead.created lead 2 → conditions not met"
        " — steps[0]: not met: actor.kind = mail"
    )
    assert lines[1].endswith("Nouveau lead par e-mail: lead.created lead 1 → succeeded")
    code, out, _ = run(capsys, "runs", "--failed")
    assert out == "no run\n"
    run_id = lines[1].split()[0].lstrip("#")
    code, out, _ = run(capsys, "run", run_id)
    assert "  steps[0] condition: passed" in out and "  steps[2] CreateActivity: done" in out
    assert "caused by mail (mail)" in out
