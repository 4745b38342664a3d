"""Code and docs agree by test: every setting, command and YAML key is in ``docs/``.

The README is a front door; the manual is ``docs/``. These tests read the code
itself — the ``SETTINGS`` table, the argparse parser ``run.py`` builds, the
pydantic models of every YAML file, ``pyproject.toml`` — and fail naming what
the docs lack, so that a new setting, sub-command, option, key or dependency
cannot ship undocumented. The link tests follow every relative link of the README
and of ``docs/`` to a file (and heading) that exists.
"""

from __future__ import annotations

import argparse
import inspect
import re
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

import config.blueprint_schema
import config.cpq_schema
import config.models
import config.routing
import config.workflow_schema
from cli.main import build_parser
from config.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# -- reading the docs ---------------------------------------------------------------------------


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def all_docs() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md")))


def table_rows(text: str) -> list[list[str]]:
    """Every Markdown table row as its cells (``\\|`` inside a cell is not a separator)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[-:| ]+\|", line):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([cell.strip() for cell in cells])
    return rows


# -- (a) settings: docs/settings.md has a row per setting, with the code's default -------------


def settings_table() -> dict[str, str]:
    """``{variable: default cell}`` of the settings table."""
    return {
        row[0].strip("`"): row[1]
        for row in table_rows(page("settings.md"))
        if len(row) == 3 and re.fullmatch(r"`[A-Z][A-Z0-9_]+`", row[0])
    }


def test_every_setting_is_documented() -> None:
    documented = settings_table()
    missing = [s.env for s in SETTINGS if s.env not in documented]
    assert missing == [], f"add a row to docs/settings.md for {missing}"


def test_each_documented_default_is_the_code_default() -> None:
    documented = settings_table()
    wrong = {
        s.env: (documented[s.env], s.default)
        for s in SETTINGS
        if s.env in documented and documented[s.env] != (f"`{s.default}`" if s.default else "—")
    }
    assert wrong == {}, "docs/settings.md: (documented default, code default)"


def test_no_documented_setting_is_unknown() -> None:
    known = {s.env for s in SETTINGS}
    assert sorted(set(settings_table()) - known) == []


# -- (b) commands: every sub-command and option of run.py ---------------------------------------

# Options that most commands take, explained once in docs/commands.md.
SHARED_OPTIONS = ("--as", "--lang", "--json", "--help", "-h")


Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    """Every command and nested sub-command (``deal move``, ``mail retry``) and its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from commands(sub, (*path, name))


def options(parser: argparse.ArgumentParser) -> list[list[str]]:
    return [
        list(action.option_strings)
        for action in parser._actions
        if action.option_strings and not set(action.option_strings) <= set(SHARED_OPTIONS)
    ]


