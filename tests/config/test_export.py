"""Exporting the live configuration: load → apply → export → load gives it back."""

from __future__ import annotations

from pathlib import Path

import yaml

from config.apply import apply_config
from config.export import export_config
from config.loader import load_config
from engine.actors import Actor
from engine.core import Engine
from engine.crm.users import UserDraft
from tests.config.helpers import copy_shipped, read_data, write, write_data


async def test_load_apply_export_load_round_trips(
    engine: Engine, admin: Actor, tmp_path: Path
) -> None:
    source = copy_shipped(tmp_path / "source")
    data = read_data(source, "users.yaml")
    data["users"].append(
        {"name": "Élodie Rép", "email": "elodie@example.com", "slack_id": "U0ELO",
         "locale": "en", "timezone": "America/Montreal", "manager": "admin@relais.example"}
    )  # fmt: skip
    write_data(source, "users.yaml", data)
    data = read_data(source, "pipelines.yaml")
    data["pipelines"][0]["stages"][2]["description"] = "Sur place :\n- mesurer\n- photographier"
    write_data(source, "pipelines.yaml", data)
    config = load_config(source)
    await apply_config(engine, config, admin)

    exported = tmp_path / "exported"
    exported.mkdir()
    for name, text in (await export_config(engine)).items():
        write(exported, name, text)

    assert load_config(exported) == config
    assert await apply_config(engine, load_config(exported), admin) == []


async def test_an_export_of_a_fresh_database_is_valid(engine: Engine, tmp_path: Path) -> None:
    files = await export_config(engine)
    assert sorted(files) == ["pipelines.yaml", "projects.yaml", "users.yaml"]
    for name, text in files.items():
        assert text.startswith("# Exported from the Relais database")
        write(tmp_path, name, text)
    config = load_config(tmp_path)
    assert config.pipelines is not None and config.pipelines[0].key == "default"
    assert (config.users, config.projects) == ((), ())


async def test_users_without_an_email_are_counted_not_listed(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.users.upsert(UserDraft("Slack Only", slack_id="U_ONLY"), admin)
    text = (await export_config(engine))["users.yaml"]
    assert "# 1 user without an e-mail address is not listed." in text
    assert [u["email"] for u in yaml.safe_load(text)["users"]] == ["alice@example.com"]
