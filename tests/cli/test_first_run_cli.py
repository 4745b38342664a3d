"""The first command on a new database puts the shipped configuration in force, as serve.

Before this, only ``run.py serve`` applied the configuration folder to an empty database:
a ``deal new`` typed first made the database "in use", and the shipped pipelines, users,
blueprint, workflows and catalogue never came. Now any command that opens a database no
start has set up applies the folder first — the same function as ``serve``, one
transaction, logged, exactly once, even when two commands race on the new database.
Through ``run.py`` (in-process and as processes), then the real service; SQLite and
PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import load_settings
from engine.actors import Actor
from engine.core import Engine
from engine.crm.listings import DealFilters
from service.app import Service
from tests.cli.conftest import RunCli
from tests.conftest import database_for

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_WORKFLOWS = {
    "Nouveau lead par e-mail",
    "Relance du devis",
    "Affaire gagnée",
    "Parrainage réussi",
}


@pytest.fixture
def new_database(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """RELAIS_* for a command on a database no start has touched, with the shipped config."""
    target = database_for(tmp_path)
    monkeypatch.setenv("RELAIS_DATABASE", target)
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("RELAIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RELAIS_SMTP_ENABLED", "false")
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "INFO")  # the first start's lines, on stderr
    return target


async def opened(target: str) -> Engine:
    return await Engine.open(target)


def first_runs(err: str) -> list[str]:
    """The first start's summary lines in a command's standard error."""
    return [line for line in err.splitlines() if "event=first_run " in line]


async def first_run_marks(target: str) -> int:
    engine = await Engine.open(target)
    try:
        return len([e for e in await engine.timeline.of("setup", 0) if e.action == "first_run"])
    finally:
        await engine.close()


def test_deal_new_before_the_first_start_gets_the_shipped_configuration(
    new_database: str, run_cli: RunCli
) -> None:
    code, out, err = run_cli("deal", "new", "Poêle Rika", "--contact", "jean@dupont.fr")
    assert code == 0, err
    (said,) = first_runs(err)
    assert "applied=true" in said and "products=" in said
    # the deal follows the shipped blueprint, and the shipped workflows are in force
    assert asyncio.run(workflow_names(new_database)) == SHIPPED_WORKFLOWS
    code, out, err = run_cli("products", "search", "PG-ECO8")
    assert code == 0 and "PG-ECO8" in out, out + err
    code, out, err = run_cli("deal", "show", "1", "--lang", "en")
    assert code == 0, err
    assert "Installation de poêle" in out, out
    # later commands only read the marker
    code, _, err = run_cli("deal", "list")
    assert code == 0, err
    assert not first_runs(err)


def test_later_commands_and_starts_never_overwrite_live_changes(
    new_database: str, run_cli: RunCli
) -> None:
    code, _, err = run_cli("deal", "list")
    assert code == 0, err
    asyncio.run(delete_workflow(new_database, "Relance du devis"))
    code, _, err = run_cli("deal", "new", "Tubage", "--contact", "lea@example.com")
    assert code == 0, err
    assert asyncio.run(workflow_names(new_database)) == SHIPPED_WORKFLOWS - {"Relance du devis"}
    # the real service, started after, finds the first start done
    names = asyncio.run(workflows_after_a_start())
    assert names == SHIPPED_WORKFLOWS - {"Relance du devis"}
    assert asyncio.run(first_run_marks(new_database)) == 1


async def workflow_names(target: str) -> set[str]:
    engine = await opened(target)
    try:
        return {w.name for w in await engine.workflows.all()}
    finally:
        await engine.close()


async def delete_workflow(target: str, name: str) -> None:
    engine = await opened(target)
    try:
        await engine.workflows.delete(name, Actor.cli("test"))
    finally:
        await engine.close()


async def workflows_after_a_start() -> set[str]:
    service = Service(load_settings(env_file=None), defaults=True)  # as `run.py serve`
    await service.start()
    try:
        assert service.engine is not None
        return {w.name for w in await service.engine.workflows.all()}
    finally:
        await service.stop()


def at_once(*commands: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """Run the ``run.py`` commands as processes started together: (code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    started = [
        subprocess.Popen(
            [sys.executable, "run.py", *words],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for words in commands
    ]
    said = [process.communicate(timeout=120) for process in started]
    return [(p.returncode, out, err) for p, (out, err) in zip(started, said, strict=True)]


def test_two_commands_at_once_for_one_new_company_make_one_organisation(
    new_database: str,
) -> None:
    """On PostgreSQL the second insert of the company's domain loses a race: its write
    runs again and finds the first's organisation, instead of failing the command."""
    results = at_once(
        ("deal", "new", "Poêle A", "--contact", "a@chauffage-c.example"),
        ("deal", "new", "Poêle B", "--contact", "b@chauffage-c.example"),
    )
    assert [code for code, _, _ in results] == [0, 0], results
    (organisation,) = asyncio.run(organisations_of(new_database))
    assert organisation is not None


async def organisations_of(target: str) -> set[int | None]:
    """The organisations of the deals, by id."""
    engine = await opened(target)
    try:
        return {d.deal.organisation_id for d in (await engine.deals.listing(DealFilters())).deals}
    finally:
        await engine.close()


def test_two_commands_at_once_on_a_new_database_apply_it_once(new_database: str) -> None:
    results = at_once(
        # two companies: what races here is the first start, not one organisation's creation
        ("deal", "new", "Poêle A", "--contact", "a@chauffage-a.example"),
        ("deal", "new", "Poêle B", "--contact", "b@chauffage-b.example"),
        ("deal", "list"),
    )
    assert [code for code, _, _ in results] == [0, 0, 0], results
    logs = "".join(err for _, _, err in results)
    assert logs.count("event=first_run applied=true") == 1, logs
    asyncio.run(check_applied_once(new_database))


async def check_applied_once(target: str) -> None:
    assert await first_run_marks(target) == 1
    engine = await opened(target)
    try:
        assert {w.name for w in await engine.workflows.all()} == SHIPPED_WORKFLOWS
        titles = {d.deal.title for d in (await engine.deals.listing(DealFilters())).deals}
        assert titles == {"Poêle A", "Poêle B"}
    finally:
        await engine.close()


def test_the_commands_that_manage_the_database_leave_it_as_they_find_it(
    new_database: str, run_cli: RunCli
) -> None:
    code, _, err = run_cli("migrate")
    assert code == 0, err
    assert asyncio.run(nothing_applied(new_database))


def test_without_a_configuration_folder_a_command_applies_nothing(
    new_database: str, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(tmp_path / "no-such-folder"))
    code, _, err = run_cli("deal", "new", "Tubage", "--contact", "lea@example.com")
    assert code == 0, err
    assert asyncio.run(nothing_applied(new_database))  # a later start with a folder still can


async def nothing_applied(target: str) -> bool:
    engine = await opened(target)
    try:
        return not await engine.first_run_done() and await engine.workflows.all() == []
    finally:
        await engine.close()


def test_the_warning_of_an_invalid_folder_speaks_the_commands_language(
    new_database: str, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    (folder / "users.yaml").write_text("users:\n  - role: nobody\n", encoding="utf-8")
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(folder))
    monkeypatch.setenv("RELAIS_LOCALE", "fr")
    code, _, err = run_cli("deal", "list")
    assert code == 0 and "attention : le dossier de configuration" in err, err
    code, _, err = run_cli("deal", "list", "--lang", "en")
    assert code == 0 and "warning: the configuration folder" in err, err
    assert "attention" not in err
