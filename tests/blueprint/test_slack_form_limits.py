"""A blueprint whose forms Slack could not show is refused at check time, with the reason.

A Slack modal holds 100 blocks, shows 75 characters of a choice, and a
percentage input takes whole numbers: ``blueprint apply --check`` (and saving)
refuses a transition past those limits; long checklists and long or many
choices are fine (the bot splits and searches them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.blueprint_schema import default_stages, parse_blueprint, problems_against
from engine.actors import Actor
from engine.core import Engine
from engine.errors import ValidationFailed
from tests.blueprint.conftest import DEFAULT, ROOT
from tests.cli.test_cli import env_for


def with_first(during: dict[str, Any]) -> dict[str, Any]:
    """The shipped blueprint's YAML, its first transition asking ``during``."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text("utf-8"))
    data["transitions"][0]["during"] = during
    return data


def problems(during: dict[str, Any]) -> list[str]:
    blueprint = parse_blueprint(with_first(during), "bp.yaml")
    return problems_against(blueprint, default_stages(), "bp.yaml")


def text_fields(count: int) -> list[dict[str, Any]]:
    return [{"key": f"q{n}", "label": f"Q{n}", "type": "text"} for n in range(count)]


def test_a_form_of_more_blocks_than_a_modal_holds_is_refused_with_the_count() -> None:
    (line,) = problems({"fields": text_fields(98), "note": "required", "checklist": ["a"]})
    assert line.startswith("bp.yaml: transitions[0].during: the form needs 101 blocks")
    assert "a Slack form holds at most 100" in line


def test_a_form_that_just_fits_is_accepted() -> None:
    during = {"fields": text_fields(77), "note": "required", "message": "Lire.",
              "checklist": [f"Point {n}" for n in range(200)]}  # fmt: skip
    assert problems(during) == []  # heading, message, 77, 20 groups of ten, note: 100


def test_long_and_many_choices_are_accepted_but_not_ones_that_read_the_same() -> None:
    many = {"key": "m", "label": "M", "type": "choice", "options": [f"O{n}" for n in range(500)]}
    long = {"key": "l", "label": "L", "type": "choice", "options": ["x" * 200, "y" * 200]}
    assert problems({"fields": [many, long]}) == []
    alike = ["Pose " + "a" * 80 + " simple", "Pose " + "a" * 80 + " double", "Court", "court"]
    same = {"key": "s", "label": "S", "type": "multi_choice", "options": alike}
    found = problems({"fields": [same]})
    assert len(found) == 2 and all("read the same in Slack" in p for p in found)
    assert "first 75 characters" in found[0]


def test_a_percentage_bound_must_be_a_whole_number() -> None:
    rate = {"key": "r", "label": "R", "type": "percentage", "min": "2.5", "max": 100}
    (line,) = problems({"fields": [rate]})
    assert line == "bp.yaml: transitions[0].during.fields[0].min: " + (
        "a percentage is a whole number from 0 to 100, not 2.5"
    )


async def test_saving_an_unshowable_blueprint_is_refused_too(engine: Engine, admin: Actor) -> None:
    blueprint = parse_blueprint(with_first({"fields": text_fields(100)}), "bp.yaml")
    with pytest.raises(ValidationFailed, match="a Slack form holds at most 100"):
        await engine.save_blueprint(blueprint, admin)


def big_config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    (config / "blueprints").mkdir(parents=True)
    during = {"fields": text_fields(99), "note": "required"}
    (config / "blueprints" / "big.yaml").write_text(yaml.safe_dump(with_first(during)))
    return config


def run(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT, env=env_for(tmp_path, RELAIS_CONFIG_DIR=str(config)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("command", [("blueprint", "apply", "--check"), ("config", "check")])
def test_the_checks_refuse_a_form_slack_cannot_show(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    config = big_config(tmp_path)
    result = run(tmp_path, config, *command)
    assert result.returncode == 1, result.stdout
    assert (
        f"{config}/blueprints/big.yaml: transitions[0].during: the form needs 101 blocks"
        in result.stderr
    )
