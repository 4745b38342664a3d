"""Block Kit limits real Slack enforces, checked on every payload the fake Slack receives.

A fake that accepts what Slack refuses hides the worst kind of bug: the test
passes, and in production the rep sees a generic error or a modal stuck on
"loading". Each function here returns the problems of one payload, one line
each (empty: Slack would take it): first slack_sdk's own model validation,
then the limits slack_sdk does not check (PLATFORM-NOTES, section 11).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
CHOICE_OPTIONS = 10  # checkboxes, radio_buttons
SELECT_OPTIONS = 100  # static_select, multi_static_select; past that, external_select
OVERFLOW_OPTIONS = 5
OPTION_TEXT = 75
OPTION_VALUE = 150
VIEW_TEXT = 24  # a modal's title, submit, close
METADATA = 3000
ID_LENGTH = 255  # action_id, block_id, callback_id
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
STATIC = ("static_select", "multi_static_select", "checkboxes", "radio_buttons", "overflow")
OPTION_COUNTS = {
    "checkboxes": CHOICE_OPTIONS, "radio_buttons": CHOICE_OPTIONS, "overflow": OVERFLOW_OPTIONS,
    "static_select": SELECT_OPTIONS, "multi_static_select": SELECT_OPTIONS,
}  # fmt: skip
ELEMENTS = frozenset({
    "button", "checkboxes", "radio_buttons", "static_select", "multi_static_select",
    "external_select", "multi_external_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select",
    "multi_channels_select", "overflow", "datepicker", "datetimepicker", "timepicker",
    "plain_text_input", "email_text_input", "url_text_input", "number_input", "file_input",
    "rich_text_input", "image", "mrkdwn", "plain_text",
})  # fmt: skip


# -- public checks --------------------------------------------------------------


def message_problems(payload: Mapping[str, Any]) -> list[str]:
    """A message (chat.postMessage, chat.update, chat.postEphemeral, a response_url post)."""
    blocks = payload.get("blocks")
    if blocks in (None, ""):
        return [] if payload.get("text") or payload.get("delete_original") else ["no text"]
    if not isinstance(blocks, list):
        return [f"blocks: not a list: {type(blocks).__name__}"]
    problems = _count(blocks, MESSAGE_BLOCKS, "a message")
    return problems + _sdk_blocks(blocks) + _walk_blocks(blocks)


def view_problems(view: Any) -> list[str]:
    """A modal (views.open, views.update, views.push, a submission's ``update``) or Home tab."""
    if not isinstance(view, Mapping):
        return [f"view: not an object: {type(view).__name__}"]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["view.blocks: missing or not a list"]
    problems = _count(blocks, VIEW_BLOCKS, f"a {view.get('type')} view")
    problems += _sdk_view(view) + _view_texts(view) + _walk_blocks(blocks)
    return problems


def errors_problems(view: Mapping[str, Any], errors: Any) -> list[str]:
    """``response_action: errors``: every key must be an input block of the view on screen."""
    if not isinstance(errors, Mapping) or not errors:
        return ["errors: an object of at least one block_id → message"]
    inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    return [
        f"errors[{key!r}]: not an input block_id of the view" for key in errors if key not in inputs
    ]


def options_problems(answer: Any) -> list[str]:
    """The answer to a ``block_suggestion`` (an external select's options)."""
    if not isinstance(answer, Mapping):
        return ["options answer: not an object"]
    options, groups = answer.get("options"), answer.get("option_groups")
    if options is None and groups is None:
        return ["options answer: neither options nor option_groups"]
    problems: list[str] = []
    if options is not None:
        problems += _option_list(options, SELECT_OPTIONS, "options")
    for index, group in enumerate(groups or []):
        problems += _option_list(group.get("options"), SELECT_OPTIONS, f"option_groups[{index}]")
    return problems


def submission_answer_problems(view: Mapping[str, Any], answer: Any) -> list[str]:
    """What the bot acked a ``view_submission`` of ``view`` with."""
    if not isinstance(answer, Mapping) or "response_action" not in answer:
        return []
    action = answer["response_action"]
    if action == "errors":
        return errors_problems(view, answer.get("errors"))
    if action in ("update", "push"):
        return view_problems(answer.get("view"))
    if action == "clear":
        return []
    return [f"response_action: unknown {action!r}"]


# -- slack_sdk's own validation -------------------------------------------------------


def _sdk_blocks(blocks: Sequence[Any]) -> list[str]:
    problems: list[str] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            problems.append(f"blocks[{index}]: not an object")
            continue
        parsed = Block.parse(dict(block))
        if parsed is None:
            problems.append(f"blocks[{index}]: unknown block type {block.get('type')!r}")
            continue
        problems += _formation(parsed.to_dict, f"blocks[{index}]")
    return problems


def _sdk_view(view: Mapping[str, Any]) -> list[str]:
    known = {k: v for k, v in view.items() if k != "state"}
    try:
        parsed = View(**known)
    except (TypeError, ValueError) as exc:
        return [f"view: {exc}"]
    problems = _formation(parsed.to_dict, "view")
    unknown = [i for i, b in enumerate(view.get("blocks") or []) if Block.parse(b) is None]
    return problems + [f"view.blocks[{i}]: unknown block type" for i in unknown]


def _formation(to_dict: Any, where: str) -> list[str]:
    try:
        to_dict()
    except SlackObjectFormationError as exc:
        return [f"{where}: {exc}"]
    except (TypeError, ValueError, AttributeError) as exc:
        return [f"{where}: malformed ({exc!r})"]
    return []


# -- the limits slack_sdk does not check -----------------------------------------------


def _count(blocks: Sequence[Any], limit: int, what: str) -> list[str]:
    if len(blocks) > limit:
        return [f"{len(blocks)} blocks in {what} (at most {limit})"]
    return []


def _view_texts(view: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            text = _text_of(view.get(key))
            if len(text) > VIEW_TEXT:
                problems.append(f"view.{key}: {len(text)} characters (at most {VIEW_TEXT})")
    metadata = view.get("private_metadata") or ""
    if len(str(metadata)) > METADATA:
        problems.append(f"view.private_metadata: {len(str(metadata))} characters (at most 3000)")
    problems += _id_length(view.get("callback_id"), "view.callback_id")
    return problems


def _walk_blocks(blocks: Sequence[Any]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        where = f"blocks[{index}]"
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(f"{where}.block_id: {block_id!r} is used twice")
            seen.add(block_id)
        problems += _id_length(block_id, f"{where}.block_id")
        problems += _block(block, where)
    return problems


def _block(block: Mapping[str, Any], where: str) -> list[str]:
    kind = block.get("type")
    problems: list[str] = []
    if kind == "section":
        problems += _max_text(block.get("text"), SECTION_TEXT, f"{where}.text")
        for index, cell in enumerate(block.get("fields") or []):
            problems += _max_text(cell, FIELD_TEXT, f"{where}.fields[{index}]")
    elif kind == "header":
        problems += _max_text(block.get("text"), HEADER_TEXT, f"{where}.text")
    action_ids: set[str] = set()
    for path, element in _elements(block, where):
        problems += _element(element, path)
        action_id = element.get("action_id")
        if isinstance(action_id, str) and action_id in action_ids:
            problems.append(f"{path}.action_id: {action_id!r} is used twice in the block")
        if isinstance(action_id, str):
            action_ids.add(action_id)
    return problems


def _elements(block: Mapping[str, Any], where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(block.get("accessory"), Mapping):
        yield f"{where}.accessory", block["accessory"]
    if isinstance(block.get("element"), Mapping):
        yield f"{where}.element", block["element"]
    if block.get("type") in ("actions", "context"):
        for index, element in enumerate(block.get("elements") or []):
            if isinstance(element, Mapping):
                yield f"{where}.elements[{index}]", element


def _element(element: Mapping[str, Any], where: str) -> list[str]:
    kind = element.get("type")
    if kind not in ELEMENTS:
        return [f"{where}: unknown element type {kind!r}"]
    problems = _id_length(element.get("action_id"), f"{where}.action_id")
    if kind in OPTION_COUNTS:
        problems += _option_list(element.get("options"), OPTION_COUNTS[str(kind)], where)
        problems += _initial_options(element, where)
    elif "options" in element or "option_groups" in element:
        problems.append(f"{where}: a {kind} takes no options (they come from the app)")
    for key in ("initial_option", "initial_options"):
        chosen = element.get(key)
        for option in chosen if isinstance(chosen, list) else [chosen] if chosen else []:
            problems += _option(option, f"{where}.{key}")
    if kind == "number_input":
        problems += _number(element, where)
    return problems


def _option_list(options: Any, limit: int, where: str) -> list[str]:
    if not isinstance(options, list):
        return [f"{where}.options: missing or not a list"]
    problems = (
        [f"{where}: {len(options)} options (at most {limit})"] if len(options) > limit else []
    )
    for index, option in enumerate(options):
        problems += _option(option, f"{where}.options[{index}]")
    return problems


def _option(option: Any, where: str) -> list[str]:
    if not isinstance(option, Mapping):
        return [f"{where}: not an object"]
    text, value = _text_of(option.get("text")), option.get("value")
    problems: list[str] = []
    if not text:
        problems.append(f"{where}.text: empty")
    if len(text) > OPTION_TEXT:
        problems.append(f"{where}.text: {len(text)} characters (at most {OPTION_TEXT})")
    if not isinstance(value, str) or not value:
        problems.append(f"{where}.value: missing")
    elif len(value) > OPTION_VALUE:
        problems.append(f"{where}.value: {len(value)} characters (at most {OPTION_VALUE})")
    return problems


def _initial_options(element: Mapping[str, Any], where: str) -> list[str]:
    """A static element's initial options must be among its options."""
    if element.get("type") not in STATIC:
        return []
    offered = [_key(o) for o in element.get("options") or [] if isinstance(o, Mapping)]
    chosen = element.get("initial_options") or []
    if element.get("initial_option"):
        chosen = [element["initial_option"]]
    missing = [o for o in chosen if not isinstance(o, Mapping) or _key(o) not in offered]
    return [f"{where}: initial option {_key(o)!r} is not one of the options" for o in missing]


def _key(option: Mapping[str, Any]) -> tuple[str, str]:
    return _text_of(option.get("text")), str(option.get("value"))


def _number(element: Mapping[str, Any], where: str) -> list[str]:
    decimal = element.get("is_decimal_allowed")
    if not isinstance(decimal, bool):
        return [f"{where}.is_decimal_allowed: required (true or false)"]
    pattern = DECIMAL if decimal else INTEGER
    kind = "a decimal number" if decimal else "an integer (is_decimal_allowed is false)"
    problems: list[str] = []
    for key in ("initial_value", "min_value", "max_value"):
        value = element.get(key)
        if value is not None and not (isinstance(value, str) and pattern.match(value)):
            problems.append(f"{where}.{key}: {value!r} is not {kind}")
    return problems


def _id_length(value: Any, where: str) -> list[str]:
    if isinstance(value, str) and len(value) > ID_LENGTH:
        return [f"{where}: {len(value)} characters (at most {ID_LENGTH})"]
    return []


def _max_text(text: Any, limit: int, where: str) -> list[str]:
    length = len(_text_of(text))
    return [f"{where}: {length} characters (at most {limit})"] if length > limit else []


def _text_of(text: Any) -> str:
    if isinstance(text, Mapping):
        return str(text.get("text") or "")
    return "" if text is None else str(text)
