"""Reading the YAML configuration folder into one frozen ``RelaisConfig``.

Each known file is one entry of ``FILES``: its name and the model of its
content; the model's fields become ``RelaisConfig``'s. Adding a file
(``routing.yaml``…) is one more entry. Other files in the folder are ignored;
an unknown key inside a known file is an error. Files are read with
``yaml.safe_load`` only, and every problem of every file is collected into
one ``ConfigError``, one line each: ``file: path.inside[0].it: reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from config import problems as wording
from config.models import (
    RULES_ERROR,
    Loc,
    PipelinesFile,
    ProjectsFile,
    RelaisConfig,
    UsersFile,
    dotted,
)
from config.yaml_problems import yaml_detail
from engine.api import Phrase


class ConfigError(ValueError):
    """The configuration is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ConfigFile:
    name: str
    model: type[BaseModel]


FILES: tuple[ConfigFile, ...] = (
    ConfigFile("pipelines.yaml", PipelinesFile),
    ConfigFile("users.yaml", UsersFile),
    ConfigFile("projects.yaml", ProjectsFile),
)


def load_config(folder: Path) -> RelaisConfig:
    """Read every known file of ``folder``; raise ``ConfigError`` listing all problems."""
    if not folder.is_dir():
        raise ConfigError([wording.line(folder, "", Phrase("config.problem.no_folder"))])
    fields: dict[str, Any] = {}
    problems: list[str] = []
    for spec in FILES:
        try:
            fields.update(load_file(folder / spec.name, spec.model))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return RelaisConfig(**fields)


def load_file(path: Path, model: type[BaseModel]) -> dict[str, Any]:
    """One file's fields; empty when the file is absent or holds only comments."""
    if not path.exists():
        return {}
    data = read_yaml(path)
    if data is None:
        return {}
    return dict(validated(model, data, str(path)))


def validated(model: type[M], data: Any, label: str) -> M:
    """``data`` as a ``model``; raise ``ConfigError`` with one line per problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_lines(label, exc)) from None


def read_yaml(path: Path) -> Any:
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([wording.unreadable(label, exc)]) from None
    try:
        repeated = duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([yaml_line(label, exc)]) from None
    if repeated:
        raise ConfigError([wording.line(label, "", problem) for problem in repeated])
    return data


def yaml_line(label: str, exc: yaml.YAMLError) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return wording.invalid_yaml(label, str(exc))
    mark = exc.problem_mark
    where = wording.at_line(mark.line + 1, mark.column + 1)
    return wording.invalid_yaml(label, yaml_detail(exc), where)


def duplicate_keys(root: yaml.Node | None) -> list[str]:
    """YAML lets a mapping repeat a key (the last one wins); here it is an error."""
    found: list[tuple[int, str]] = []
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias points back at a node already walked
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            found.extend(_repeated(node))
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return [
        Phrase("config.problem.duplicate_key", line=wording.at_line(line), key=repr(key))
        for line, key in sorted(found)
    ]


def _repeated(node: yaml.MappingNode) -> list[tuple[int, str]]:
    keys: set[str] = set()
    repeated = []
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in keys:
                repeated.append((key.start_mark.line + 1, key.value))
            keys.add(key.value)
    return repeated


def validation_lines(label: str, exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in exc.errors():
        if error["type"] == RULES_ERROR and "ctx" in error:
            lines.extend(
                problem_line(label, (*error["loc"], *loc), reason)
                for loc, reason in error["ctx"]["problems"]
            )
        else:
            lines.append(problem_line(label, error["loc"], wording.reason(error)))
    return lines


def problem_line(label: str, loc: Loc, reason: str) -> str:
    """``file: path: reason``, a catalogue message (:mod:`config.problems`)."""
    return wording.line(label, dotted(loc), reason)
