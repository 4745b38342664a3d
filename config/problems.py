"""A configuration problem as a catalogue message: the reader's language, file and path kept.

Every loader of the configuration folder reports a problem as one line, ``file: path:
reason``. Each line is a :class:`~engine.text.catalogue.Phrase` (``config.problem.at``),
so it still reads as its English text (logs, scripts, ``str()``) while ``run.py config
check --lang fr`` renders it in French with ``.text(locale)``.

The reason comes from pydantic's error *type*, not its English ``msg``: ``missing`` is
``config.problem.missing``, ``less_than_equal`` is ``config.problem.less_than_equal``
with ``le`` as its parameter, and so on (the English texts are pydantic's own, so an
English reader sees what he always saw). Our own validators raise a ``ValueError`` (or a
``PydanticCustomError`` with a ``phrase`` in its context) whose message is a ``Phrase``:
the phrase is kept. A type the catalogue does not know falls back to pydantic's English
text inside ``config.problem.other``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic_core import ErrorDetails, PydanticCustomError

from engine.api import Phrase, formats, text

PREFIX = "config.problem."
# Types whose catalogue message takes pydantic's context as its parameters.
KNOWN = frozenset((
    "missing", "extra_forbidden", "string_type", "int_type", "int_parsing", "int_from_float",
    "float_type", "float_parsing", "bool_type", "bool_parsing", "decimal_type",
    "decimal_parsing", "greater_than", "greater_than_equal", "less_than", "less_than_equal",
    "literal_error", "enum", "list_type", "tuple_type", "dict_type", "model_type",
    "model_attributes_type", "date_type", "date_parsing", "string_pattern_mismatch",
    "multiple_of", "finite_number", "too_short", "too_long", "string_too_short",
    "string_too_long", "decimal_max_places", "decimal_max_digits",
))  # fmt: skip
# A plural message counts by this parameter ("at least 1 item", "at least 2 items").
COUNTED_BY = {
    "too_short": "min_length",
    "too_long": "max_length",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "decimal_max_places": "decimal_places",
    "decimal_max_digits": "max_digits",
}
_CHOICE = re.compile(r", | or ")


class Choices(tuple[str, ...]):
    """Allowed values, joined as the reader's language joins them: ``'a', 'b' or 'c'``."""

    def text(self, locale: str) -> str:
        if len(self) < 2:
            return "".join(self)
        return text(locale, "config.problem.or", first=", ".join(self[:-1]), last=self[-1])


@dataclass(frozen=True, slots=True)
class LocalNumber:
    """A number of a file (a quantity bound) as the reader writes numbers, through Babel:
    ``1 000 000,5`` in French, ``1,000,000.5`` in English, not as the YAML spelled it."""

    value: Decimal

    def text(self, locale: str) -> str:
        return formats.number(self.value, locale)

    def __str__(self) -> str:
        return self.text("en")


def engine_reason(exc: ValueError) -> str:
    """The engine's reason: its catalogue phrase kept (French with ``--lang fr``), else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Phrase) else str(exc)


def with_local_number(reason: str, value: Decimal) -> str:
    """The engine's reason with its ``number`` parameter in the reader's number format."""
    if not isinstance(reason, Phrase) or "number" not in reason.params:
        return reason
    return Phrase(reason.key, **{**reason.params, "number": LocalNumber(value)})


def reason(error: ErrorDetails | Mapping[str, Any], *, prefixed: bool = True) -> Phrase:
    """The reason of one pydantic error, as a catalogue message.

    ``prefixed``: a ``value_error`` reads ``Value error, …`` (the core files' wording);
    without it, our validator's own phrase stands alone (the CPQ files' wording).
    """
    kind = str(error["type"])
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        return _value_error(ctx.get("error"), str(error["msg"]), prefixed)
    if isinstance(ctx.get("phrase"), Phrase):
        found: Phrase = ctx["phrase"]
        return found
    if kind not in KNOWN:
        return Phrase(PREFIX + "other", message=str(error["msg"]))
    params = {name: _param(value) for name, value in ctx.items()}
    if kind in ("literal_error", "enum"):
        params["expected"] = Choices(_CHOICE.split(str(ctx.get("expected", ""))))
    if kind in COUNTED_BY:
        params["count"] = ctx.get(COUNTED_BY[kind], 0)
    return Phrase(PREFIX + kind, **params)


def unreadable(file: object, exc: BaseException) -> str:
    """``file: cannot be read: …`` (the system's own words kept as the parameter)."""
    return line(file, "", Phrase(PREFIX + "unreadable", error=str(exc)))


def invalid_yaml(file: object, detail: str, where: str = "") -> str:
    """``file: line 3, column 1: invalid YAML: …`` (PyYAML's own words as ``detail``)."""
    return line(file, where, Phrase(PREFIX + "invalid_yaml", detail=detail))


def at_line(number: int, column: int | None = None) -> str:
    """``line 3`` or ``line 3, column 1`` (1-based), in the reader's words."""
    if column is None:
        return Phrase(PREFIX + "line", line=number)
    return Phrase(PREFIX + "line_column", line=number, column=column)


def refused(kind: str, key: str, /, **params: Any) -> PydanticCustomError:
    """A validator's own error: pydantic's ``kind``, the reason the catalogue's ``key``."""
    return PydanticCustomError(kind, "{phrase}", {"phrase": Phrase(key, **params)})


def _value_error(found: object, message: str, prefixed: bool) -> Phrase:
    first = found.args[0] if isinstance(found, BaseException) and found.args else None
    detail = first if isinstance(first, Phrase) else str(found or message)
    if not isinstance(detail, Phrase):
        detail = Phrase(PREFIX + "other", message=detail.removeprefix("Value error, "))
    return Phrase(PREFIX + "value_error", error=detail) if prefixed else detail


def _param(value: object) -> object:
    return value if isinstance(value, int | str | Phrase) else str(value)


def line(file: object, path: str, why: str) -> str:
    """``file: path: reason`` (``file: reason`` at the top of the file), translatable."""
    if path:
        return Phrase(PREFIX + "at", file=str(file), path=path, reason=why)
    return Phrase(PREFIX + "in_file", file=str(file), reason=why)