def named(option: str, line: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", line) is not None


def documented(option_strings: list[str], lines: list[str]) -> bool:
    """One of the option's spellings (``-o`` or ``--output``) on one of these lines."""
    return any(named(option, line) for option in option_strings for line in lines)


ALL_COMMANDS = list(commands(build_parser()))
COMMAND_IDS = [" ".join(path) for path, _ in ALL_COMMANDS]


def test_the_parser_is_walked() -> None:
    paths = {" ".join(path) for path, _ in ALL_COMMANDS}
    assert {"serve", "deal move", "mail retry", "workflows tick", "config apply"} <= paths


@pytest.mark.parametrize(("path", "parser"), ALL_COMMANDS, ids=COMMAND_IDS)
def test_every_command_is_documented(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    command = "run.py " + " ".join(path)
    lines = [line for line in all_docs().splitlines() if command in line]
    assert lines, f"`{command}` appears nowhere in docs/"
    missing = [opts for opts in options(parser) if not documented(opts, lines)]
    assert missing == [], f"options of `{command}` not on any docs line that names it"


def test_shared_options_are_explained() -> None:
    rows = {row[0] for row in table_rows(page("commands.md"))}
    assert {"`--as USER`", "`--lang fr\\|en`", "`--json`", "`--help`, `-h`"} <= rows


# -- (c) YAML keys: every key of every configuration model, on its area's page -------------------

SCHEMA_MODULES = (
    config.models,
    config.blueprint_schema,
    config.workflow_schema,
    config.cpq_schema,
    config.routing,
)
# Each YAML file's root model, and the page that documents its keys.
FILES: dict[type[BaseModel], str] = {
    config.models.PipelinesFile: "pipeline.md",
    config.models.UsersFile: "pipeline.md",
    config.models.ProjectsFile: "pipeline.md",
    config.models.RelaisConfig: "pipeline.md",
    config.blueprint_schema.BlueprintModel: "blueprints.md",
    config.workflow_schema.WorkflowsFile: "workflows.md",
    config.cpq_schema.CatalogueFile: "quotes.md",
    config.cpq_schema.PricingFile: "quotes.md",
    config.routing.RoutingFile: "mail.md",
}


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models inside a field's type (lists, unions, ``Annotated``…)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def reachable(root: type[BaseModel]) -> dict[type[BaseModel], None]:
    found: dict[type[BaseModel], None] = {}
    todo = [root]
    while todo:
        model = todo.pop()
        if model not in found:
            found[model] = None
            todo.extend(m for f in model.model_fields.values() for m in models_in(f.annotation))
    return found


def yaml_keys(root: type[BaseModel]) -> dict[str, str]:
    """``{key as written in YAML (the alias when there is one): model that has it}``."""
    return {
        field.alias or name: model.__name__
        for model in reachable(root)
        for name, field in model.model_fields.items()
    }


KEYS = sorted(
    (doc, key, model) for root, doc in FILES.items() for key, model in yaml_keys(root).items()
)


def test_keys_are_found() -> None:
    found = {key for _, key, _ in KEYS}
    assert {"from", "if", "else", "for", "all", "any", "escalate_to", "price_rules"} <= found


@pytest.mark.parametrize(("doc", "key", "model"), KEYS)
def test_every_yaml_key_is_documented(doc: str, key: str, model: str) -> None:
    assert f"`{key}`" in page(doc), f"{model}.{key} is not documented as `{key}` in docs/{doc}"


def test_every_configuration_model_belongs_to_a_documented_file() -> None:
    """A new YAML file (or a model no file reaches) must be added to ``FILES``."""
    covered = {m for root in FILES for m in reachable(root)}
    bases = {base for m in covered for base in m.__mro__}
    defined = [
        model
        for module in SCHEMA_MODULES
        for _, model in inspect.getmembers(module, inspect.isclass)
        if issubclass(model, BaseModel) and model.__module__ == module.__name__
    ]
    orphans = [m.__name__ for m in defined if m.model_fields and m not in covered | bases]
    assert orphans == []


# -- dependencies ---------------------------------------------------------------------------------


def dependency_names() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs.extend(extra)
    return [re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0] for spec in specs]


def test_every_dependency_is_explained() -> None:
    listed = " ".join(row[0] for row in table_rows(page("dependencies.md"))).casefold()
    missing = [name for name in dependency_names() if name.casefold() not in listed]
    assert missing == []


# -- (d) links ----------------------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().casefold())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> Iterator[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for target in LINK.findall(re.sub(r"`[^`\n]*`", "", text)):
        if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            yield target


def broken(path: Path, target: str) -> str | None:
    file_part, _, anchor = target.partition("#")
    destination = (path.parent / file_part).resolve() if file_part else path
    if not destination.exists():
        return "no such file"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return "no such heading"
    return None


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    problems = {t: why for t in relative_links(path) if (why := broken(path, t))}
    assert problems == {}


def test_the_readme_links_every_docs_page() -> None:
    linked = {Path(t.partition("#")[0]).name for t in relative_links(ROOT / "README.md")}
    assert sorted(p.name for p in DOCS.glob("*.md") if p.name not in linked) == []


def test_the_readme_stays_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 120
