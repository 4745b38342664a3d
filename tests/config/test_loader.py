"""Reading the configuration folder: every problem, each naming its file and path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.loader import FILES, ConfigError, load_config
from engine.crm.pipelines import DEFAULT_STAGES
from tests.config.helpers import SHIPPED, write

PIPELINES = """\
pipelines:
  - key: default
    name: Pipeline
    default: true
    stages:
      - {key: nouveau, name: Nouveau, probability: 10}
      - {key: devis, name: Devis, probability: 60}
      - {key: visite, name: Visite, probability: 120}
      - {key: gagne, name: Gagné, probability: 100, outcome: won}
"""


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_config(folder)
    assert str(refused.value) == "\n".join(refused.value.problems)
    return list(refused.value.problems)


def test_a_problem_names_the_file_the_path_and_the_reason(tmp_path: Path) -> None:
    write(tmp_path, "pipelines.yaml", PIPELINES)
    assert problems_of(tmp_path) == [
        f"{tmp_path}/pipelines.yaml: pipelines[0].stages[2].probability: "
        "Input should be less than or equal to 100"
    ]


def test_the_default_folder_is_named_config_in_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config").mkdir()
    write(tmp_path / "config", "pipelines.yaml", PIPELINES)
    monkeypatch.chdir(tmp_path)
    assert problems_of(Path("config")) == [
        "config/pipelines.yaml: pipelines[0].stages[2].probability: "
        "Input should be less than or equal to 100"
    ]


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "pipelines.yaml", PIPELINES.replace("name: Devis", "name: Devis, colour: red"))
    write(tmp_path, "users.yaml", "users:\n  - {name: A, email: nope}\n  - {name: B, role: boss}\n")
    write(tmp_path, "projects.yaml", "projects:\n  - {key: p, name: P, questions: [{key: q}]}\n")
    found = [line.removeprefix(f"{tmp_path}/") for line in problems_of(tmp_path)]
    assert found == [
        "pipelines.yaml: pipelines[0].stages[1].colour: unknown key",
        "pipelines.yaml: pipelines[0].stages[2].probability: "
        "Input should be less than or equal to 100",
        "users.yaml: users[0].email: not a valid e-mail address: "
        "An email address must have an @-sign.",
        "users.yaml: users[1].email: Field required",
        "users.yaml: users[1].role: Input should be 'admin', 'manager' or 'rep'",
        "projects.yaml: projects[0].questions[0].label: Field required",
    ]


def test_a_yaml_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    write(tmp_path, "users.yaml", "users:\n  - name: A\n     email: a@example.com\n")
    [line] = problems_of(tmp_path)
    assert line.startswith(f"{tmp_path}/users.yaml: line 3, column 11: invalid YAML: ")


def test_a_repeated_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    text = "users:\n  - name: A\n    email: a@example.com\n    role: admin\n    role: rep\n"
    write(tmp_path, "users.yaml", text)
    assert problems_of(tmp_path) == [f"{tmp_path}/users.yaml: line 5: duplicate key 'role'"]


def test_nothing_in_a_file_is_ever_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write(tmp_path, "users.yaml", f'!!python/object/apply:os.system ["touch {marker}"]\n')
    [line] = problems_of(tmp_path)
    assert "could not determine a constructor" in line
    assert not marker.exists()


def test_missing_and_comment_only_files_mean_not_configured(tmp_path: Path) -> None:
    write(tmp_path, "users.yaml", "# nobody yet\n")
    config = load_config(tmp_path)
    assert (config.pipelines, config.users, config.projects) == (None, None, None)


def test_unknown_files_are_ignored_unknown_top_level_keys_are_not(tmp_path: Path) -> None:
    write(tmp_path, "pipeline.yaml", "this: is ignored\n")
    write(tmp_path, "notes.txt", "::: not yaml :::\n")
    write(tmp_path, "projects.yaml", "projects: []\nrouting: []\n")
    assert problems_of(tmp_path) == [f"{tmp_path}/projects.yaml: routing: unknown key"]


def test_a_file_of_the_wrong_shape(tmp_path: Path) -> None:
    write(tmp_path, "users.yaml", "- name: A\n")
    write(tmp_path, "projects.yaml", "projects: {key: p}\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/users.yaml: Input should be a mapping of keys to values",
        f"{tmp_path}/projects.yaml: projects: Input should be a list",
    ]


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [
        f"{tmp_path}/nowhere: no such configuration folder"
    ]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_bytes("users: [{name: Élodie}]".encode("latin-1"))
    [line] = problems_of(tmp_path)
    assert line.startswith(f"{tmp_path}/users.yaml: cannot be read: ")


def test_the_shipped_folder_loads_cleanly() -> None:
    config = load_config(SHIPPED)
    assert config.pipelines is not None and config.users is not None
    assert config.projects is not None
    assert [p.key for p in config.pipelines] == ["default"]
    assert [u.role for u in config.users] == ["admin"]
    assert config.projects[0].key == "poele"


def test_the_shipped_pipeline_is_the_engines_default_pipeline() -> None:
    config = load_config(SHIPPED)
    assert config.pipelines is not None
    shipped = [
        (s.key, s.name, s.probability, s.folded, None if s.outcome == "none" else s.outcome,
         s.description)
        for s in config.pipelines[0].stages
    ]  # fmt: skip
    engine = [
        (s.key, s.name, s.probability, s.folded, s.outcome, s.description) for s in DEFAULT_STAGES
    ]
    assert shipped == engine


def test_the_shipped_questionnaire_covers_the_stove_installation() -> None:
    config = load_config(SHIPPED)
    assert config.projects is not None
    questions = {q.key: q for q in config.projects[0].questions}
    assert questions["type_appareil"].choices == ("PAB", "PAG", "Foyer")
    assert questions["type_installation"].choices == (
        "Tubage",
        "Création de conduit",
        "Raccordement sur conduit existant",
    )
    assert questions["surface"].kind == "number"


def test_every_known_file_is_shipped_with_comments() -> None:
    for spec in FILES:
        text = (SHIPPED / spec.name).read_text(encoding="utf-8")
        assert text.startswith("#"), spec.name
        assert yaml.safe_load(text) is not None, spec.name
