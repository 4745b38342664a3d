"""``run.py blueprint show leads`` and the deal-only subcommands, run in process."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from cli import admin_lang
from cli.context import Context
from cli.main import build_parser
from config.blueprint_schema import load_blueprint_file
from config.settings import load_settings
from engine.blueprints.view import mermaid, table
from tests.blueprint.conftest import DEFAULT, ROOT

EXAMPLE = ROOT / "config" / "blueprints" / "leads.yaml.example"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A configuration folder holding the shipped deal blueprint and the lead example."""
    blueprints = tmp_path / "config" / "blueprints"
    blueprints.mkdir(parents=True)
    shutil.copy(DEFAULT, blueprints / "default.yaml")
    shutil.copy(EXAMPLE, blueprints / "leads.yaml")
    return tmp_path / "config"


async def run(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    settings = load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "relais.db"),
            "RELAIS_CONFIG_DIR": str(tmp_path / "config"),
            "RELAIS_LOCALE": "en",
        },
        env_file=None,
    )
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(settings, out=out, err=err)
    args = build_parser().parse_args(["blueprint", *argv])
    admin_lang.settle(args, settings.locale)  # as run.py does once the settings are read
    try:
        code: int = await args.handler(args, ctx)
    finally:
        await ctx.close()
    return code, out.getvalue(), err.getvalue()


async def show(tmp_path: Path, *argv: str) -> str:
    code, out, err = await run(tmp_path, "show", *argv)
    assert code == 0, err
    return out


async def test_show_leads_reads_the_yaml_before_it_is_applied(tmp_path: Path, folder: Path) -> None:
    out = await show(tmp_path, "leads")
    assert out.startswith("Qualification des prospects — leads (from the YAML, not applied)\n")
    assert "| Qualifier (`qualifier`) | new, contacted | qualified |" in out
    assert "| Disqualifier (`disqualifier`) | any open status | disqualified |" in out
    assert "| Convertir en affaire (`convertir`) | qualified | converted |" in out


async def test_show_leads_in_force_as_a_table_and_a_diagram(tmp_path: Path, folder: Path) -> None:
    code, out, _ = await run(tmp_path, "apply")
    assert code == 0 and "leads: Qualification des prospects: version 1 in force" in out
    out = await show(tmp_path, "leads")
    assert out.startswith("Qualification des prospects — leads (version 1, in force)\n")
    assert "| Reprendre (`reprendre`) | disqualified | new | manager, admin |" in out
    diagram = await show(tmp_path, "leads", "--mermaid")
    assert diagram.splitlines()[:7] == [
        "stateDiagram-v2",
        '    state "new" as new',
        '    state "contacted" as contacted',
        '    state "qualified" as qualified',
        '    state "disqualified" as disqualified',
        '    state "converted" as converted',
        "    [*] --> new",
    ]
    assert '    state "any open status" as any_open' in diagram
    assert "    any_open --> disqualified: Disqualifier" in diagram
    assert "    contacted --> qualified: Qualifier" in diagram
    assert "    qualified --> converted: Convertir en affaire" in diagram


async def test_a_disabled_lead_blueprint_is_shown_from_the_yaml(
    tmp_path: Path, folder: Path
) -> None:
    await run(tmp_path, "apply")
    code, out, _ = await run(tmp_path, "disable", "leads")
    assert (code, out) == (0, "leads: blueprint disabled\n")
    assert "leads (from the YAML, not applied)" in await show(tmp_path, "leads")


async def test_show_leads_without_a_lead_blueprint(tmp_path: Path, folder: Path) -> None:
    (folder / "blueprints" / "leads.yaml").unlink()
    out = await show(tmp_path, "leads")
    assert out == "leads have no blueprint: their statuses change freely\n"


async def test_a_pipeline_is_still_shown_by_default(tmp_path: Path, folder: Path) -> None:
    out = await show(tmp_path)
    assert out.startswith("Installation de poêle — pipeline default (from the YAML, not applied)")
    assert "| Marquer perdu (`marquer_perdu`) | any open stage | Perdu |" in out
    assert '    state "any open stage" as any_open' in await show(tmp_path, "--mermaid")


async def test_stuck_and_migrate_say_they_are_for_deals(tmp_path: Path, folder: Path) -> None:
    await run(tmp_path, "apply")
    code, out, err = await run(tmp_path, "stuck", "leads")
    assert (code, out) == (1, "")
    assert err.startswith("error: blueprint stuck is for deals;")
    assert "run.py lead transitions ID" in err
    code, out, _ = await run(tmp_path, "migrate", "leads")
    assert code == 0
    assert out == "leads: nothing to migrate, leads always follow the version in force\n"


def test_the_view_names_lead_statuses_and_open_statuses() -> None:
    blueprint = load_blueprint_file(EXAMPLE)
    names = {status: status for status in ("new", "contacted", "qualified")}
    assert "| any open status | disqualified |" in table(blueprint, names)
    assert "any open stage" not in table(blueprint, names) + mermaid(blueprint, names, "new")
