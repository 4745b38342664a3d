"""Modal inputs from a transition's *During* fields, and their values back.

Each field becomes one input block whose ``block_id`` is ``f_<key>`` (its
element's ``action_id`` is always ``value``), so the engine's field-by-field
errors come back as ``response_action: errors`` keyed by those ids. The
checklist is one checkboxes block (``checklist``), the note one text block
(``note``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.blocks.common import Block, clip, option, plain
from engine.blueprint import InputField

FIELD_PREFIX = "f_"
CHECKLIST = "checklist"
NOTE = "note"
VALUE = "value"
NUMERIC = ("number", "money", "percentage")


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
    element = {**element, "action_id": VALUE}
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
    element: Block = {"type": "number_input", "is_decimal_allowed": spec.type != "percentage"}
    if spec.type == "percentage":
        element.update(min_value="0", max_value="100")
    if spec.min is not None:
        element["min_value"] = str(spec.min)
    if spec.max is not None:
        element["max_value"] = str(spec.max)
    if isinstance(current, int | float | Decimal) and not isinstance(current, bool):
        element["initial_value"] = str(current)
    elif isinstance(current, str) and current.strip():
        element["initial_value"] = current.strip()
    return element


def _options(values: Sequence[str]) -> list[Block]:
    return [option(v, v) for v in values[:100]]


def _select(spec: InputField, current: Any, multi: bool) -> Block:
    element: Block = {
        "type": "multi_static_select" if multi else "static_select",
        "options": _options(spec.options),
    }
    chosen = _chosen(spec.options, current)
    if chosen and multi:
        element["initial_options"] = _options(chosen)
    elif chosen:
        element["initial_option"] = option(chosen[0], chosen[0])
    return element


def _chosen(options: Sequence[str], current: Any) -> list[str]:
    if current is None:
        return []
    values = current if isinstance(current, list | tuple) else str(current).split(",")
    wanted = [str(v).strip() for v in values]
    return [o for o in options if o in wanted]


def _date(current: Any) -> Block:
    element: Block = {"type": "datepicker"}
    if isinstance(current, date):
        element["initial_date"] = current.isoformat()[:10]
    elif isinstance(current, str) and len(current) >= 10:
        element["initial_date"] = current[:10]
    return element


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


def checklist_block(items: Sequence[str], label: str) -> Block:
    element = {"type": "checkboxes", "options": [option(i, str(n)) for n, i in enumerate(items)]}
    return input_block(CHECKLIST, label, element)


def form_blocks(fields: Sequence[InputField], current: Mapping[str, Any]) -> list[Block]:
    return [field_block(f, current.get(f.key)) for f in fields]


# -- reading a submission -------------------------------------------------------


def element_value(state: Mapping[str, Any]) -> Any:
    """The value a person gave in one element, as plain text, list or None."""
    kind = state.get("type")
    if kind in ("static_select", "radio_buttons"):
        chosen = state.get("selected_option")
        return None if not chosen else chosen.get("value")
    if kind in ("multi_static_select", "checkboxes"):
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
        values[spec.key] = value
    if checklist:
        ticked = given.get(CHECKLIST) or []
        values[CHECKLIST] = [checklist[int(i)] for i in ticked if str(i).isdigit()]
    return values
