"""Every rule of the configuration models, with the path each problem is reported at."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from config.models import PipelinesFile, ProjectsFile, RelaisConfig, UsersFile
from tests.config.helpers import pipeline, problems, question, stage, user


def pipelines(*items: dict[str, Any]) -> dict[str, Any]:
    return {"pipelines": list(items)}


def with_stages(*stages: dict[str, Any]) -> dict[str, Any]:
    return pipelines(pipeline(stages=list(stages)))


def users(*items: dict[str, Any]) -> dict[str, Any]:
    return {"users": list(items)}


def template(*questions: dict[str, Any], key: str = "poele") -> dict[str, Any]:
    return {"key": key, "name": "Poêle", "questions": list(questions)}


# -- pipelines.yaml -------------------------------------------------------------


def test_a_valid_pipeline_gets_its_defaults() -> None:
    parsed = PipelinesFile.model_validate(pipelines(pipeline()))
    first = parsed.pipelines[0]
    assert (first.currency, first.default) == ("EUR", True)
    assert (first.stages[0].folded, first.stages[0].outcome, first.stages[0].description) == (
        False,
        "none",
        "",
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (120, "Input should be less than or equal to 100"),
        (-1, "Input should be greater than or equal to 0"),
        ("10", "Input should be a valid integer"),
        (10.5, "Input should be a valid integer"),
        (True, "Input should be a valid integer"),
    ],
)
def test_probability_is_a_whole_number_from_0_to_100(value: object, reason: str) -> None:
    data = with_stages(stage("a"), stage("b"), stage("c", value), stage("d"))  # type: ignore[arg-type]
    assert problems(PipelinesFile, data) == [f"pipelines[0].stages[2].probability: {reason}"]


def test_outcome_is_won_lost_or_none() -> None:
    data = with_stages(stage("a", outcome="maybe"))
    assert problems(PipelinesFile, data) == [
        "pipelines[0].stages[0].outcome: Input should be 'won', 'lost' or 'none'"
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("key", "Visite Technique", "a key uses lower-case letters, digits, _ and - only"),
        ("key", "", "a key uses lower-case letters"),
        ("name", "   ", "String should have at least 1 character"),
        ("name", 2024, "Input should be a valid string"),
        ("folded", "yes", "Input should be a valid boolean"),
        ("colour", "red", "unknown key"),
    ],
)
def test_stage_fields_are_strict(field: str, value: object, reason: str) -> None:
    data = with_stages({**stage("a"), field: value})
    [line] = problems(PipelinesFile, data)
    assert line.startswith(f"pipelines[0].stages[0].{field}: {reason}")


def test_stage_keys_are_unique() -> None:
    data = with_stages(stage("a"), stage("b"), stage("a"))
    assert problems(PipelinesFile, data) == [
        "pipelines[0].stages[2].key: duplicate stage key 'a' (already at stages[0])"
    ]


def test_a_pipeline_needs_an_open_stage() -> None:
    data = with_stages(stage("won", 100, outcome="won"), stage("lost", 0, outcome="lost"))
    assert problems(PipelinesFile, data) == [
        "pipelines[0].stages: a pipeline needs at least one open stage (outcome: none)"
    ]
    assert problems(PipelinesFile, with_stages()) == [
        "pipelines[0].stages: a pipeline needs at least one open stage (outcome: none)"
    ]


def test_at_most_one_won_and_one_lost_stage_every_problem_reported() -> None:
    data = with_stages(
        stage("a"),
        stage("w1", 100, outcome="won"),
        stage("w2", 100, outcome="won"),
        stage("l1", 0, outcome="lost"),
        stage("l2", 0, outcome="lost"),
        stage("a"),
    )
    assert problems(PipelinesFile, data) == [
        "pipelines[0].stages[5].key: duplicate stage key 'a' (already at stages[0])",
        "pipelines[0].stages[2].outcome: a second won stage (already at stages[1]); one at most",
        "pipelines[0].stages[4].outcome: a second lost stage (already at stages[3]); one at most",
    ]


def test_pipeline_keys_are_unique_and_exactly_one_is_default() -> None:
    data = pipelines(pipeline("a"), pipeline("b"), pipeline("a", default=False))
    assert problems(PipelinesFile, data) == [
        "pipelines[2].key: duplicate pipeline key 'a' (already at pipelines[0])",
        "pipelines[1].default: a second default pipeline (already pipelines[0]); exactly one",
    ]
    assert problems(PipelinesFile, pipelines(pipeline(default=False))) == [
        "pipelines: exactly one pipeline needs default: true; none has"
    ]
    assert problems(PipelinesFile, pipelines()) == [
        "pipelines: exactly one pipeline needs default: true; none has"
    ]


@pytest.mark.parametrize("currency", ["euro", "eur", "EURO", 978])
def test_currency_is_an_iso_code(currency: object) -> None:
    [line] = problems(PipelinesFile, pipelines(pipeline(currency=currency)))
    assert line.startswith("pipelines[0].currency: ")


def test_a_rule_between_items_waits_for_the_items_to_be_valid() -> None:
    data = with_stages(stage("a", 120), stage("a"))
    assert problems(PipelinesFile, data) == [
        "pipelines[0].stages[0].probability: Input should be less than or equal to 100"
    ]


def test_file_shape_errors() -> None:
    assert problems(PipelinesFile, [pipeline()]) == ["Input should be a mapping of keys to values"]
    assert problems(PipelinesFile, {"pipelines": pipeline()}) == [
        "pipelines: Input should be a list"
    ]
    assert problems(PipelinesFile, {"pipeline": []}) == [
        "pipelines: Field required",
        "pipeline: unknown key",
    ]


# -- users.yaml -----------------------------------------------------------------


def test_a_valid_user_gets_its_defaults_and_a_normalised_email() -> None:
    parsed = UsersFile.model_validate(users(user("Alice.Martin@Example.COM")))
    alice = parsed.users[0]
    assert alice.email == "alice.martin@example.com"
    assert (alice.role, alice.locale, alice.timezone, alice.manager) == (
        "rep",
        "fr",
        "Europe/Paris",
        None,
    )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("email", "not-an-address", "not a valid e-mail address"),
        ("email", "admin@relais.test", "not a valid e-mail address"),
        ("role", "boss", "Input should be 'admin', 'manager' or 'rep'"),
        ("locale", "de", "Input should be 'fr' or 'en'"),
        ("timezone", "Mars/Olympus", "not an IANA time zone such as Europe/Paris"),
        ("timezone", "../../etc/passwd", "not an IANA time zone"),
        ("slack_id", "alice", "a Slack member id looks like U012AB3CD"),
        ("active", True, "unknown key"),
    ],
)
def test_user_fields_are_validated(field: str, value: object, reason: str) -> None:
    [line] = problems(UsersFile, users({**user("a@example.com"), field: value}))
    assert line.startswith(f"users[0].{field}: {reason}")


def test_name_and_email_are_required() -> None:
    assert problems(UsersFile, users({"name": "Alice"}, {"email": "b@example.com"})) == [
        "users[0].email: Field required",
        "users[1].name: Field required",
    ]


def test_emails_and_slack_ids_are_unique_whatever_the_case() -> None:
    data = users(
        user("a@example.com", slack_id="U1"),
        user("A@Example.com"),
        user("b@example.com", slack_id="U1"),
    )
    assert problems(UsersFile, data) == [
        "users[1].email: duplicate e-mail 'a@example.com' (already at users[0])",
        "users[2].slack_id: duplicate Slack id 'U1' (already at users[0])",
    ]


def test_a_manager_is_another_user_of_the_file() -> None:
    data = users(
        user("a@example.com", manager="nobody@example.com"),
        user("b@example.com", manager="B@example.com"),
        user("c@example.com", manager="a@example.com"),
    )
    assert problems(UsersFile, data) == [
        "users[0].manager: no user with the e-mail 'nobody@example.com' in this file",
        "users[1].manager: a user cannot be their own manager",
    ]


def test_a_management_cycle_is_reported_once() -> None:
    data = users(
        user("boss@example.com"),
        user("a@example.com", manager="b@example.com"),
        user("b@example.com", manager="c@example.com"),
        user("c@example.com", manager="a@example.com"),
        user("d@example.com", manager="a@example.com"),
    )
    assert problems(UsersFile, data) == [
        "users[1].manager: management cycle: "
        "a@example.com → b@example.com → c@example.com → a@example.com"
    ]


def test_an_empty_user_list_is_valid() -> None:
    assert UsersFile.model_validate(users()).users == ()


# -- projects.yaml --------------------------------------------------------------


def test_a_valid_template() -> None:
    data = {
        "projects": [template(question("marque"), question("type", "choice", choices=["A", "B"]))]
    }
    parsed = ProjectsFile.model_validate(data)
    assert parsed.projects[0].questions[1].choices == ("A", "B")
    assert parsed.projects[0].questions[0].kind == "text"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (question("q", "choice"), "choices: a choice question needs at least two choices"),
        (question("q", "choice", choices=["A"]), "choices: a choice question needs at least two"),
        (
            question("q", "number", choices=["A", "B"]),
            "choices: only a choice question has choices",
        ),
        (
            question("q", "choice", choices=["A", "A"]),
            "choices[1]: duplicate choice 'A' (already at choices[0])",
        ),
        (
            question("q", "choice", choices=[True, False]),
            "choices[0]: Input should be a valid string",
        ),
        (question("q", "colour"), "kind: Input should be 'text', 'number', 'choice', 'yes_no' or"),
        ({"key": "q", "kind": "text"}, "label: Field required"),
    ],
)
def test_question_rules(item: dict[str, Any], reason: str) -> None:
    found = problems(ProjectsFile, {"projects": [template(item)]})
    assert found[0].startswith(f"projects[0].questions[0].{reason}")


def test_question_and_template_keys_are_unique_and_a_template_has_questions() -> None:
    data = {
        "projects": [
            template(question("a"), question("a")),
            template(key="poele"),
        ]
    }
    assert problems(ProjectsFile, data) == [
        "projects[0].questions[1].key: duplicate question key 'a' (already at questions[0])",
        "projects[1].questions: a project template needs at least one question",
    ]
    data = {"projects": [template(question("a")), template(question("b"))]}
    assert problems(ProjectsFile, data) == [
        "projects[1].key: duplicate project key 'poele' (already at projects[0])"
    ]


# -- the whole ------------------------------------------------------------------


def test_models_are_frozen() -> None:
    parsed = PipelinesFile.model_validate(pipelines(pipeline()))
    with pytest.raises(ValidationError):
        parsed.pipelines[0].stages[0].probability = 50
    assert isinstance(parsed.pipelines[0].stages, tuple)
    assert RelaisConfig() == RelaisConfig(pipelines=None, users=None, projects=None)
