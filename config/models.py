"""The declarative YAML configuration, as strict, frozen pydantic models.

One model per file (``PipelinesFile`` for ``pipelines.yaml``…) and one
``RelaisConfig`` gathering them. Unknown keys are errors, scalars are never
coerced (``"10"`` is not a probability, ``yes`` is not a name), and nothing is
ever evaluated. Rules that span several items (unique keys, one default
pipeline, managers that exist) raise one ``config_rules`` error carrying every
problem with its own path, so that the loader reports each on its own line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from config.problems import refused
from config.zones import TimeZone
from engine.api import Phrase, parse_duration
from engine.api import has_text as has
from engine.api.crm import criteria, normalize_email

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]
RULES_ERROR = "config_rules"


def _pattern_check(pattern: str, message: str) -> Callable[[str], str]:
    """A check that ``value`` matches ``pattern``; ``message``: the catalogue's reason."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise refused("format", message)
        return value

    return check


def _email(value: str) -> str:
    try:
        return normalize_email(value).normalized.casefold()
    except ValueError as exc:
        raise refused("email", "config.problem.not_email", reason=str(exc)) from exc


def _duration(text: str) -> str:
    try:
        parse_duration(text)
    except ValueError as exc:
        raise PydanticCustomError("duration", "{phrase}", {"phrase": exc.args[0]}) from exc
    return text


Key = Annotated[
    StrictStr,
    StringConstraints(max_length=64),
    AfterValidator(
        _pattern_check(
            r"[a-z0-9][a-z0-9_-]*",
            "config.problem.key_format",
        )
    ),
]
Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=2000)]
Currency = Annotated[
    StrictStr,
    AfterValidator(_pattern_check(r"[A-Z]{3}", "config.problem.currency")),
]
Email = Annotated[StrictStr, AfterValidator(_email)]
SlackId = Annotated[
    StrictStr,
    AfterValidator(_pattern_check(r"[UW][A-Z0-9_]+", "config.problem.slack_id")),
]
Probability = Annotated[StrictInt, Field(ge=0, le=100)]
Duration = Annotated[StrictStr, AfterValidator(_duration)]
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool | date
WebhookUrl = Annotated[StrictStr, StringConstraints(pattern=r"^https?://\S+$")]
CriterionOperator = Literal[
    "eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty", "contains", "in", "not_in"
]  # fmt: skip


# Every configuration model's settings: unknown keys refused, instances frozen,
# and a field with an alias (``all``, ``from``, ``if``…) also takes its Python name.
STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Strict(BaseModel):
    """Base of every configuration model (``STRICT``).

    The other schema modules give their own base ``model_config = STRICT``:
    ruff only knows a class is a pydantic model through a base in the same file.
    """

    model_config = STRICT


class CriterionBase(Strict):
    """``{field, op, value}``, or ``{all: [...]}`` / ``{any: [...]}`` of the same.

    Blueprint criteria and workflow conditions narrow ``op`` to their operators,
    name themselves in ``shape`` and list the operators that take no value.
    """

    shape: ClassVar[str]
    no_value: ClassVar[tuple[str, ...]]

    field: StrictStr | None = None
    op: StrictStr | None = None
    value: Scalar | list[Scalar] | None = None
    all_: list[Self] | None = Field(None, alias="all", min_length=1)
    any_: list[Self] | None = Field(None, alias="any", min_length=1)

    @model_validator(mode="after")
    def one_shape(self) -> Self:
        groups = (self.all_ is not None) + (self.any_ is not None)
        leaf = self.field is not None or self.op is not None
        if groups + leaf != 1:
            shapes = "{field, op, value}, {all: [...]} or {any: [...]}"
            raise ValueError(f"a {self.shape} is {shapes}")
        if leaf and (self.field is None or self.op is None):
            raise ValueError("a condition needs a field and an op")
        if self.op in self.no_value and self.value is not None:
            raise ValueError(f"{self.op} takes no value")
        if leaf and self.op not in self.no_value and self.value is None:
            raise ValueError(f"{self.op} needs a value")
        return self

    def build(self) -> criteria.Criterion:
        if self.all_ is not None:
            return criteria.Group("all", tuple(c.build() for c in self.all_))
        if self.any_ is not None:
            return criteria.Group("any", tuple(c.build() for c in self.any_))
        assert self.field is not None and self.op is not None
        return criteria.Condition(self.field, self.op, self.plain_value())

    def plain_value(self) -> Any:
        """The value as the engine's condition holds it."""
        return list(self.value) if isinstance(self.value, list) else self.value


