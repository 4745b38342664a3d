"""Checking a workflow before it is saved: every problem, each with its path.

Unknown fields, placeholders, targets or operators are caught when the YAML
is loaded (``steps[2].activity.due_from: not a date field of a lead``),
never when the workflow runs. Each reason is a catalogue phrase
(``config.problem.wf_*``): ``config check`` and the adapters show it in the
reader's language, logs read its English.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine import templates
from engine.clock import zone
from engine.crm import activities, criteria
from engine.crm.criteria import Condition
from engine.text.catalogue import Phrase, has
from engine.workflows.conditions import ACTOR_FIELDS
from engine.workflows.model import (
    CHANGE_OPS,
    ENTITIES,
    OPERATORS,
    Act,
    Action,
    Branch,
    CallWebhook,
    Check,
    CreateActivity,
    CreateRecord,
    DateTrigger,
    EventTrigger,
    Notify,
    Problem,
    SendEmail,
    UpdateFields,
    Wait,
    Workflow,
    events_for,
    walk,
)
from engine.workflows.updates import writable
from engine.workflows.values import (
    KIND_OF,
    RELATED,
    date_kind,
    field_known,
    placeholder_known,
)

PEOPLE = ("owner", "actor", "workflow_owner")
CREATE_VALUES = {
    "lead": ("note", "origin", "campaign"),
    "deal": (
        "pipeline", "stage", "expected_revenue", "budget", "priority", "expected_close",
        "origin", "campaign", "referred_by",
    ),
}  # fmt: skip
MAX_STEPS = 50
PREFIX = "config.problem.wf_"


def wrong(key: str, /, **params: object) -> str:
    """The problem ``config.problem.wf_<key>``: English in logs, the reader's language
    where ``config check`` or an adapter renders it."""
    return Phrase(PREFIX + key, **params)


def a(entity: str) -> str:
    """A record kind with its article ("a deal", "une affaire"), the kind itself otherwise."""
    key = f"{PREFIX}a_{entity}"
    return Phrase(key) if has(key) else Phrase(PREFIX + "a_other", kind=entity)


def check_workflow(workflow: Workflow) -> list[Problem]:
    problems = list(_general(workflow))
    entity = workflow.trigger.entity
    if entity not in ENTITIES:
        return [
            *problems,
            Problem("trigger.entity", wrong("choose_one", choices=", ".join(ENTITIES))),
        ]
    problems += _trigger(workflow)
    steps = walk(workflow.steps)
    if len(steps) > MAX_STEPS:
        problems.append(Problem("steps", wrong("max_steps", limit=MAX_STEPS)))
    for path, step in steps:
        problems += _step(entity, path, step)
    return problems


def _general(workflow: Workflow) -> Iterator[Problem]:
    if not workflow.name.strip():
        yield Problem("name", wrong("name_required"))
    if workflow.triggered_by == "owner" and not workflow.owner:
        yield Problem("triggered_by", wrong("owner_needed"))
    try:
        zone(workflow.timezone)
    except ValueError:
        yield Problem("timezone", wrong("unknown_timezone", name=repr(workflow.timezone)))


def _trigger(workflow: Workflow) -> list[Problem]:
    trigger = workflow.trigger
    entity = trigger.entity
    if isinstance(trigger, EventTrigger):
        found = []
        if trigger.event not in events_for(entity):
            events = ", ".join(events_for(entity))
            found.append(Problem("trigger.event", wrong("events", entity=a(entity), events=events)))
        found += [
            Problem(f"trigger.fields[{i}]", _not_field(entity, name))
            for i, name in enumerate(trigger.fields)
            if not field_known(entity, name)
        ]
        return found
    assert isinstance(trigger, DateTrigger)
    if date_kind(entity, trigger.field) is None:
        return [Problem("trigger.date", _not_date(entity, trigger.field))]
    return []


def _not_date(entity: str, name: str) -> str:
    return wrong("not_date", name=repr(name), entity=a(entity))


def _not_field(entity: str, name: str) -> str:
    return wrong("not_field", name=repr(name), entity=a(entity))


def _step(entity: str, path: str, step: object) -> list[Problem]:
    if isinstance(step, Check | Branch):
        return _criterion(entity, f"{path}.if", step.criterion)
    if isinstance(step, Wait):
        return _wait(entity, path, step)
    assert isinstance(step, Act)
    return _action(entity, path, step.action)


def _criterion(entity: str, path: str, rule: criteria.Criterion) -> list[Problem]:
    found: list[Problem] = []
    for where, leaf in criteria.conditions(rule, path):
        found += _condition(entity, where, leaf)
    return found


def _condition(entity: str, path: str, leaf: Condition) -> list[Problem]:
    if leaf.op not in OPERATORS:
        return [Problem(f"{path}.op", wrong("unknown_operator", op=repr(leaf.op)))]
    name = leaf.field
    if name in ACTOR_FIELDS:
        if leaf.op in CHANGE_OPS:
            return [Problem(f"{path}.op", wrong("actor_unchanging"))]
        return []
    bare = name.removeprefix("old.").removeprefix("new.")
    if bare != name and leaf.op in CHANGE_OPS:
        return [Problem(f"{path}.field", wrong("use_bare", name=repr(bare), op=leaf.op))]
    if not field_known(entity, bare):
        return [Problem(f"{path}.field", _not_field(entity, bare))]
    return []


def _wait(entity: str, path: str, wait: Wait) -> list[Problem]:
    if wait.seconds is None and wait.until is None:
        return [Problem(f"{path}.wait", wrong("wait_kind"))]
    if wait.until is not None and date_kind(entity, wait.until) is None:
        return [Problem(f"{path}.wait.until", _not_date(entity, wait.until))]
    return []


def _action(entity: str, path: str, action: Action) -> list[Problem]:
    if isinstance(action, CreateActivity):
        return _activity(entity, f"{path}.activity", action)
    if isinstance(action, UpdateFields):
        return _update(entity, f"{path}.update", action)
    if isinstance(action, CreateRecord):
        return _create(entity, f"{path}.create", action)
    if isinstance(action, SendEmail):
        found = _recipient(entity, f"{path}.email.to", action.to, ("contact", "referrer"))
        texts = [("subject", t) for _, t in action.subject] + [("body", t) for _, t in action.body]
        return found + _texts(entity, f"{path}.email", texts)
    if isinstance(action, Notify):
        return _notify(entity, f"{path}.notify", action)
    assert isinstance(action, CallWebhook)
    if not action.url.startswith(("http://", "https://")):
        return [Problem(f"{path}.webhook.url", wrong("url_scheme"))]
    return []


def _activity(entity: str, path: str, action: CreateActivity) -> list[Problem]:
    found: list[Problem] = []
    if action.kind not in activities.KINDS:
        found.append(
            Problem(f"{path}.kind", wrong("choose_one", choices=", ".join(activities.KINDS)))
        )
    target = action.attach_to
    on_record = target == "record" and entity != "organisation"
    if not on_record and target not in _relations(entity, ("deal", "lead", "contact", "referrer")):
        why = wrong("no_attach", entity=a(entity), target=target)
        found.append(Problem(f"{path}.attach_to", why))
    if action.due_from is not None and date_kind(entity, action.due_from) is None:
        found.append(Problem(f"{path}.due_from", _not_date(entity, action.due_from)))
    found += _recipient(entity, f"{path}.owner", action.owner, ())
    return found + _texts(entity, path, [("subject", action.subject), ("note", action.note)])


def _relations(entity: str, allowed: tuple[str, ...]) -> list[str]:
    return [name for name in RELATED[entity] if name in allowed]


def _update(entity: str, path: str, action: UpdateFields) -> list[Problem]:
    target = entity
    if action.target != "record":
        if action.target not in RELATED[entity] or KIND_OF.get(action.target) == "user":
            why = wrong("no_update_target", entity=a(entity), target=action.target)
            return [Problem(f"{path}.target", why)]
        target = KIND_OF.get(action.target, action.target)
    if not action.values:
        return [Problem(f"{path}.values", wrong("values_empty"))]
    found = [
        Problem(f"{path}.values.{name}", wrong("not_settable", name=repr(name), entity=a(target)))
        for name, _ in action.values
        if not writable(target, name)
    ]
    texts = [(f"values.{n}", v) for n, v in action.values if isinstance(v, str)]
    return found + _texts(entity, path, texts)


def _create(entity: str, path: str, action: CreateRecord) -> list[Problem]:
    allowed = CREATE_VALUES.get(action.kind)
    if allowed is None:
        return [Problem(f"{path}.kind", wrong("create_kind"))]
    found = [
        Problem(f"{path}.values.{name}", wrong(f"not_on_new_{action.kind}", name=repr(name)))
        for name, _ in action.values
        if name not in allowed and not name.startswith("custom.")
    ]
    found += _recipient(entity, f"{path}.owner", action.owner, ())
    texts = [("title", action.title)]
    texts += [(f"values.{n}", v) for n, v in action.values if isinstance(v, str)]
    return found + _texts(entity, path, texts)


def _notify(entity: str, path: str, action: Notify) -> list[Problem]:
    found: list[Problem] = []
    if action.to == "channel" and not action.channel:
        found.append(Problem(f"{path}.channel", wrong("channel_name")))
    elif action.to != "channel":
        found += _recipient(entity, f"{path}.to", action.to, ())
    return found + _texts(entity, path, [("text", t) for _, t in action.text])


def _recipient(entity: str, path: str, who: str, contacts: tuple[str, ...]) -> list[Problem]:
    """People are ``owner``, ``actor``, ``workflow_owner`` or a user's e-mail or Slack id."""
    if who in PEOPLE or who in _relations(entity, contacts):
        return []
    if who in ("contact", "referrer"):
        return [Problem(path, wrong("no_relation", entity=a(entity), who=who))]
    if not who.strip() or " " in who.strip():
        return [Problem(path, wrong("not_person", who=repr(who)))]
    return []


def _texts(entity: str, path: str, texts: list[tuple[str, str]]) -> list[Problem]:
    return [
        Problem(f"{path}.{where}", wrong("unknown_placeholder", name=f"{{{name}}}"))
        for where, text in texts
        for name in templates.names(text)
        if not placeholder_known(entity, name)
    ]
