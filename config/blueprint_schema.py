"""Blueprint YAML (``config/blueprints/*.yaml``) as strict pydantic models.

The models check the shape (unknown keys, types, operators, durations) and
build the engine's frozen :class:`~engine.blueprints.model.Blueprint`; the checks
that need the pipeline (unknown stage or field, type mismatch, unreachable
state) are the engine's own (:mod:`engine.blueprints.check`), run here against
the stages and again when the blueprint is saved; whether each form fits the
screen that shows it is the renderer's check, passed in by the command line
(:mod:`bot.forms_fit`; config never imports the bot). Every problem is reported
on its own line: ``config/blueprints/default.yaml: transitions[2].to: …``.
Conditions are data (field, operator, value): nothing is ever evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

from config.loader import ConfigError, problem_line, read_yaml, validated
from config.models import (
    STRICT,
    CriterionBase,
    CriterionOperator,
    Duration,
    Scalar,
    Text,
    WebhookUrl,
)
from config.problems import refused
from config.zones import KnownZone
from engine.api import Phrase, parse_duration
from engine.api.blueprints import FormFit, StageRef, check_blueprint
from engine.api.blueprints import model as bp
from engine.api.crm import DEFAULT_STAGES, criteria

FOLDER = "blueprints"
ACTION_TAGS = ("set_field", "activity", "email", "notify", "webhook")


def _any_state(value: Any) -> Any:
    return [value] if value == bp.ANY_STATE else value


Key = Annotated[StrictStr, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Sources = Annotated[list[StrictStr], BeforeValidator(_any_state)]
InputType = Literal[
    "text", "long_text", "number", "money", "percentage", "date", "datetime", "choice",
    "multi_choice", "email", "phone", "url", "contact", "file",
]  # fmt: skip


class Strict(BaseModel):
    model_config = STRICT


class CriterionModel(CriterionBase):
    """``{field, op, value}``, or ``{all: [...]}`` / ``{any: [...]}`` of criteria."""

    shape = "criterion"
    no_value = criteria.UNARY

    op: CriterionOperator | None = None


class OwnersModel(Strict):
    roles: list[Literal["admin", "manager", "rep"]] = []
    users: list[StrictStr] = []
    record_owner: StrictBool = False
    owner_manager: StrictBool = False


class BeforeModel(Strict):
    owners: OwnersModel = OwnersModel()
    criteria: CriterionModel | None = None


class InputModel(Strict):
    key: Key
    label: Text
    type: InputType
    required: StrictBool = True
    field: StrictStr | None = None
    options: list[Text] = []
    min: StrictStr | StrictInt | StrictFloat | date | None = None
    max: StrictStr | StrictInt | StrictFloat | date | None = None
    min_length: Annotated[StrictInt, Field(ge=0)] | None = None
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None
    pattern: StrictStr | None = None
    message: StrictStr = ""
    help: StrictStr = ""

    def build(self) -> bp.InputField:
        return bp.InputField(
            self.key, self.label, self.type, self.required, self.field, tuple(self.options),
            _text(self.min), _text(self.max), self.min_length, self.max_length, self.pattern,
            self.message, self.help,
        )  # fmt: skip


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class DuringModel(Strict):
    fields: list[InputModel] = []
    checklist: list[Text] = []
    note: Literal["none", "optional", "required"] = "none"
    message: StrictStr = ""

    def build(self) -> bp.During:
        fields = tuple(f.build() for f in self.fields)
        return bp.During(fields, tuple(self.checklist), self.note, self.message)


class SetFieldModel(Strict):
    action: Literal["set_field"]
    field: StrictStr
    value: Scalar | None = None
    from_input: StrictStr | None = None

    def build(self) -> bp.Action:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return bp.SetField(self.field, value, self.from_input)


class ActivityModel(Strict):
    action: Literal["activity"]
    kind: Literal["call", "meeting", "task", "email", "note"]
    subject: Text
    due_in: Duration | None = None
    due_from: StrictStr | None = None
    owner: StrictStr = "owner"
    note: StrictStr = ""

    def build(self) -> bp.Action:
        due_in = None if self.due_in is None else parse_duration(self.due_in)
        return bp.CreateActivity(
            self.kind, self.subject, due_in, self.due_from, self.owner, self.note
        )


class EmailModel(Strict):
    action: Literal["email"]
    to: StrictStr
    subject: Text
    body: StrictStr

    def build(self) -> bp.Action:
        return bp.SendEmail(self.to, self.subject, self.body)


class NotifyModel(Strict):
    action: Literal["notify"]
    to: Literal["owner", "manager", "actor", "channel"]
    text: Text
    channel: StrictStr | None = None

    def build(self) -> bp.Action:
        return bp.Notify(self.to, self.text, self.channel)


class WebhookModel(Strict):
    action: Literal["webhook"]
    url: WebhookUrl
    headers: dict[StrictStr, StrictStr] = {}

    def build(self) -> bp.Action:
        return bp.Webhook(self.url, tuple(sorted(self.headers.items())))


ActionModel = Annotated[
    SetFieldModel | ActivityModel | EmailModel | NotifyModel | WebhookModel,
    Field(discriminator="action"),
]


class AutomaticModel(Strict):
    after: Duration


class TransitionModel(Strict):
    key: Key
    name: Text
    sources: Sources = Field(alias="from", min_length=1)
    to: StrictStr
    before: BeforeModel = BeforeModel()
    during: DuringModel = DuringModel()
    after: list[ActionModel] = []
    automatic: AutomaticModel | None = None

    def build(self) -> bp.Transition:
        sources = (bp.ANY_STATE,) if bp.ANY_STATE in self.sources else tuple(self.sources)
        owners = self.before.owners
        rule = self.before.criteria
        return bp.Transition(
            key=self.key,
            name=self.name,
            sources=sources,
            target=self.to,
            owners=bp.Owners(
                tuple(owners.roles), tuple(owners.users), owners.record_owner, owners.owner_manager
            ),
            criteria=None if rule is None else rule.build(),
            during=self.during.build(),
            after=tuple(a.build() for a in self.after),
            automatic_after=None
            if self.automatic is None
            else parse_duration(self.automatic.after),
        )


class StateModel(Strict):
    time_limit: Duration
    escalate_to: list[Literal["owner", "manager"]] = ["owner"]
    message: StrictStr = ""


class BlueprintModel(Strict):
    pipeline: StrictStr | None = None
    leads: StrictBool = False  # a lead blueprint: its states are the lead statuses
    name: Text
    description: StrictStr = ""
    timezone: KnownZone = "Europe/Paris"
    entry: CriterionModel | None = None
    states: dict[StrictStr, StateModel] = {}
    transitions: list[TransitionModel] = Field(min_length=1)

    @model_validator(mode="after")
    def one_record(self) -> Self:
        if self.leads == (self.pipeline is not None):
            raise refused("record", "config.problem.bp_record")
        return self

    def build(self) -> bp.Blueprint:
        states = tuple(
            bp.StateRule(stage, parse_duration(s.time_limit), tuple(s.escalate_to), s.message)
            for stage, s in self.states.items()
        )
        return bp.Blueprint(
            pipeline=self.pipeline or "",
            name=self.name,
            transitions=tuple(t.build() for t in self.transitions),
            states=states,
            entry=None if self.entry is None else self.entry.build(),
            description=self.description,
            timezone=self.timezone,
            record="lead" if self.leads else "deal",
        )


# -- reading files ---------------------------------------------------------------


def parse_blueprint(data: Any, label: str) -> bp.Blueprint:
    """Validate YAML data; raise ``ConfigError`` with one line per problem."""
    try:
        return validated(BlueprintModel, data, label).build()
    except ConfigError as exc:
        raise ConfigError([_untagged(line) for line in exc.problems]) from None


# pydantic names the action type inside a path: after[1].webhook.url → after[1].url
_ACTION_TAG = re.compile(r"(after\[\d+\])\.(?:" + "|".join(ACTION_TAGS) + r")(?=[.:])")


def _untagged(line: str) -> str:
    """The problem without the action tag in its path; a catalogue line stays one (a
    ``re.sub`` on it would give back its English text, whatever the reader's language)."""
    if not isinstance(line, Phrase) or not isinstance(line.params.get("path"), str):
        return _ACTION_TAG.sub(r"\1", line)
    path = _ACTION_TAG.sub(r"\1", line.params["path"] + ":")[:-1]
    return Phrase(line.key, **{**line.params, "path": path})


def load_blueprint_file(path: Path) -> bp.Blueprint:
    data = read_yaml(path)
    if data is None:
        raise ConfigError([problem_line(str(path), (), Phrase("config.problem.empty_file"))])
    return parse_blueprint(data, str(path))


def blueprint_files(config_dir: Path) -> list[Path]:
    return sorted((config_dir / FOLDER).glob("*.yaml"))


def load_blueprints(config_dir: Path) -> list[tuple[Path, bp.Blueprint]]:
    """Every blueprint file of the folder; all problems of all files in one ``ConfigError``."""
    loaded: list[tuple[Path, bp.Blueprint]] = []
    problems: list[str] = []
    for path in blueprint_files(config_dir):
        try:
            loaded.append((path, load_blueprint_file(path)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return loaded


def problems_against(
    blueprint: bp.Blueprint, stages: Sequence[StageRef], label: str, fits: FormFit | None = None
) -> list[str]:
    """The pipeline-aware problems of a blueprint, as ``file: path: reason`` lines.

    ``fits`` is the renderer's check of each form (the caller's to give: the
    Slack bot's, from the command line); without it, forms are not measured.
    """
    found = check_blueprint(blueprint, stages, fits)
    return [problem_line(label, (p.path,), p.message) for p in found]


def default_stages() -> list[StageRef]:
    """The built-in default pipeline's stages (for checks without a database)."""
    return [StageRef(s.key, s.outcome, i) for i, s in enumerate(DEFAULT_STAGES, start=1)]
