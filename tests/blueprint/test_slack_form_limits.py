"""A blueprint whose forms Slack could not show is refused at check time, with the reason.

A Slack modal holds 100 blocks and shows 75 characters of a choice
(:mod:`bot.forms_fit`), and a percentage input takes whole numbers (the
engine's own rule): ``config check``, ``blueprint apply --check`` and
``blueprint apply`` refuse a transition past those limits; long checklists and
long or many choices are fine (the bot splits and searches them). The engine
knows no renderer: it reports what the renderer's check, handed to it, names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import forms_fit
from config.blueprint_schema import default_stages, parse_blueprint, problems_against
from engine.actors import Actor
from engine.blueprints.check import Problem, check_blueprint
from engine.blueprints.model import During
from engine.core import Engine
from tests.blueprint.conftest import DEFAULT, ROOT
from tests.cli.test_cli import env_for


def with_first(during: dict[str, Any]) -> dict[str, Any]:
    """The shipped blueprint's YAML, its first transition asking ``during``."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text("utf-8"))
    data["transitions"][0]["during"] = during
    return data


def problems(during: dict[str, Any]) -> list[str]:
    blueprint = parse_blueprint(with_first(during), "bp.yaml")
    return problems_against(blueprint, default_stages(), "bp.yaml", forms_fit.fits)


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


def test_the_engine_reports_what_the_renderer_names_under_the_transition() -> None:
    def narrow(during: During) -> list[Problem]:  # only the first transition asks for q0
        if not any(spec.key == "q0" for spec in during.fields):
            return []
        return [Problem("", "too tall"), Problem("fields[0].options", "too wide")]

    blueprint = parse_blueprint(with_first({"fields": text_fields(1)}), "bp.yaml")
    found = [str(p) for p in check_blueprint(blueprint, default_stages(), narrow)]
    assert found == [
        "transitions[0].during: too tall",
        "transitions[0].during.fields[0].options: too wide",
    ]
    assert check_blueprint(blueprint, default_stages()) == []  # no renderer: nothing measured


async def test_the_engine_alone_measures_no_form_the_command_that_saves_does(
    engine: Engine, admin: Actor
) -> None:
    blueprint = parse_blueprint(with_first({"fields": text_fields(100)}), "bp.yaml")
    (problem,) = forms_fit.fits(blueprint.transitions[0].during)
    assert "a Slack form holds at most 100" in problem.message  # what blueprint apply refuses
    saved = await engine.blueprints.save(blueprint, admin)  # the engine knows no Slack
    assert saved.created


def big_config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    (config / "blueprints").mkdir(parents=True)
    during = {"fields": text_fields(99), "note": "required"}
    (config / "blueprints" / "big.yaml").write_text(yaml.safe_dump(with_first(during)))
    return config


def run(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT, env=env_for(tmp_path, RELAIS_CONFIG_DIR=str(config), RELAIS_LOCALE="en"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [("blueprint", "apply", "--check"), ("blueprint", "apply"), ("config", "check")]
)
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
