"""What a user supplies during a transition, checked field by field, all at once.

:func:`validate` returns the typed values and every refusal keyed by input
(``visit_date``, ``checklist``, ``note``); nothing is saved unless there are
none. Each refusal is a :class:`~engine.refusals.Reason` so adapters can
show it in the user's language; an input's own ``message`` replaces the
generic text of a failed validation.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from engine import clock, money
from engine.blueprints.model import During, InputField
from engine.blueprints.refusals import Reason
from engine.crm.contacts import normalize_email, normalize_phone
from engine.crm.criteria import is_empty
from engine.crm.fields import TEXTUAL, to_date, to_decimal

NOTE = "note"
CHECKLIST = "checklist"
# A ``number`` input has at most this many digits before the decimal point
# (money has its own bound, :data:`engine.money.MAX_INTEGER_DIGITS`).
NUMBER_INTEGER_DIGITS = 15
NUMBER_LIMIT = Decimal(10) ** NUMBER_INTEGER_DIGITS


@dataclass(frozen=True, slots=True)
class Supplied:
    """Valid inputs: typed values by key, the ticked checklist and the note."""

    values: dict[str, Any] = field(default_factory=dict)
    checklist: tuple[str, ...] = ()
    note: str | None = None


class Refused(ValueError):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.code)
        self.reason = reason


def _refuse(code: str, **params: Any) -> Refused:
    return Refused(Reason(code, params))


def validate(
    conn: sqlite3.Connection, during: During, raw: Mapping[str, Any], timezone: str
) -> tuple[Supplied, dict[str, Reason]]:
    errors: dict[str, Reason] = {}
    known = {spec.key for spec in during.fields} | {NOTE, CHECKLIST}
    for name in raw:
        if name not in known:
            errors[name] = Reason("input_unknown")
    values: dict[str, Any] = {}
    for spec in during.fields:
        try:
            value = parse(conn, spec, raw.get(spec.key), timezone)
        except Refused as exc:
            errors[spec.key] = _with_message(spec, exc.reason)
            continue
        if value is not None:
            values[spec.key] = value
    ticked = _checklist(during, raw.get(CHECKLIST), errors)
    note = _note(during, raw.get(NOTE), errors)
    return Supplied(values, ticked, note), errors


def _with_message(spec: InputField, reason: Reason) -> Reason:
    if spec.message and reason.code != "input_required":
        return Reason("input_invalid", {"detail": spec.message})
    return reason


def _checklist(during: During, raw: Any, errors: dict[str, Reason]) -> tuple[str, ...]:
    if not during.checklist:
        return ()
    items = _as_list(raw)
    if [i.casefold() for i in items] == ["all"]:
        return during.checklist
    ticked = {i.casefold() for i in items}
    missing = [item for item in during.checklist if item.casefold() not in ticked]
    if missing:
        errors[CHECKLIST] = Reason("checklist_unticked", {"items": missing})
    return during.checklist


def _note(during: During, raw: Any, errors: dict[str, Reason]) -> str | None:
    text = "" if raw is None else str(raw).strip()
    if during.note == "required" and not text:
        errors[NOTE] = Reason("note_required")
    return text or None


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(item).strip() for item in raw if str(item).strip()]
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def parse(conn: sqlite3.Connection, spec: InputField, raw: Any, timezone: str) -> Any:
    """The typed value of one input, or None when optional and empty."""
    if is_empty(raw) or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            raise _refuse("input_required")
        return None
    value = _PARSERS[spec.type](conn, spec, raw, timezone)
    _check_limits(spec, value)
    return value


def _text(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    text = str(raw)
    return text.strip() if spec.type != "long_text" else text.strip("\n ")


def _decimal(raw: Any) -> Decimal | None:
    """``raw`` as a finite ``Decimal``, or None (``1e999999999999999999`` overflows)."""
    try:
        value = to_decimal(raw)
    except ArithmeticError:
        return None
    return value if value is not None and value.is_finite() else None


def _number(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> Decimal:
    value = _decimal(raw)
    if value is None:
        raise _refuse("input_not_number", value=_shown(raw))
    if value >= NUMBER_LIMIT:
        raise _refuse("input_max", limit=f"{NUMBER_LIMIT - 1}")
    if value <= -NUMBER_LIMIT:
        raise _refuse("input_min", limit=f"{1 - NUMBER_LIMIT}")
    return value


def _money(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> Decimal:
    try:
        return money.parse_amount(raw if isinstance(raw, Decimal | int) else str(raw))
    except ValueError as exc:
        if str(exc) == money.TOO_LARGE:
            raise _refuse("input_max", limit=f"{money.LIMIT - money.CENT}") from exc
        raise _refuse("input_not_amount", value=_shown(raw)) from exc


def _percentage(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> int:
    value = _decimal(str(raw).rstrip("% "))
    if value is None or not 0 <= value <= 100 or value != value.to_integral_value():
        raise _refuse("input_not_percentage", value=_shown(raw))
    return int(value)


def _shown(raw: Any) -> str:
    """A refused value as the error shows it: cut, so a pasted page stays readable."""
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def _date(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> date:
    text = str(raw).strip()
    day = _french_date(text) or to_date(raw)
    if day is None:
        raise _refuse("input_not_date", value=text)
    return day


def _french_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _datetime(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> datetime:
    try:
        moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise _refuse("input_not_datetime", value=raw) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.zone(tz))


def _choice(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    wanted = str(raw).strip().casefold()
    for option in spec.options:
        if option.casefold() == wanted:
            return option
    raise _refuse("input_choice", options=list(spec.options))


def _choices(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> list[str]:
    return [_choice(conn, spec, item, tz) for item in _as_list(raw)]


def _email(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    try:
        return normalize_email(str(raw)).normalized
    except ValueError as exc:
        raise _refuse("input_not_email", value=raw) from exc


def _phone(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    try:
        return normalize_phone(str(raw))
    except ValueError as exc:
        raise _refuse("input_not_phone", value=raw) from exc


def _url(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    text = str(raw).strip()
    parts = urlparse(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _refuse("input_not_url", value=text)
    return text


def _contact(conn: sqlite3.Connection, spec: InputField, raw: Any, tz: str) -> str:
    text = str(raw).strip()
    if text.isdigit():
        row = conn.execute("SELECT id FROM contacts WHERE id = ?", (int(text),)).fetchone()
    else:
        row = conn.execute(
            "SELECT id FROM contacts WHERE email_key = ?", (text.casefold(),)
        ).fetchone()
    if row is None:
        raise _refuse("input_unknown_contact", value=text)
    return text


_PARSERS = {
    "text": _text, "long_text": _text, "file": _text, "number": _number, "money": _money,
    "percentage": _percentage, "date": _date, "datetime": _datetime, "choice": _choice,
    "multi_choice": _choices, "email": _email, "phone": _phone, "url": _url,
    "contact": _contact,
}  # fmt: skip


def _check_limits(spec: InputField, value: Any) -> None:
    if spec.type in TEXTUAL or spec.type == "multi_choice":
        _check_length(spec, len(value))
    if spec.pattern and spec.type in TEXTUAL and not re.fullmatch(spec.pattern, str(value)):
        raise _refuse("input_pattern", pattern=spec.pattern)
    if spec.min is not None and _compare(spec, value, spec.min) < 0:
        raise _refuse("input_min", limit=spec.min)
    if spec.max is not None and _compare(spec, value, spec.max) > 0:
        raise _refuse("input_max", limit=spec.max)


def _check_length(spec: InputField, size: int) -> None:
    if spec.min_length is not None and size < spec.min_length:
        raise _refuse("input_min_length", count=spec.min_length)
    if spec.max_length is not None and size > spec.max_length:
        raise _refuse("input_max_length", count=spec.max_length)


def _compare(spec: InputField, value: Any, bound: str) -> int:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        limit = to_date(bound)
        assert limit is not None  # checked when the blueprint was loaded
        return (value > limit) - (value < limit)
    number = to_decimal(bound)
    assert number is not None
    return (Decimal(value) > number) - (Decimal(value) < number)


def plain(value: Any) -> Any:
    """A supplied value as JSON keeps it (amounts and dates as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
