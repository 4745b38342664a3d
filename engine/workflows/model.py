"""Workflows as data: a trigger, then steps (conditions, branches, actions, delays).

A workflow reacts to a record's event (a deal created, a lead converted, a
deal's stage changed…) or to a date field being reached, checks conditions
on the record and on the change, and acts: creates an activity, updates
fields, creates a lead or a deal, sends an e-mail, posts a Slack
notification, calls a webhook — with durable waits in between.

Everything here is plain frozen data with a JSON form (kept, versioned, in
the database). Conditions are :mod:`engine.crm.criteria` trees plus the change
operators of :data:`CHANGE_OPS`; nothing is ever evaluated as code. The
steps are compiled (:func:`compile_steps`) into a flat program whose
position is a single number, so a run waiting for days resumes exactly
where it stopped. The JSON form itself is :mod:`engine.workflows.codec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.crm import criteria
from engine.crm.criteria import Criterion
from engine.durations import format_duration, parse_duration

ENTITIES = ("contact", "organisation", "lead", "deal", "activity", "quote")
BASIC_EVENTS = ("created", "updated", "deleted")
NAMED_EVENTS: dict[str, tuple[str, ...]] = {
    "deal": ("stage_changed", "won", "lost", "escalated"),
    "lead": ("converted", "escalated"),
    "quote": ("status_changed",),
}
# Timeline actions that are an update of their record (an ``updated`` trigger sees them).
UPDATE_ACTIONS = frozenset({"updated", "stage_changed", "converted", "status_changed"})
CHANGE_OPS = ("changed", "not_changed", "changed_to", "changed_from")
OPERATORS = (*criteria.OPERATORS, *CHANGE_OPS)
TriggeredBy = Literal["anyone", "owner"]


def events_for(entity: str) -> tuple[str, ...]:
    return (*BASIC_EVENTS, *NAMED_EVENTS.get(entity, ()))


# -- triggers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventTrigger:
    """``entity`` × ``event``; for updates, optionally only when ``fields`` changed."""

    entity: str
    event: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DateTrigger:
    """A date field reached, ``offset`` seconds after it (negative: before).

    A date without a time (``expected_close``) is reached at ``at`` o'clock
    in the workflow's time zone.
    """

    entity: str
    field: str
    offset: int = 0
    at: str = "09:00"


Trigger = EventTrigger | DateTrigger


# -- actions ---------------------------------------------------------------------

# A text per language: ``(("fr", "Bonjour"), ("en", "Hello"))``; ``*`` for any language.
Localized = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CreateActivity:
    kind: str
    subject: str
    note: str = ""
    due_in: int | None = None
    due_from: str | None = None
    due_offset: int = 0
    owner: str = "owner"
    attach_to: str = "record"


@dataclass(frozen=True, slots=True)
class UpdateFields:
    values: tuple[tuple[str, Any], ...]
    target: str = "record"


@dataclass(frozen=True, slots=True)
class CreateRecord:
    kind: Literal["lead", "deal"]
    title: str
    values: tuple[tuple[str, Any], ...] = ()
    owner: str = "owner"


@dataclass(frozen=True, slots=True)
class SendEmail:
    to: str
    subject: Localized
    body: Localized


@dataclass(frozen=True, slots=True)
class Notify:
    to: str
    text: Localized
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class CallWebhook:
    url: str
    headers: tuple[tuple[str, str], ...] = ()


Action = CreateActivity | UpdateFields | CreateRecord | SendEmail | Notify | CallWebhook
ACTION_NAMES: dict[type[Any], str] = {
    CreateActivity: "activity",
    UpdateFields: "update",
    CreateRecord: "create",
    SendEmail: "email",
    Notify: "notify",
    CallWebhook: "webhook",
}


# -- steps -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """A condition: when it does not hold, the run stops (and says which part failed)."""

    criterion: Criterion


@dataclass(frozen=True, slots=True)
class Branch:
    criterion: Criterion
    then: tuple[Step, ...] = ()
    otherwise: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Wait:
    """Wait ``seconds``, or until the date field ``until`` (shifted by ``offset``)."""

    seconds: int | None = None
    until: str | None = None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Act:
    action: Action


Step = Check | Branch | Wait | Act


@dataclass(frozen=True, slots=True)
class Workflow:
    name: str
    trigger: Trigger
    steps: tuple[Step, ...]
    description: str = ""
    owner: str | None = None
    active: bool = True
    triggered_by: TriggeredBy = "anyone"
    timezone: str = "Europe/Paris"


# -- the program a run executes ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instr:
    """One instruction: ``check`` / ``branch`` (jump to ``target`` when false) / ``jump``
    / ``act`` / ``wait``. ``path`` names the step in the definition (``steps[2].then[0]``)."""

    op: Literal["check", "branch", "jump", "act", "wait"]
    path: str
    criterion: Criterion | None = None
    target: int = 0
    action: Action | None = None
    wait: Wait | None = None


def compile_steps(steps: tuple[Step, ...], path: str = "steps") -> tuple[Instr, ...]:
    program: list[Instr] = []
    _emit(program, steps, path)
    return tuple(program)


def _emit(program: list[Instr], steps: tuple[Step, ...], path: str) -> None:
    for index, step in enumerate(steps):
        where = f"{path}[{index}]"
        if isinstance(step, Check):
            program.append(Instr("check", where, criterion=step.criterion))
        elif isinstance(step, Wait):
            program.append(Instr("wait", where, wait=step))
        elif isinstance(step, Act):
            program.append(Instr("act", where, action=step.action))
        else:
            _emit_branch(program, step, where)


def _emit_branch(program: list[Instr], step: Branch, where: str) -> None:
    test = len(program)
    program.append(Instr("branch", where, criterion=step.criterion))
    _emit(program, step.then, f"{where}.then")
    jump = len(program)
    if step.otherwise:
        program.append(Instr("jump", where))
    program[test] = Instr("branch", where, criterion=step.criterion, target=len(program))
    _emit(program, step.otherwise, f"{where}.else")
    if step.otherwise:
        program[jump] = Instr("jump", where, target=len(program))


def walk(steps: tuple[Step, ...], path: str = "steps") -> list[tuple[str, Step]]:
    """Every step with its path, branches included (for checks and display)."""
    found: list[tuple[str, Step]] = []
    for index, step in enumerate(steps):
        where = f"{path}[{index}]"
        found.append((where, step))
        if isinstance(step, Branch):
            found += walk(step.then, f"{where}.then") + walk(step.otherwise, f"{where}.else")
    return found


def pick(text: Localized, locale: str, fallback: str = "fr") -> str:
    """The text in ``locale``, else in ``fallback``, else the any-language or first one."""
    found = dict(text)
    for key in (locale, "*", fallback):
        if key in found:
            return found[key]
    return text[0][1] if text else ""


# -- texts in several languages -----------------------------------------------------


def _localized(value: Any) -> Localized:
    if isinstance(value, dict):
        return tuple((str(k), str(v)) for k, v in value.items())
    return (("*", str(value)),)


def localized(value: str | dict[str, str]) -> Localized:
    return _localized(value)


# -- reading back for people ------------------------------------------------------


def describe_trigger(trigger: Trigger) -> str:
    """``deal stage_changed (stage)``, ``deal expected_close -2d at 09:00``."""
    if isinstance(trigger, EventTrigger):
        watched = f" ({', '.join(trigger.fields)})" if trigger.fields else ""
        return f"{trigger.entity} {trigger.event}{watched}"
    shift = ""
    if trigger.offset:
        sign = "-" if trigger.offset < 0 else "+"
        shift = f" {sign}{format_duration(abs(trigger.offset))}"
    return f"{trigger.entity} {trigger.field}{shift} at {trigger.at}"


def describe_step(step: Step) -> str:
    if isinstance(step, Check):
        return f"if {describe_criterion(step.criterion)}"
    if isinstance(step, Branch):
        return f"if {describe_criterion(step.criterion)} then … else …"
    if isinstance(step, Wait):
        return describe_wait(step)
    return describe_action(step.action)


def describe_wait(wait: Wait) -> str:
    if wait.seconds is not None:
        return f"wait {format_duration(wait.seconds)}"
    shift = ""
    if wait.offset:
        shift = f" {'-' if wait.offset < 0 else '+'}{format_duration(abs(wait.offset))}"
    return f"wait until {wait.until}{shift}"


def describe_action(action: Action) -> str:
    if isinstance(action, CreateActivity):
        return f"activity {action.kind} “{action.subject}” for {action.owner}"
    if isinstance(action, UpdateFields):
        shown = ", ".join(f"{k} = {v}" for k, v in action.values)
        return f"update {action.target}: {shown}"
    if isinstance(action, CreateRecord):
        return f"create {action.kind} “{action.title}”"
    if isinstance(action, SendEmail):
        return f"e-mail to {action.to}: “{pick(action.subject, 'fr')}”"
    if isinstance(action, Notify):
        where = f"channel {action.channel}" if action.to == "channel" else action.to
        return f"notify {where}: “{pick(action.text, 'fr')}”"
    return f"webhook {action.url}"


def describe_criterion(criterion: Criterion) -> str:
    """Like :func:`criteria.describe`, with the change operators in words."""
    if isinstance(criterion, criteria.Condition) and criterion.op in CHANGE_OPS:
        words = criterion.op.replace("_", " ")
        if criterion.op in ("changed", "not_changed"):
            return f"{criterion.field} {words}"
        return f"{criterion.field} {words} {criterion.value}"
    if isinstance(criterion, criteria.Group):
        joiner = " and " if criterion.mode == "all" else " or "
        text = joiner.join(describe_criterion(item) for item in criterion.items)
        return f"({text})" if len(criterion.items) > 1 else text
    return criteria.describe(criterion)


def duration(text: str | int) -> int:
    """Seconds in ``15m`` / ``3d`` (an int passes through)."""
    return text if isinstance(text, int) else parse_duration(text)


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Definition:
    """A stored version: the workflow and its compiled program."""

    workflow: Workflow
    program: tuple[Instr, ...] = field(default=())

    @classmethod
    def of(cls, workflow: Workflow) -> Definition:
        return cls(workflow, compile_steps(workflow.steps))
