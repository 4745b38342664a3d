"""A workflow's JSON form: how a definition is kept, versioned, in the database.

Plain dicts and lists only, the inverse of each other (``from_dict(to_dict(w))
== w``); the YAML files go through :mod:`config.workflow_schema` first, which
checks them, then build the same frozen model.
"""

from __future__ import annotations

from typing import Any

from engine.crm import criteria
from engine.workflows.model import (
    ACTION_NAMES,
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
    SendEmail,
    Step,
    Trigger,
    UpdateFields,
    Wait,
    Workflow,
    localized,
)


def to_dict(workflow: Workflow) -> dict[str, Any]:
    return {
        "name": workflow.name,
        "description": workflow.description,
        "owner": workflow.owner,
        "active": workflow.active,
        "triggered_by": workflow.triggered_by,
        "timezone": workflow.timezone,
        "trigger": _trigger_dict(workflow.trigger),
        "steps": [_step_dict(s) for s in workflow.steps],
    }


def _trigger_dict(trigger: Trigger) -> dict[str, Any]:
    if isinstance(trigger, EventTrigger):
        data: dict[str, Any] = {"entity": trigger.entity, "event": trigger.event}
        if trigger.fields:
            data["fields"] = list(trigger.fields)
        return data
    return {
        "entity": trigger.entity,
        "date": trigger.field,
        "offset": trigger.offset,
        "at": trigger.at,
    }


def _step_dict(step: Step) -> dict[str, Any]:
    if isinstance(step, Check):
        return {"if": criteria.to_dict(step.criterion)}
    if isinstance(step, Branch):
        return {
            "if": criteria.to_dict(step.criterion),
            "then": [_step_dict(s) for s in step.then],
            "else": [_step_dict(s) for s in step.otherwise],
        }
    if isinstance(step, Wait):
        return {"wait": {"seconds": step.seconds, "until": step.until, "offset": step.offset}}
    action = step.action
    return {ACTION_NAMES[type(action)]: _action_dict(action)}


def _action_dict(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in action.__dataclass_fields__:
        value = getattr(action, name)
        if name in ("values", "headers"):
            value = [list(pair) for pair in value]
        elif name in ("subject", "body", "text") and isinstance(value, tuple):
            value = dict(value)
        data[name] = value
    return data


def from_dict(data: dict[str, Any]) -> Workflow:
    return Workflow(
        name=data["name"],
        description=data.get("description", ""),
        owner=data.get("owner"),
        active=bool(data.get("active", True)),
        triggered_by="owner" if data.get("triggered_by") == "owner" else "anyone",
        timezone=data.get("timezone", "Europe/Paris"),
        trigger=_trigger_from(data["trigger"]),
        steps=tuple(_step_from(s) for s in data.get("steps", [])),
    )


def _trigger_from(data: dict[str, Any]) -> Trigger:
    if "date" in data:
        return DateTrigger(data["entity"], data["date"], int(data["offset"]), data["at"])
    return EventTrigger(data["entity"], data["event"], tuple(data.get("fields", ())))


def _step_from(data: dict[str, Any]) -> Step:
    if "if" in data:
        rule = criteria.from_dict(data["if"])
        if "then" not in data:
            return Check(rule)
        then = tuple(_step_from(s) for s in data["then"])
        return Branch(rule, then, tuple(_step_from(s) for s in data.get("else", [])))
    if "wait" in data:
        wait = data["wait"]
        return Wait(wait.get("seconds"), wait.get("until"), int(wait.get("offset") or 0))
    (name, fields), *_ = data.items()
    return Act(_action_from(name, fields))


def _action_from(name: str, data: dict[str, Any]) -> Action:
    values = tuple((str(k), v) for k, v in data.get("values", []))
    if name == "activity":
        return CreateActivity(**data)
    if name == "update":
        return UpdateFields(values, data.get("target", "record"))
    if name == "create":
        return CreateRecord(data["kind"], data["title"], values, data.get("owner", "owner"))
    if name == "email":
        return SendEmail(data["to"], localized(data["subject"]), localized(data["body"]))
    if name == "notify":
        return Notify(data["to"], localized(data["text"]), data.get("channel"))
    if name == "webhook":
        headers = tuple((str(k), str(v)) for k, v in data.get("headers", []))
        return CallWebhook(data["url"], headers)
    raise ValueError(f"unknown workflow action {name!r}")
