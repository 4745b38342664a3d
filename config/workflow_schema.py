"""``config/workflows.yaml`` as strict pydantic models.

The models check the shape (unknown keys, types, operators, durations) and
build the engine's :class:`~engine.workflows.Workflow`; the engine's own
checks (unknown field or placeholder, a date trigger on a field that is not
a date…) run here too, so every problem is one line naming the file and the
path: ``config/workflows.yaml: workflows[1].steps[0].activity.due_from: …``.
Conditions are data (field, operator, value): nothing is ever evaluated. A
validator's own reason is a catalogue :class:`Phrase` (``config.problem.workflow.*``),
so ``config check --lang fr`` gives it in French.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

from config.loader import read_yaml, validated
from config.models import (
    STRICT,
    CriterionBase,
    CriterionOperator,
    Duration,
    Loc,
    Problem,
    Scalar,
    Text,
    WebhookUrl,
    duplicates,
    raise_problems,
)
from engine.api import Phrase, parse_duration
from engine.api.crm import criteria
from engine.api.workflows import check_workflow
from engine.api.workflows import model as wf

FILE = "workflows.yaml"


ClockTime = Annotated[StrictStr, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Localized = StrictStr | dict[Literal["fr", "en"], StrictStr]
Entity = Literal["contact", "organisation", "lead", "deal", "activity", "quote"]
Operator = Literal[CriterionOperator, "changed", "not_changed", "changed_to", "changed_from"]
NO_VALUE = (*criteria.UNARY, "changed", "not_changed")


class Strict(BaseModel):
    model_config = STRICT


def _offset(before: str | None, after: str | None) -> int:
    if before is not None:
        return -parse_duration(before)
    return 0 if after is None else parse_duration(after)


def _one_side(before: str | None, after: str | None) -> None:
    if before is not None and after is not None:
        raise ValueError(Phrase("config.problem.workflow.before_or_after"))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def _localized(value: str | dict[Literal["fr", "en"], str]) -> wf.Localized:
    return wf.localized(value if isinstance(value, str) else {str(k): v for k, v in value.items()})


# -- conditions -----------------------------------------------------------------------


class ConditionModel(CriterionBase):
    """``{field, op, value}``, or ``{all: [...]}`` / ``{any: [...]}`` of conditions."""

    shape = "condition"
    no_value = NO_VALUE

    op: Operator | None = None

    def plain_value(self) -> Any:
        return _plain(self.value)


# -- the trigger ------------------------------------------------------------------------


class TriggerModel(Strict):
    """``{entity, event, fields}`` or a date trigger ``{entity, date, before|after, at}``."""

    entity: Entity
    event: StrictStr | None = None
    fields: list[StrictStr] = []
    date: StrictStr | None = None
    before: Duration | None = None
    after: Duration | None = None
    at: ClockTime = "09:00"

    @model_validator(mode="after")
    def one_kind(self) -> Self:
        if (self.event is None) == (self.date is None):
            raise ValueError(Phrase("config.problem.workflow.trigger_kind"))
        if self.event is not None and (self.before or self.after or self.at != "09:00"):
            raise ValueError(Phrase("config.problem.workflow.date_trigger_keys"))
        if self.date is not None and self.fields:
            raise ValueError(Phrase("config.problem.workflow.event_trigger_keys"))
        _one_side(self.before, self.after)
        return self

    def build(self) -> wf.Trigger:
        if self.event is not None:
            return wf.EventTrigger(self.entity, self.event, tuple(self.fields))
        assert self.date is not None
        return wf.DateTrigger(self.entity, self.date, _offset(self.before, self.after), self.at)


# -- actions ---------------------------------------------------------------------------------


class ActivityModel(Strict):
    kind: Literal["call", "meeting", "task", "email", "note"] = "task"
    subject: Text
    note: StrictStr = ""
    due_in: Duration | None = None
    due_from: StrictStr | None = None
    due_before: Duration | None = None
    due_after: Duration | None = None
    owner: StrictStr = "owner"
    attach_to: Literal["record", "deal", "lead", "contact", "referrer"] = "record"

    @model_validator(mode="after")
    def one_due(self) -> Self:
        if self.due_in is not None and self.due_from is not None:
            raise ValueError(Phrase("config.problem.workflow.due_in_or_due_from"))
        if (self.due_before or self.due_after) and self.due_from is None:
            raise ValueError(Phrase("config.problem.workflow.due_shift"))
        _one_side(self.due_before, self.due_after)
        return self

    def build(self) -> wf.Action:
        due_in = None if self.due_in is None else parse_duration(self.due_in)
        return wf.CreateActivity(
            self.kind, self.subject, self.note, due_in, self.due_from,
            _offset(self.due_before, self.due_after), self.owner, self.attach_to,
        )  # fmt: skip


class UpdateModel(Strict):
    target: StrictStr = "record"
    values: dict[StrictStr, Scalar | None] = Field(min_length=1)

    def build(self) -> wf.Action:
        return wf.UpdateFields(tuple((k, _plain(v)) for k, v in self.values.items()), self.target)


class CreateModel(Strict):
    kind: Literal["lead", "deal"]
    title: Text
    owner: StrictStr = "owner"
    values: dict[StrictStr, Scalar | None] = {}

    def build(self) -> wf.Action:
        values = tuple((k, _plain(v)) for k, v in self.values.items())
        return wf.CreateRecord(self.kind, self.title, values, self.owner)


class EmailModel(Strict):
    to: StrictStr = "contact"
    subject: Localized
    body: Localized

    def build(self) -> wf.Action:
        return wf.SendEmail(self.to, _localized(self.subject), _localized(self.body))


class NotifyModel(Strict):
    to: StrictStr = "owner"
    channel: StrictStr | None = None
    text: Localized

    @model_validator(mode="after")
    def channel_only_for_channels(self) -> Self:
        if self.channel is not None and self.to != "channel":
            raise ValueError(Phrase("config.problem.workflow.channel_only"))
        return self

    def build(self) -> wf.Action:
        return wf.Notify(self.to, _localized(self.text), self.channel)


class WebhookModel(Strict):
    url: WebhookUrl
    headers: dict[StrictStr, StrictStr] = {}

    def build(self) -> wf.Action:
        return wf.CallWebhook(self.url, tuple(sorted(self.headers.items())))


def _wait_shorthand(value: Any) -> Any:
    """``wait: 3d`` is ``wait: {for: 3d}``."""
    return {"for": value} if isinstance(value, str) else value


class WaitModel(Strict):
    """``{for: 3d}`` or ``{until: a date field, before|after: 1d}``."""

    for_: Duration | None = Field(None, alias="for")
    until: StrictStr | None = None
    before: Duration | None = None
    after: Duration | None = None

    @model_validator(mode="after")
    def one_kind(self) -> Self:
        if (self.for_ is None) == (self.until is None):
            raise ValueError(Phrase("config.problem.workflow.wait_kind"))
        if self.for_ is not None and (self.before or self.after):
            raise ValueError(Phrase("config.problem.workflow.wait_shift"))
        _one_side(self.before, self.after)
        return self

    def build(self) -> wf.Wait:
        if self.for_ is not None:
            return wf.Wait(seconds=parse_duration(self.for_))
        return wf.Wait(until=self.until, offset=_offset(self.before, self.after))


# -- steps ---------------------------------------------------------------------------------

ACTION_KEYS = ("activity", "update", "create", "email", "notify", "webhook")
STEP_KINDS = ("if", "wait", *ACTION_KEYS)


class StepModel(Strict):
    """One key among ``if``, ``wait`` and the actions; ``if`` may carry ``then`` / ``else``."""

    if_: ConditionModel | None = Field(None, alias="if")
    then: list[StepModel] | None = None
    else_: list[StepModel] | None = Field(None, alias="else")
    wait: Annotated[WaitModel, BeforeValidator(_wait_shorthand)] | None = None
    activity: ActivityModel | None = None
    update: UpdateModel | None = None
    create: CreateModel | None = None
    email: EmailModel | None = None
    notify: NotifyModel | None = None
    webhook: WebhookModel | None = None

    @model_validator(mode="after")
    def one_kind(self) -> Self:
        kinds = [k for k in ("if_", "wait", *ACTION_KEYS) if getattr(self, k) is not None]
        if len(kinds) != 1:
            known = ", ".join(STEP_KINDS)
            raise ValueError(Phrase("config.problem.workflow.step_kind", kinds=known))
        if self.if_ is None and (self.then is not None or self.else_ is not None):
            raise ValueError(Phrase("config.problem.workflow.then_else_need_if"))
        if self.else_ is not None and self.then is None:
            raise ValueError(Phrase("config.problem.workflow.else_needs_then"))
        return self

    def build(self) -> wf.Step:
        if self.if_ is not None:
            rule = self.if_.build()
            if self.then is None:
                return wf.Check(rule)
            then = tuple(s.build() for s in self.then)
            return wf.Branch(rule, then, tuple(s.build() for s in self.else_ or ()))
        if self.wait is not None:
            return self.wait.build()
        action = next(getattr(self, k) for k in ACTION_KEYS if getattr(self, k) is not None)
        return wf.Act(action.build())


# -- workflows -------------------------------------------------------------------------------


class WorkflowModel(Strict):
    name: Text
    description: StrictStr = ""
    owner: StrictStr | None = None
    active: StrictBool = True
    triggered_by: Literal["anyone", "owner"] = "anyone"
    timezone: StrictStr = "Europe/Paris"
    trigger: TriggerModel
    steps: list[StepModel] = Field(min_length=1)

    @model_validator(mode="after")
    def engine_rules(self) -> Self:
        raise_problems([(_loc(p.path), p.message) for p in check_workflow(self.build())])
        return self

    def build(self) -> wf.Workflow:
        return wf.Workflow(
            name=self.name,
            trigger=self.trigger.build(),
            steps=tuple(s.build() for s in self.steps),
            description=self.description,
            owner=self.owner,
            active=self.active,
            triggered_by=self.triggered_by,
            timezone=self.timezone,
        )


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _loc(path: str) -> Loc:
    """``steps[2].activity.due_from`` → ``('steps', 2, 'activity', 'due_from')``."""
    return tuple(int(i) if i else name for name, i in _PART.findall(path))


class WorkflowsFile(Strict):
    workflows: list[WorkflowModel] = []

    @model_validator(mode="after")
    def unique_names(self) -> Self:
        names = [w.name.casefold() for w in self.workflows]
        problems: list[Problem] = duplicates(names, lambda i: ("workflows", i), "name", "name")
        raise_problems(problems)
        return self

    def build(self) -> list[wf.Workflow]:
        return [w.build() for w in self.workflows]


# -- reading the file ---------------------------------------------------------------------------


def parse_workflows(data: Any, label: str) -> list[wf.Workflow]:
    """Validate YAML data; raise ``ConfigError`` with one line per problem."""
    return validated(WorkflowsFile, data, label).build()


def load_workflows(config_dir: Path) -> list[wf.Workflow]:
    """The workflows of ``config_dir/workflows.yaml`` (none when the file is absent)."""
    path = config_dir / FILE
    if not path.exists():
        return []
    data = read_yaml(path)
    return [] if data is None else parse_workflows(data, str(path))
