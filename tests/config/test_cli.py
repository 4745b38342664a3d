"""``run.py config check|apply|export``, in process and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from tests.config.helpers import ROOT, copy_shipped, read_data, run_cli, write, write_data


async def run(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    return await run_cli(tmp_path, "config", *argv)


async def test_check_counts_what_is_configured(tmp_path: Path) -> None:
    copy_shipped(tmp_path / "config")
    (tmp_path / "config" / "users.yaml").unlink()
    code, out, _ = await run(tmp_path, "check")
    assert code == 0
    assert out.splitlines()[0] == "configuration OK: 1 pipeline, 0 users, 1 project template"
    assert "users.yaml" in out.splitlines()[1]
    assert not (tmp_path / "relais.db").exists()  # check never touches the database


async def test_check_prints_every_problem(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path / "config")
    write(folder, "users.yaml", "users:\n  - {name: A, email: a@example.com, role: boss}\n")
    write(folder, "projects.yaml", "projects: [\n")
    code, out, err = await run(tmp_path, "check")
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert (
        lines[0]
        == f"{folder}/users.yaml: users[0].role: Input should be 'admin', 'manager' or 'rep'"
    )
    assert lines[1].startswith(f"{folder}/projects.yaml: line 2, column 1: invalid YAML")
    assert lines[2] == "configuration invalid: 2 problems"


async def test_apply_prints_changes_then_nothing_to_change(tmp_path: Path) -> None:
    copy_shipped(tmp_path / "config")
    assert await run(tmp_path, "apply") == (
        0,
        "user admin@relais.example: created (admin)\nproject poele: created with 15 questions\n",
        "",
    )
    assert await run(tmp_path, "apply") == (0, "nothing to change\n", "")


async def test_apply_refuses_to_delete_a_stage_holding_deals(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path / "config")
    engine = await Engine.open(tmp_path / "relais.db")
    await engine.deals.create(DealDraft("PAB Invicta", stage="estimation"), Actor.cli())
    await engine.close()
    data = read_data(folder, "pipelines.yaml")
    del data["pipelines"][0]["stages"][1]
    write_data(folder, "pipelines.yaml", data)
    code, out, err = await run(tmp_path, "apply")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "refused: stage “Estimation” still holds 1 deal, archived and inactive ones included; "
        "move it to another stage first",
        "nothing was changed",
    ]


async def test_export_to_stdout_and_to_a_folder(tmp_path: Path) -> None:
    copy_shipped(tmp_path / "config")
    await run(tmp_path, "apply")
    code, out, _ = await run(tmp_path, "export")
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("# file: ")] == [
        "# file: pipelines.yaml",
        "# file: users.yaml",
        "# file: projects.yaml",
    ]
    code, out, _ = await run(tmp_path, "export", "--output", str(tmp_path / "out"))
    assert code == 0
    assert out.splitlines() == [
        f"wrote {tmp_path}/out/{name}" for name in ("pipelines.yaml", "users.yaml", "projects.yaml")
    ]
    assert (tmp_path / "out" / "users.yaml").read_text(encoding="utf-8").count(
        "admin@relais.example"
    ) == 1


@pytest.mark.slow
def test_the_commands_as_a_subprocess(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path / "config")
    env = {
        **os.environ,
        "RELAIS_DATABASE": str(tmp_path / "var" / "relais.db"),
        "RELAIS_CONFIG_DIR": str(folder),
        "RELAIS_LOCALE": "en",
    }

    def relais(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "run.py", "config", *argv],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    checked = relais("check")
    assert (checked.returncode, checked.stdout) == (
        0,
        "configuration OK: 1 pipeline, 1 user, 1 project template\n",
    )
    assert relais("apply").stdout.splitlines()[0] == "user admin@relais.example: created (admin)"
    assert relais("apply").stdout == "nothing to change\n"
    assert relais("export").stdout.startswith("# file: pipelines.yaml\n")
    write(folder, "pipelines.yaml", "pipelines:\n  - key: x\n   name: y\n")
    broken = relais("check")
    assert broken.returncode == 1
    assert f"{folder}/pipelines.yaml: line 3" in broken.stderr
