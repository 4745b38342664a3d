"""Modal inputs from a transition's *During* fields, and their values back.

Each field becomes one input block whose ``block_id`` is ``f_<key>`` (its
element's ``action_id`` is ``value``, ``choice`` for a searched choice), so
the engine's field-by-field errors come back as ``response_action: errors``
keyed by those ids. The checklist is checkboxes blocks of at most ten items
(``checklist``, ``checklist_2``…), the note one text block (``note``).

Slack's limits shape the rest, whatever the blueprint holds: a choice is sent
by its position (``#3``), never by its text (a value holds 150 characters, a
text shows 75); past 100 choices the select is searched (``external_select``,
its options served by :func:`choice_options`); a whole-number input never
gets a decimal value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bot.blocks.common import Block, clip, option, plain
from bot.forms_fit import CHECKLIST_GROUP
from engine.api.blueprints import InputField

FIELD_PREFIX = "f_"
CHECKLIST = "checklist"
NOTE = "note"
VALUE = "value"
CHOICE_ACTION = "choice"  # the action_id of a searched choice (its options are served)
NUMERIC = ("number", "money", "percentage")
STATIC_LIMIT = 100  # a static select holds at most 100 options


@dataclass(frozen=True, slots=True)
class MoveForm:
    """What a move asks for: the blueprint's *During* part, with current values."""

    heading: str
    message: str = ""
    fields: tuple[InputField, ...] = ()
    checklist: tuple[str, ...] = ()
    note: str = "none"
    current: dict[str, Any] = field(default_factory=dict)
    available: bool = True
    reasons: tuple[str, ...] = ()


def block_id(key: str) -> str:
    return FIELD_PREFIX + key


