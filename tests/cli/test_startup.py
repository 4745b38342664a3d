"""`run.py` imports only what the command it runs needs: `--help` no command module at all."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import COMMANDS, MODULES, build_parser

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.help for action in sub._choices_actions}


def _modules_after(*argv: str, tmp_path: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"RELAIS_DATABASE": str(tmp_path / "relais.db"), "PATH": "/usr/bin:/bin"},
    )
    return set(done.stdout.split("\n")[-2].split())


def test_the_command_table_matches_what_the_modules_register() -> None:
    """A command a module adds is listed in cli.main.COMMANDS, with the same help line."""
    for module in MODULES:
        assert isinstance(module, str), "MODULES lists module names: import them lazily"
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        for action in sub._choices_actions:
            assert COMMANDS.get(action.dest) == (module, action.help), (
                f"add {action.dest!r}: ({module!r}, {action.help!r}) to cli.main.COMMANDS"
            )
    assert list(_subcommands(build_parser())) == list(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_parsed_alone_parses_as_with_every_module(command: str) -> None:
    full, alone = build_parser(), build_parser(command)
    assert _subcommands(alone) == _subcommands(full)
    (sub,) = (a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    (lazy,) = (a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
    assert lazy.choices[command].format_help() == sub.choices[command].format_help()


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    loaded = _modules_after("--help", tmp_path=tmp_path)
    heavy = {m for m in loaded if m.split(".")[0] in {"engine", "config", "bot", "service"}}
    assert not heavy
    assert {m for m in loaded if m.startswith("cli.")} == {"cli.main"}


# What a simple command never needs: libraries of other commands (PDF, charts, YAML and
# the validation of the configuration, PostgreSQL, e-mail syntax, metrics, locale data).
HEAVY = {"fpdf", "PIL", "yaml", "pydantic", "psycopg", "email_validator", "prometheus_client",
         "babel", "slack_bolt", "aiosmtpd", "aiohttp", "bot", "ingest"}  # fmt: skip


@pytest.mark.slow
def test_a_simple_command_imports_its_module_only(tmp_path: Path) -> None:
    _modules_after("deal", "list", tmp_path=tmp_path)  # the first start: the shipped config
    loaded = _modules_after("deal", "list", tmp_path=tmp_path)
    assert "cli.deal_cmd" in loaded
    others = {name for name, _ in COMMANDS.values()} - {"cli.deal_cmd"}
    assert not others & loaded
    assert not {"service.app"} & loaded
    assert not HEAVY & {name.split(".")[0] for name in loaded}


@pytest.mark.slow
def test_a_simple_command_builds_only_the_engine_parts_it_uses(tmp_path: Path) -> None:
    """The engine's facade parts are built on first use: ``deal list`` builds the deals
    part, not set-up, workflows, quotes or mail (and not the modules behind them)."""
    _modules_after("deal", "list", tmp_path=tmp_path)
    loaded = _modules_after("deal", "list", tmp_path=tmp_path)
    parts = {name for name in loaded if name.startswith("engine.facade.")}
    assert parts <= {"engine.facade.base", "engine.facade.deals", "engine.facade.deal_view",
                     "engine.facade.opening", "engine.facade.users"}  # fmt: skip
    assert not {name for name in loaded if name.startswith(("engine.workflows", "engine.cpq"))}
