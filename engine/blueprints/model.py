"""A blueprint: a pipeline's sales process as states and governed transitions.

States are the pipeline's stages (by key). Each transition links source
states to a target and says who may perform it and when (*before*), what
must be supplied (*during*) and what happens next (*after*). A transition
whose source is ``*`` is a common one: it leaves from any open stage.

The model is plain frozen data; :func:`to_dict` / :func:`from_dict` give the
JSON form kept, versioned, in the database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.crm import criteria
from engine.crm.criteria import Criterion
from engine.durations import format_duration, parse_duration
from engine.text.catalogue import Phrase

ANY_STATE = "*"
NoteRule = Literal["none", "optional", "required"]


@dataclass(frozen=True, slots=True)
class Owners:
    """Who may perform a transition; nobody named means anyone."""

    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    record_owner: bool = False
    owner_manager: bool = False

    @property
    def anyone(self) -> bool:
        return not (self.roles or self.users or self.record_owner or self.owner_manager)


@dataclass(frozen=True, slots=True)
class InputField:
    """One value asked for during a transition, and where it is saved."""

    key: str
    label: str
    type: str
    required: bool = True
    field: str | None = None
    options: tuple[str, ...] = ()
    min: str | None = None
    max: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    message: str = ""
    help: str = ""


@dataclass(frozen=True, slots=True)
class During:
    fields: tuple[InputField, ...] = ()
    checklist: tuple[str, ...] = ()
    note: NoteRule = "none"
    message: str = ""

    @property
    def asks_anything(self) -> bool:
        required = any(f.required for f in self.fields)
        return required or bool(self.checklist) or self.note == "required"


@dataclass(frozen=True, slots=True)
class SetField:
    field: str
    value: Any = None
    from_input: str | None = None


@dataclass(frozen=True, slots=True)
class CreateActivity:
    kind: str
    subject: str
    due_in: int | None = None
    due_from: str | None = None
    owner: str = "owner"
    note: str = ""


@dataclass(frozen=True, slots=True)
class SendEmail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Notify:
    to: str
    text: str
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    headers: tuple[tuple[str, str], ...] = ()


Action = SetField | CreateActivity | SendEmail | Notify | Webhook
ACTION_NAMES: dict[type[Any], str] = {
    SetField: "set_field",
    CreateActivity: "activity",
    SendEmail: "email",
    Notify: "notify",
    Webhook: "webhook",
}


@dataclass(frozen=True, slots=True)
class Transition:
    key: str
    name: str
    sources: tuple[str, ...]
    target: str
    owners: Owners = field(default_factory=Owners)
    criteria: Criterion | None = None
    during: During = field(default_factory=During)
    after: tuple[Action, ...] = ()
    automatic_after: int | None = None

    @property
    def common(self) -> bool:
        return ANY_STATE in self.sources


@dataclass(frozen=True, slots=True)
class StateRule:
    """A time limit on a state: past it, the deal is escalated once per stay."""

    stage: str
    time_limit: int
    escalate_to: tuple[str, ...] = ("owner",)
    message: str = ""


@dataclass(frozen=True, slots=True)
class Blueprint:
    pipeline: str
    name: str
    transitions: tuple[Transition, ...]
    states: tuple[StateRule, ...] = ()
    entry: Criterion | None = None
    description: str = ""
    timezone: str = "Europe/Paris"
    record: str = "deal"  # "lead": states are lead statuses, ``pipeline`` is ""

    def transition(self, key: str) -> Transition | None:
        return next((t for t in self.transitions if t.key == key), None)

    def state(self, stage: str) -> StateRule | None:
        return next((s for s in self.states if s.stage == stage), None)


def leaves(transition: Transition, stage: str, open_stage: bool) -> bool:
    """Whether ``transition`` may start from ``stage`` (common ones: open stages only)."""
    if stage in transition.sources:
        return True
    return transition.common and open_stage and stage != transition.target


# -- the JSON form ------------------------------------------------------------


def leading_to(blueprint: Blueprint, source: str, is_open: bool, target: str) -> list[str]:
    """The transitions from ``source`` into ``target``, as ``name (key)`` (for the gates)."""
    return [
        f"{t.name} ({t.key})"
        for t in blueprint.transitions
        if t.target == target and leaves(t, source, is_open)
    ]


def to_dict(blueprint: Blueprint) -> dict[str, Any]:
    record = {"record": blueprint.record} if blueprint.record != "deal" else {}
    return record | {
        "pipeline": blueprint.pipeline,
        "name": blueprint.name,
        "description": blueprint.description,
        "timezone": blueprint.timezone,
        "entry": None if blueprint.entry is None else criteria.to_dict(blueprint.entry),
        "states": {s.stage: _state_dict(s) for s in blueprint.states},
        "transitions": [_transition_dict(t) for t in blueprint.transitions],
    }


def _state_dict(state: StateRule) -> dict[str, Any]:
    return {
        "time_limit": format_duration(state.time_limit),
        "escalate_to": list(state.escalate_to),
        "message": state.message,
    }


def _transition_dict(t: Transition) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": t.key,
        "name": t.name,
        "from": ANY_STATE if t.common else list(t.sources),
        "to": t.target,
        "before": {
            "owners": {
                "roles": list(t.owners.roles),
                "users": list(t.owners.users),
                "record_owner": t.owners.record_owner,
                "owner_manager": t.owners.owner_manager,
            },
            "criteria": None if t.criteria is None else criteria.to_dict(t.criteria),
        },
        "during": {
            "fields": [_input_dict(f) for f in t.during.fields],
            "checklist": list(t.during.checklist),
            "note": t.during.note,
            "message": t.during.message,
        },
        "after": [_action_dict(a) for a in t.after],
    }
    if t.automatic_after is not None:
        data["automatic"] = {"after": format_duration(t.automatic_after)}
    return data


def _input_dict(f: InputField) -> dict[str, Any]:
    data = {
        "key": f.key, "label": f.label, "type": f.type, "required": f.required,
        "field": f.field, "options": list(f.options), "min": f.min, "max": f.max,
        "min_length": f.min_length, "max_length": f.max_length, "pattern": f.pattern,
        "message": f.message, "help": f.help,
    }  # fmt: skip
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def _action_dict(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {"action": ACTION_NAMES[type(action)]}
    if isinstance(action, CreateActivity) and action.due_in is not None:
        data.update(vars_of(action), due_in=format_duration(action.due_in))
    elif isinstance(action, Webhook):
        data.update(url=action.url, headers=dict(action.headers))
    else:
        data.update(vars_of(action))
    return {k: v for k, v in data.items() if v is not None}


def vars_of(action: Action) -> dict[str, Any]:
    return {f.name: getattr(action, f.name) for f in dataclasses.fields(action)}


def from_dict(data: dict[str, Any]) -> Blueprint:
    entry = data.get("entry")
    return Blueprint(
        pipeline=data["pipeline"],
        name=data["name"],
        description=data.get("description", ""),
        timezone=data.get("timezone", "Europe/Paris"),
        entry=None if not entry else criteria.from_dict(entry),
        states=tuple(_state(k, v) for k, v in (data.get("states") or {}).items()),
        transitions=tuple(_transition(t) for t in data["transitions"]),
        record=data.get("record", "deal"),
    )


def _state(stage: str, data: dict[str, Any]) -> StateRule:
    return StateRule(
        stage,
        parse_duration(data["time_limit"]),
        tuple(data.get("escalate_to", ("owner",))),
        data.get("message", ""),
    )


def _transition(data: dict[str, Any]) -> Transition:
    before = data.get("before") or {}
    owners = before.get("owners") or {}
    during = data.get("during") or {}
    sources = data["from"]
    automatic = data.get("automatic")
    rule = before.get("criteria")
    return Transition(
        key=data["key"],
        name=data["name"],
        sources=(ANY_STATE,) if sources == ANY_STATE else tuple(sources),
        target=data["to"],
        owners=Owners(
            tuple(owners.get("roles", ())),
            tuple(owners.get("users", ())),
            bool(owners.get("record_owner", False)),
            bool(owners.get("owner_manager", False)),
        ),
        criteria=None if not rule else criteria.from_dict(rule),
        during=During(
            tuple(_input(f) for f in during.get("fields", ())),
            tuple(during.get("checklist", ())),
            during.get("note", "none"),
            during.get("message", ""),
        ),
        after=tuple(_action(a) for a in data.get("after", ())),
        automatic_after=None if not automatic else parse_duration(automatic["after"]),
    )


def _input(data: dict[str, Any]) -> InputField:
    values = dict(data)
    values["options"] = tuple(values.get("options", ()))
    return InputField(**values)


def _action(data: dict[str, Any]) -> Action:
    values = {k: v for k, v in data.items() if k != "action"}
    kind = data["action"]
    if kind == "set_field":
        return SetField(**values)
    if kind == "activity":
        if values.get("due_in") is not None:
            values["due_in"] = parse_duration(values["due_in"])
        return CreateActivity(**values)
    if kind == "email":
        return SendEmail(**values)
    if kind == "notify":
        return Notify(**values)
    if kind == "webhook":
        return Webhook(values["url"], tuple(sorted((values.get("headers") or {}).items())))
    raise ValueError(Phrase("config.problem.blueprint.unknown_action", action=repr(kind)))