def dotted(loc: Loc) -> str:
    """``('pipelines', 0, 'stages', 2, 'probability')`` → ``pipelines[0].stages[2].probability``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def raise_problems(problems: list[Problem]) -> None:
    """Raise one error that carries every problem, each with its path below the model."""
    if problems:
        summary = "; ".join(f"{dotted(loc)}: {reason}" for loc, reason in problems)
        raise PydanticCustomError(
            RULES_ERROR, "{summary}", {"summary": summary, "problems": problems}
        )


def duplicates(
    values: Iterable[str], item: Callable[[int], Loc], field: str | None, what: str
) -> list[Problem]:
    """A problem at each repetition of a value, naming the item that has it first."""
    first: dict[str, Loc] = {}
    problems: list[Problem] = []
    for index, value in enumerate(values):
        where = item(index)
        if value in first:
            loc = (*where, field) if field else where
            again = Phrase(
                "config.problem.duplicate", what=_what(what), value=repr(value),
                first=dotted(first[value]),
            )  # fmt: skip
            problems.append((loc, again))
        else:
            first[value] = where
    return problems


def _what(what: str) -> str:
    """What is repeated, as the reader reads it (``config.problem.what_<what>``)."""
    key = "config.problem.what_" + re.sub(r"[^a-z]+", "_", what.lower())
    return Phrase(key) if has(key) else what


# -- pipelines.yaml -----------------------------------------------------------


class StageConfig(Strict):
    key: Key
    name: Text
    probability: Probability
    folded: StrictBool = False
    outcome: Literal["won", "lost", "none"] = "none"
    description: LongText = ""


def _outcome_problems(stages: tuple[StageConfig, ...]) -> list[Problem]:
    problems: list[Problem] = []
    for outcome in ("won", "lost"):
        indexes = [i for i, stage in enumerate(stages) if stage.outcome == outcome]
        problems.extend(
            (
                ("stages", i, "outcome"),
                Phrase(
                    "config.problem.second_outcome",
                    outcome=outcome,
                    first=f"stages[{indexes[0]}]",
                ),
            )
            for i in indexes[1:]
        )
    if not any(stage.outcome == "none" for stage in stages):
        problems.append((("stages",), Phrase("config.problem.no_open_stage")))
    return problems


class PipelineConfig(Strict):
    key: Key
    name: Text
    currency: Currency = "EUR"
    default: StrictBool = False
    stages: tuple[StageConfig, ...]

    @model_validator(mode="after")
    def _stages_rules(self) -> Self:
        keys = (stage.key for stage in self.stages)
        raise_problems(
            duplicates(keys, lambda i: ("stages", i), "key", "stage key")
            + _outcome_problems(self.stages)
        )
        return self


class PipelinesFile(Strict):
    pipelines: tuple[PipelineConfig, ...]

    @model_validator(mode="after")
    def _pipelines_rules(self) -> Self:
        keys = (pipeline.key for pipeline in self.pipelines)
        problems = duplicates(keys, lambda i: ("pipelines", i), "key", "pipeline key")
        defaults = [i for i, pipeline in enumerate(self.pipelines) if pipeline.default]
        if not defaults:
            problems.append((("pipelines",), Phrase("config.problem.no_default")))
        problems.extend(
            (
                ("pipelines", i, "default"),
                Phrase("config.problem.second_default", first=f"pipelines[{defaults[0]}]"),
            )
            for i in defaults[1:]
        )
        raise_problems(problems)
        return self


# -- users.yaml -----------------------------------------------------------------


class UserConfig(Strict):
    name: Text
    email: Email
    slack_id: SlackId | None = None
    role: Literal["admin", "manager", "rep"] = "rep"
    locale: Literal["fr", "en"] = "fr"
    timezone: TimeZone = "Europe/Paris"
    manager: Email | None = None


def _cycle(start: str, managers: dict[str, str | None]) -> list[str] | None:
    """``start``, its manager, theirs… back to ``start`` if that chain loops through it."""
    chain = [start]
    boss = managers.get(start)
    while boss is not None and boss not in chain:
        chain.append(boss)
        boss = managers.get(boss)
    return [*chain, start] if boss == start else None


def _manager_problems(users: tuple[UserConfig, ...]) -> list[Problem]:
    index = {user.email: i for i, user in enumerate(users)}
    managers = {user.email: user.manager for user in users}
    problems: list[Problem] = []
    for i, user in enumerate(users):
        where: Loc = ("users", i, "manager")
        if user.manager is None:
            continue
        if user.manager == user.email:
            problems.append((where, Phrase("config.problem.own_manager")))
        elif user.manager not in index:
            problems.append((where, Phrase("config.problem.no_manager", email=repr(user.manager))))
        elif (cycle := _cycle(user.email, managers)) and i == min(index[e] for e in cycle):
            problems.append((where, Phrase("config.problem.cycle", cycle=" → ".join(cycle))))
    return problems


class UsersFile(Strict):
    users: tuple[UserConfig, ...]

    @model_validator(mode="after")
    def _users_rules(self) -> Self:
        emails = (user.email for user in self.users)
        slack = [(i, user.slack_id) for i, user in enumerate(self.users) if user.slack_id]
        raise_problems(
            duplicates(emails, lambda i: ("users", i), "email", "e-mail")
            + duplicates(
                (s for _, s in slack), lambda n: ("users", slack[n][0]), "slack_id", "Slack id"
            )
            + _manager_problems(self.users)
        )
        return self


# -- projects.yaml --------------------------------------------------------------


class QuestionConfig(Strict):
    key: Key
    label: Text
    kind: Literal["text", "number", "choice", "yes_no", "date"] = "text"
    choices: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _choices_rules(self) -> Self:
        problems: list[Problem] = []
        if self.kind == "choice" and len(self.choices) < 2:
            problems.append((("choices",), Phrase("config.problem.two_choices")))
        if self.kind != "choice" and self.choices:
            problems.append((("choices",), Phrase("config.problem.choices_kind", kind=self.kind)))
        problems += duplicates(self.choices, lambda i: ("choices", i), None, "choice")
        raise_problems(problems)
        return self


class ProjectTemplateConfig(Strict):
    key: Key
    name: Text
    questions: tuple[QuestionConfig, ...]

    @model_validator(mode="after")
    def _questions_rules(self) -> Self:
        keys = (question.key for question in self.questions)
        problems = duplicates(keys, lambda i: ("questions", i), "key", "question key")
        if not self.questions:
            problems.append((("questions",), Phrase("config.problem.no_question")))
        raise_problems(problems)
        return self


class ProjectsFile(Strict):
    projects: tuple[ProjectTemplateConfig, ...]

    @model_validator(mode="after")
    def _projects_rules(self) -> Self:
        keys = (template.key for template in self.projects)
        raise_problems(duplicates(keys, lambda i: ("projects", i), "key", "project key"))
        return self


# -- the whole configuration ----------------------------------------------------


class RelaisConfig(Strict):
    """Everything the YAML folder says; ``None`` means "that file is absent"."""

    pipelines: tuple[PipelineConfig, ...] | None = None
    users: tuple[UserConfig, ...] | None = None
    projects: tuple[ProjectTemplateConfig, ...] | None = None
