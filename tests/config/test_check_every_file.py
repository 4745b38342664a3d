"""``run.py config check`` validates every file the service reads, not only three of them.

It once said "configuration OK" for an invalid ``pricing.yaml``; the problem
only showed in ``quote`` commands. Run in process on a copy of the shipped
folder, then as a real subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.config.helpers import ROOT, SHIPPED, run_cli, write


def shipped(tmp_path: Path) -> Path:
    """A private copy of the whole shipped configuration folder, to edit."""
    folder = tmp_path / "config"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    write(folder, name, text.replace(old, new, 1))


async def test_the_shipped_folder_is_ok_and_each_file_is_counted(tmp_path: Path) -> None:
    shipped(tmp_path)
    code, out, err = await run_cli(tmp_path, "config", "check")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "configuration OK: 1 pipeline, 1 user, 1 project template",
        "  pricing.yaml: 8 configurator rules, 5 price rules",
        "  catalogue.yaml: 17 products",
        "  routing.yaml: 2 capture addresses",
        "  workflows.yaml: 4 workflows",
        "  blueprints: 1 file",
    ]
    assert not (tmp_path / "relais.db").exists()  # still never touches the database


async def test_an_invalid_pricing_file_fails_the_check_as_it_fails_quotes(tmp_path: Path) -> None:
    folder = shipped(tmp_path)
    edit(folder, "pricing.yaml", "validity_days: 30", "validity_days: trente")
    code, out, err = await run_cli(tmp_path, "config", "check")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "pricing.yaml: quotes.validity_days: Input should be a valid integer",
        "configuration invalid: 1 problem",
    ]
    quoting = await run_cli(tmp_path, "quote", "price", "--line", "PG-ECO8=1")
    assert quoting[0] == 1 and err.splitlines()[0] in quoting[2]


async def test_every_file_is_checked_and_every_problem_listed_at_once(tmp_path: Path) -> None:
    folder = shipped(tmp_path)
    edit(folder, "catalogue.yaml", "unit_price: 2890.00", "unit_price: -5")
    edit(folder, "routing.yaml", "creates: lead", "creates: opportunity")
    edit(folder, "workflows.yaml", "due_in: 1h", "due_in: bientôt")
    edit(folder, "blueprints/default.yaml", "time_limit: 2d", "time_limit: 2d\n    colour: red")
    edit(folder, "pricing.yaml", "  number_prefix: D\n", "  number_prefix: D\n  number_prefix: F\n")
    code, out, err = await run_cli(tmp_path, "config", "check")
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[-1] == "configuration invalid: 5 problems"
    assert (
        lines[0].startswith("pricing.yaml: line ") and "duplicate key 'number_prefix'" in lines[0]
    )
    assert lines[1].startswith("catalogue.yaml: products[0].unit_price: Input should be greater")
    assert lines[2].startswith(f"{folder}/routing.yaml: addresses[0].creates: ")
    assert lines[3].startswith(f"{folder}/workflows.yaml: workflows[0].steps[")
    assert lines[4] == f"{folder}/blueprints/default.yaml: states.nouveau.colour: unknown key"


async def test_a_blueprint_is_checked_against_the_stages_of_pipelines_yaml(
    tmp_path: Path,
) -> None:
    folder = shipped(tmp_path)
    edit(folder, "blueprints/default.yaml", "  estimation:\n", "  estimaton:\n")
    code, _, err = await run_cli(tmp_path, "config", "check")
    assert code == 1
    assert f"{folder}/blueprints/default.yaml: states.estimaton: " in err


def test_config_check_as_a_subprocess_names_the_broken_pricing_file(tmp_path: Path) -> None:
    folder = shipped(tmp_path)
    write(folder, "pricing.yaml", "configurator:\n  - {id: c, base: [A], add: B, quantity: 0}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "SLACK_"))}
    env.update(RELAIS_CONFIG_DIR=str(folder), RELAIS_DATABASE=str(tmp_path / "x.db"))
    env.update(RELAIS_LOCALE="en")  # the English wording this test reads
    done = subprocess.run(
        [sys.executable, "run.py", "config", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("pricing.yaml: configurator[0].quantity")
    assert "Traceback" not in done.stderr