def input_block(
    block: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    element = {"action_id": VALUE, **element}
    data: Block = {
        "type": "input", "block_id": block, "label": plain(label, 2000), "element": element,
        "optional": optional,
    }  # fmt: skip
    if hint:
        data["hint"] = plain(hint, 2000)
    return data


def text_element(current: Any = None, multiline: bool = False, placeholder: str = "") -> Block:
    element: Block = {"type": "plain_text_input", "multiline": multiline}
    if current not in (None, ""):
        element["initial_value"] = clip(str(current), 3000)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _number(spec: InputField, current: Any) -> Block:
    decimal = spec.type != "percentage"
    element: Block = {"type": "number_input", "is_decimal_allowed": decimal}
    low, high = ("0", "100") if spec.type == "percentage" else (None, None)
    bounds = (
        ("min_value", spec.min if spec.min is not None else low, ROUND_CEILING),
        ("max_value", spec.max if spec.max is not None else high, ROUND_FLOOR),
        ("initial_value", current, ROUND_HALF_UP),
    )
    for key, value, rounding in bounds:
        shown = numeral(value, decimal, rounding)
        if shown is not None:
            element[key] = shown
    return element


def numeral(value: Any, decimal: bool, rounding: str = ROUND_HALF_UP) -> str | None:
    """``value`` as a number input takes it: plain digits, whole unless ``decimal``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().rstrip("% "))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if not decimal:
        number = number.to_integral_value(rounding)
    return format(number, "f")


def choice_value(index: int) -> str:
    """A choice as a select carries it: its position, whatever the length of its text."""
    return f"#{index}"


def _options(values: Sequence[str], indexes: Sequence[int]) -> list[Block]:
    return [option(values[i], choice_value(i)) for i in indexes]


def _select(spec: InputField, current: Any, multi: bool) -> Block:
    chosen = _chosen(spec.options, current)
    if len(spec.options) > STATIC_LIMIT:
        element: Block = {
            "type": "multi_external_select" if multi else "external_select",
            "action_id": CHOICE_ACTION, "min_query_length": 0,
        }  # fmt: skip
    else:
        element = {
            "type": "multi_static_select" if multi else "static_select",
            "options": _options(spec.options, range(len(spec.options))),
        }
    if chosen and multi:
        element["initial_options"] = _options(spec.options, chosen)
    elif chosen:
        element["initial_option"] = _options(spec.options, chosen[:1])[0]
    return element


def _chosen(options: Sequence[str], current: Any) -> list[int]:
    """The positions of the options ``current`` names."""
    if current is None:
        return []
    folded = [o.casefold() for o in options]
    whole = str(current).strip().casefold()
    if not isinstance(current, list | tuple) and whole in folded:
        return [folded.index(whole)]  # one choice, commas and all
    values = current if isinstance(current, list | tuple) else str(current).split(",")
    wanted = {str(v).strip().casefold() for v in values}
    return [i for i, o in enumerate(folded) if o in wanted]


def choice_options(spec: InputField, typed: str) -> list[Block]:
    """The options of a searched choice matching what the person typed (100 at most)."""
    wanted = typed.strip().casefold()
    found = [i for i, o in enumerate(spec.options) if wanted in o.casefold()]
    return _options(spec.options, found[:STATIC_LIMIT])


def _date(current: Any) -> Block:
    element: Block = {"type": "datepicker"}
    if isinstance(current, date):
        element["initial_date"] = current.isoformat()[:10]
    elif isinstance(current, str) and _is_day(current[:10]):
        element["initial_date"] = current[:10]
    return element


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _datetime(current: Any) -> Block:
    element: Block = {"type": "datetimepicker"}
    if isinstance(current, datetime):
        element["initial_date_time"] = int(current.timestamp())
    return element


def _simple(kind: str, current: Any) -> Block:
    element: Block = {"type": kind}
    if current not in (None, ""):
        element["initial_value"] = str(current)
    return element


def element_for(spec: InputField, current: Any) -> Block:
    kind = spec.type
    if kind in NUMERIC:
        return _number(spec, current)
    if kind == "choice":
        return _select(spec, current, multi=False)
    if kind == "multi_choice":
        return _select(spec, current, multi=True)
    if kind == "date":
        return _date(current)
    if kind == "datetime":
        return _datetime(current)
    if kind in ("email", "contact"):
        return _simple("email_text_input", current)
    if kind == "url":
        return _simple("url_text_input", current)
    if kind == "file":
        return {"type": "file_input", "max_files": 5}
    if kind == "phone":
        return text_element(current, placeholder="+33 6 12 34 56 78")
    return text_element(current, multiline=kind == "long_text")


def field_block(spec: InputField, current: Any) -> Block:
    hint = spec.help or spec.message
    return input_block(
        block_id(spec.key), spec.label, element_for(spec, current),
        optional=not spec.required, hint=hint,
    )  # fmt: skip


def checklist_blocks(items: Sequence[str], label: str) -> list[Block]:
    """Checkboxes of at most ten items each; an item is sent by its position."""
    groups = [
        range(n, min(n + CHECKLIST_GROUP, len(items)))
        for n in range(0, len(items), CHECKLIST_GROUP)
    ]
    return [
        input_block(
            checklist_id(part),
            label if len(groups) == 1 else f"{label} ({part + 1}/{len(groups)})",
            {"type": "checkboxes", "options": [_check(items[n], n) for n in group]},
        )
        for part, group in enumerate(groups)
    ]


def checklist_id(part: int) -> str:
    """The block id of checklist group ``part`` (from 0): ``checklist``, ``checklist_2``…"""
    return CHECKLIST if part == 0 else f"{CHECKLIST}_{part + 1}"


def _check(item: str, index: int) -> Block:
    """A checklist item: its first 75 characters, the next ones below them."""
    shown = option(item, str(index))
    if len(item) > 75:
        shown["description"] = plain(item[74:].lstrip(), 75)
    return shown


def form_blocks(fields: Sequence[InputField], current: Mapping[str, Any]) -> list[Block]:
    return [field_block(f, current.get(f.key)) for f in fields]


# -- reading a submission -------------------------------------------------------


def element_value(state: Mapping[str, Any]) -> Any:
    """The value a person gave in one element, as plain text, list or None."""
    kind = state.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = state.get("selected_option")
        return None if not chosen else chosen.get("value")
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return [o.get("value") for o in state.get("selected_options") or []]
    if kind == "datepicker":
        return state.get("selected_date")
    if kind == "datetimepicker":
        stamp = state.get("selected_date_time")
        return None if stamp is None else int(stamp)
    if kind == "file_input":
        return [f for f in state.get("files") or []]
    value = state.get("value")
    return None if value in (None, "") else value


def submitted(view: Mapping[str, Any]) -> dict[str, Any]:
    """``{block_id: value}`` for every input of a submitted view."""
    values: dict[str, Any] = {}
    for block, elements in ((view.get("state") or {}).get("values") or {}).items():
        for state in elements.values():
            values[block] = element_value(state)
    return values


def field_values(
    fields: Sequence[InputField], given: Mapping[str, Any], checklist: Sequence[str] = ()
) -> dict[str, Any]:
    """The inputs by key as the engine reads them; the ticked checklist items by name."""
    values: dict[str, Any] = {}
    for spec in fields:
        value = given.get(block_id(spec.key))
        if spec.type == "file" and isinstance(value, list):
            links = [str(f.get("permalink") or f.get("name") or f.get("id")) for f in value]
            value = " ".join(links) or None
        if spec.type == "datetime" and isinstance(value, int):
            value = datetime.fromtimestamp(value, UTC).isoformat()
        if spec.type in ("choice", "multi_choice"):
            value = _picked(spec.options, value)
        values[spec.key] = value
    if checklist:
        values[CHECKLIST] = _ticked(checklist, given)
    return values


def _picked(options: Sequence[str], value: Any) -> Any:
    """Positions (``#3``) back to the options' texts; anything else is left to the engine."""
    if isinstance(value, list):
        return [_picked(options, v) for v in value]
    if isinstance(value, str) and value[:1] == "#" and value[1:].isdigit():
        index = int(value[1:])
        return options[index] if index < len(options) else value
    return value


def _ticked(checklist: Sequence[str], given: Mapping[str, Any]) -> list[str]:
    """The ticked items of every checklist group, by name."""
    ticked: list[str] = []
    for part in range(-(-len(checklist) // CHECKLIST_GROUP)):
        for index in given.get(checklist_id(part)) or []:
            if str(index).isdigit() and int(str(index)) < len(checklist):
                ticked.append(checklist[int(str(index))])
    return ticked
