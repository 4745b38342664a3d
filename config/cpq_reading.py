"""Reading the CPQ files: exact decimals, one line per problem, ``file: path: reason``.

``catalogue.yaml`` and ``pricing.yaml`` hold prices and rates, so they are
read with a safe YAML loader that keeps decimal numbers exact (``19.99`` is
``Decimal("19.99")``, never a float); a key written twice is an error, as in
every other configuration file; each problem is one line naming the file and
the path inside it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from config import problems as wording
from config.cpq_errors import CpqConfigError
from config.loader import duplicate_keys
from config.yaml_problems import yaml_detail
from engine.api import Phrase

__all__ = ["CpqConfigError", "read_yaml", "validate_file"]


# libyaml's parser when PyYAML was built with it (the wheels are): a 10,000-rule price
# book parses in a fraction of the pure-Python parser's time.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DecimalLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, with decimal numbers read as exact ``Decimal``."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(
            None, None, f"not a decimal number: {text}", node.start_mark
        ) from None
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(
            None, None, f"not a finite number: {text}", node.start_mark
        )
    return value


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def read_yaml(path: Path) -> Any:
    """The file's data (decimals exact); raises ``CpqConfigError`` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CpqConfigError([wording.unreadable(path, exc)]) from None
    loader = _DecimalLoader(text)  # a SafeLoader: the text is parsed once
    try:
        node = loader.get_single_node()
        repeated = duplicate_keys(node)
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise CpqConfigError([wording.invalid_yaml(path, _where(exc))]) from None
    finally:
        loader.dispose()
    if repeated:
        raise CpqConfigError([wording.line(path.name, "", problem) for problem in repeated])
    return data


def _where(exc: yaml.YAMLError) -> str:
    """A YAML error on one line: where it is, then what is wrong."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return " ".join(str(exc).split())
    mark = exc.problem_mark
    where = wording.at_line(mark.line + 1, mark.column + 1)
    return Phrase("config.problem.yaml_where", where=where, problem=yaml_detail(exc))


_M = TypeVar("_M", bound=BaseModel)


def validate_file(path: Path, model: type[_M]) -> _M:
    """The file read and validated as ``model``; every problem in one ``CpqConfigError``."""
    data = read_yaml(path)
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise CpqConfigError(_problems(path, exc)) from None


def _problems(path: Path, exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        reason = wording.reason(error, prefixed=False)
        lines.append(wording.line(path.name, _dotted(error["loc"]), reason))
    return lines


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).startswith(("function-", "tagged-union", "list[", "decimal", "date")):
            text += f".{part}" if text else str(part)
    return text
