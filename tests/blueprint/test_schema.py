"""Blueprint YAML: strict shape, then cross-checks against the pipeline, every problem named."""

from pathlib import Path

import pytest
import yaml

from config.blueprint_schema import (
    blueprint_files,
    default_stages,
    load_blueprint_file,
    load_blueprints,
    parse_blueprint,
    problems_against,
)
from config.loader import ConfigError
from engine.actors import Actor
from engine.blueprints.model import from_dict, to_dict
from engine.core import Engine
from engine.errors import ValidationFailed
from tests.blueprint.conftest import ROOT

BROKEN = """
pipeline: default
name: Cassé
states:
  devis: {time_limit: 3 days}
  gagne: {time_limit: 2d}
transitions:
  - key: estimer
    name: Estimer
    from: [nouveau]
    to: estimaton
    colour: blue
    before:
      criteria: {all: [{field: budgett, op: gt, value: 0}, {field: budget, op: gt, value: cher}]}
    during:
      fields:
        - {key: when, label: Quand, type: date, field: budget}
        - {key: kind, label: Type, type: choice}
        - {key: size, label: Taille, type: number, min: petit}
    after:
      - {action: webhook, url: "ftp://example.com"}
      - {action: email, to: contact, subject: "Bonjour {contact.nom}", body: x}
      - {action: set_field, field: status, value: won}
"""


def lines(text: str, stages_check: bool) -> list[str]:
    label = "config/blueprints/broken.yaml"
    if not stages_check:
        with pytest.raises(ConfigError) as refused:
            parse_blueprint(yaml.safe_load(text), label)
        return list(refused.value.problems)
    return problems_against(parse_blueprint(yaml.safe_load(text), label), default_stages(), label)


def test_shape_errors_name_the_file_and_the_path() -> None:
    problems = lines(BROKEN, stages_check=False)
    assert "config/blueprints/broken.yaml: transitions[0].colour: unknown key" in problems
    assert any(
        p.startswith("config/blueprints/broken.yaml: states.devis.time_limit: not a duration")
        for p in problems
    )
    assert any(
        p.startswith("config/blueprints/broken.yaml: transitions[0].after[0].url:")
        for p in problems
    )


def test_cross_checks_find_stages_fields_types_and_unreachable_states() -> None:
    text = (
        BROKEN.replace("3 days", "3d")
        .replace("    colour: blue\n", "")
        .replace("ftp://example.com", "https://example.com")
    )
    problems = [p.removeprefix("config/blueprints/broken.yaml: ") for p in lines(text, True)]
    expected = [
        "states.gagne: a closed stage cannot have a time limit",
        "transitions[0].to: unknown stage 'estimaton' (did you mean 'estimation'?)",
        "transitions[0].before.criteria.all[0].field: unknown deal field 'budgett'"
        " (did you mean 'budget'?); custom values are custom.<name>",
        "transitions[0].before.criteria.all[1].value: type mismatch: 'cher' is not a number"
        " (the field is money)",
        "transitions[0].during.fields[0].field: type mismatch: a date input cannot be saved"
        " in budget (money)",
        "transitions[0].during.fields[1].options: a choice field needs options",
        "transitions[0].during.fields[2].min: type mismatch: 'petit' is not a number",
        "transitions[0].after[1].subject: unknown placeholder {contact.nom}",
        "transitions[0].after[2].field: status is read-only",
    ]
    for line in expected:
        assert line in problems
    unreachable = [p for p in problems if "can never be reached" in p]
    assert "transitions: stage 'estimation' can never be reached from 'nouveau'" in unreachable
    assert len(unreachable) == 5  # estimation, visite_technique, devis, gagne, perdu


def test_every_shipped_blueprint_is_sound_and_round_trips() -> None:
    files = blueprint_files(ROOT / "config")
    assert files, "a default blueprint ships with Relais"
    for path, blueprint in load_blueprints(ROOT / "config"):
        assert problems_against(blueprint, default_stages(), str(path)) == []
        assert from_dict(to_dict(blueprint)) == blueprint
    default = load_blueprint_file(ROOT / "config" / "blueprints" / "default.yaml")
    assert {t.key for t in default.transitions} >= {
        "estimer", "planifier_visite", "envoyer_devis", "signer", "marquer_perdu",
    }  # fmt: skip


async def test_the_engine_refuses_an_unsound_blueprint(engine: Engine, admin: Actor) -> None:
    text = (
        BROKEN.replace("3 days", "3d")
        .replace("    colour: blue\n", "")
        .replace("ftp://example.com", "https://example.com")
    )
    blueprint = parse_blueprint(yaml.safe_load(text), "x")
    with pytest.raises(ValidationFailed) as refused:
        await engine.blueprints.save(blueprint, admin)
    assert "transitions[0].to" in refused.value.errors
    assert await engine.blueprints.current() is None


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "x.yaml").write_text("# nothing\n")
    with pytest.raises(ConfigError, match=r"x\.yaml: the file is empty"):
        load_blueprints(tmp_path)
