"""Is a signed Slack payload shaped as Slack sends it? (pure functions)

A valid signature says who sent a request, not that its content is sane: a
replayed, hand-made or buggy request can carry a JSON array, a view without
its user or a ``private_metadata`` that is not ours. The listeners read
payloads as Slack documents them, so :func:`problem` checks that shape once,
at the door, and the request is answered 400 with the reason logged —
instead of a listener failing halfway with a traceback and a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Check = Callable[[dict[str, Any]], str | None]


class Malformed(ValueError):
    """A payload a listener found unreadable after the door: answered 400 too."""


def problem(body: Any) -> str | None:
    """Why ``body`` (the parsed request) is not a payload Relais can read, or None."""
    if not isinstance(body, dict):
        return f"the body is {type(body).__name__}, not an object"
    if "command" in body:
        return _command(body)
    if "ssl_check" in body:
        return None
    kind = body.get("type")
    if not isinstance(kind, str):
        return "neither a command nor a typed payload"
    if kind == "event_callback":
        event = body.get("event")
        return None if isinstance(event, dict) and _text(event.get("type")) else "a bad event"
    check = CHECKS.get(kind)
    return None if check is None else check(body)


def _command(body: dict[str, Any]) -> str | None:
    if not _text(body.get("user_id")):
        return "a command without user_id"
    return None if isinstance(body.get("text", ""), str) else "a command whose text is not text"


def _user(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return f"{body['type']} without user.id"
    return None


def _actions(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "block_actions without actions"
    first = actions[0]
    if not isinstance(first, dict) or not _text(first.get("action_id")):
        return "block_actions whose first action has no action_id"
    return _optional_view(body) or _optional_dict(body, "channel")


def _submission(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
        return f"{body['type']} without its view's callback_id"
    return view_problem(view)


def _suggestion(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("action_id"), str):
        return "block_suggestion without action_id"
    return _optional_view(body)


def _optional_view(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    if view is None:
        return None
    return view_problem(view) if isinstance(view, dict) else "a view that is not an object"


def _optional_dict(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return None if value is None or isinstance(value, dict) else f"{key} is not an object"


def view_problem(view: dict[str, Any]) -> str | None:
    """What is wrong with a view a payload carries: blocks, state, private_metadata."""
    if not isinstance(view.get("blocks", []), list):
        return "view.blocks is not a list"
    return _state(view.get("state")) or _metadata(view.get("private_metadata"))


def _state(state: Any) -> str | None:
    if state is None:
        return None
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "view.state.values is not an object"
    for elements in values.values():
        states = elements.values() if isinstance(elements, dict) else None
        if states is None or not all(isinstance(e, dict) for e in states):
            return "view.state.values holds something that is not an input's state"
    return None


def _metadata(text: Any) -> str | None:
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        return "private_metadata is not text"
    try:
        loaded = json.loads(text)
    except ValueError:
        return "private_metadata is not Relais' JSON"
    return None if isinstance(loaded, dict) else "private_metadata is not a JSON object"


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


CHECKS: dict[str, Check] = {
    "block_actions": lambda b: _user(b) or _actions(b),
    "view_submission": lambda b: _user(b) or _submission(b),
    "view_closed": lambda b: _user(b) or _submission(b),
    "block_suggestion": lambda b: _user(b) or _suggestion(b),
    "shortcut": _user,
    "message_action": _user,
}
