"""``config apply`` and the blueprint in force: a stage it names is neither deleted nor re-keyed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.apply import ApplyRefused, apply_config
from config.blueprint_schema import load_blueprint_file, parse_blueprint
from config.loader import load_config
from engine.actors import Actor
from engine.core import Engine
from engine.errors import NotFound
from tests.config.helpers import SHIPPED, copy_shipped, read_data, run_cli, stage, write_data

BLUEPRINT = SHIPPED / "blueprints" / "default.yaml"
STOVES = 'blueprint "Installation de poêle"'
WAY_OUT = (
    "change the blueprint first: disable it (run.py blueprint disable default),"
    " change the stages, then apply the new blueprint"
)
DEVIS = (
    f'stage "devis" is used by {STOVES} (transitions envoyer_devis, signer,'
    f" classer_sans_suite; its time limit); {WAY_OUT}"
)
ESTIMATION = (
    f'stage "estimation" is used by {STOVES} (transitions estimer, planifier_visite;'
    f" its time limit); {WAY_OUT}"
)
DEFAULT_KEYS = ["nouveau", "estimation", "visite_technique", "devis", "gagne", "perdu"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_shipped(tmp_path / "config")


@pytest.fixture
async def governed(engine: Engine, admin: Actor) -> Engine:
    await engine.blueprints.save(load_blueprint_file(BLUEPRINT), admin)
    return engine


async def apply(engine: Engine, folder: Path, actor: Actor) -> list[str]:
    return await apply_config(engine, load_config(folder), actor)


def edit_stages(folder: Path, index: int = 0, **keys: str | None) -> dict[str, Any]:
    """Re-key (``old="new"``) or drop (``old=None``) stages of ``pipelines[index]``."""
    data = read_data(folder, "pipelines.yaml")
    stages = []
    for row in data["pipelines"][index]["stages"]:
        if row["key"] in keys and keys[row["key"]] is None:
            continue
        stages.append({**row, "key": keys.get(row["key"]) or row["key"]})
    data["pipelines"][index]["stages"] = stages
    write_data(folder, "pipelines.yaml", data)
    return dict(data)


async def stage_keys(engine: Engine) -> list[str]:
    return [s.key for s in (await engine.pipelines.get()).stages]


async def test_dropping_a_stage_the_blueprint_names_changes_nothing(
    governed: Engine, admin: Actor, folder: Path
) -> None:
    data = edit_stages(folder, devis=None)
    data["pipelines"][0]["stages"][0]["name"] = "Premier contact"  # must not survive
    write_data(folder, "pipelines.yaml", data)
    with pytest.raises(ApplyRefused) as refused:
        await apply(governed, folder, admin)
    assert refused.value.problems == [("pipelines.yaml", "pipelines[0].stages", DEVIS)]
    assert await stage_keys(governed) == DEFAULT_KEYS
    assert (await governed.pipelines.get()).stages[0].name == "Nouveau"
    with pytest.raises(NotFound):
        await governed.users.get("admin@relais.example")


async def test_renaming_stage_keys_is_refused_naming_each_stage_and_its_pipeline(
    governed: Engine, admin: Actor, folder: Path
) -> None:
    data = read_data(folder, "pipelines.yaml")
    sav = {"key": "sav", "name": "SAV", "stages": [stage("ouvert")]}
    data["pipelines"].insert(0, sav)
    write_data(folder, "pipelines.yaml", data)
    edit_stages(folder, 1, estimation="estim", devis="devis2")
    with pytest.raises(ApplyRefused) as refused:
        await apply(governed, folder, admin)
    assert refused.value.problems == [
        ("pipelines.yaml", "pipelines[1].stages", ESTIMATION),
        ("pipelines.yaml", "pipelines[1].stages", DEVIS),
    ]
    assert await stage_keys(governed) == DEFAULT_KEYS
    with pytest.raises(NotFound):
        await governed.pipelines.get("sav")


async def test_a_stage_the_blueprint_does_not_name_is_deleted(
    governed: Engine, admin: Actor, folder: Path
) -> None:
    data = read_data(folder, "pipelines.yaml")
    data["pipelines"][0]["stages"].insert(4, stage("relance", 70))
    write_data(folder, "pipelines.yaml", data)
    assert "pipeline default: stage 'Relance' added at position 5" in await apply(
        governed, folder, admin
    )
    edit_stages(folder, relance=None)
    assert "pipeline default: stage 'Relance' deleted" in await apply(governed, folder, admin)


async def test_the_way_out_disable_apply_then_the_new_blueprint(
    governed: Engine, admin: Actor, folder: Path
) -> None:
    edit_stages(folder, estimation=None)
    assert await governed.blueprints.disable(None, admin)
    assert "pipeline default: stage 'Estimation' deleted" in await apply(governed, folder, admin)
    data = yaml.safe_load(BLUEPRINT.read_text(encoding="utf-8"))
    del data["states"]["estimation"]
    data["transitions"] = [t for t in data["transitions"] if t["key"] != "estimer"]
    for t in data["transitions"]:
        t["from"] = [s for s in t["from"] if s != "estimation"] if t["from"] != "*" else "*"
    saved = await governed.blueprints.save(parse_blueprint(data, "default.yaml"), admin)
    assert (saved.version, saved.created) == (2, True)


async def run(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    return await run_cli(tmp_path, *argv)


async def test_the_command_line_names_the_file_the_path_and_the_blueprint(
    tmp_path: Path, folder: Path
) -> None:
    (folder / "blueprints").mkdir()
    shutil.copy(BLUEPRINT, folder / "blueprints" / "default.yaml")
    assert (await run(tmp_path, "blueprint", "apply"))[0] == 0
    edit_stages(folder, devis="devis2")
    code, out, err = await run(tmp_path, "config", "apply")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{folder}/pipelines.yaml: pipelines[0].stages: {DEVIS}",
        "nothing was changed",
    ]
