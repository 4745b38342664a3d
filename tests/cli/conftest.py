"""What the command-line tests share: ``run_cli``, which runs ``run.py``'s ``main`` in-process.

A test asks for ``run_cli`` and calls ``run_cli("deal", "list", "--lang", "fr")``: the
command runs through the real parser, engine and database the environment names, and the
call returns its exit code, standard output and standard error. ``folder`` (or
:func:`isolate`, for a test that adds settings) gives the test an environment of its own;
:func:`command_env` does the same for ``run.py`` run as a subprocess. ``config_folder``
is an empty configuration folder on the test's database (PostgreSQL or not), and
:func:`colon` and :func:`assert_in_one_language` read ``config check``'s lines in a language.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

import pytest

from cli.main import main
from engine.core import Engine


class RunCli(Protocol):
    """``run_cli(*words)``: the exit code, stdout and stderr of ``run.py WORDS``."""

    def __call__(self, *args: str) -> tuple[int, str, str]: ...


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run one command in-process and return what it said (the capture is emptied first)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()  # what an earlier step printed is not this command's
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def command_env(tmp_path: Path, database: str = "cli.db", **settings: str) -> dict[str, str]:
    """The environment ``run.py`` runs in as a subprocess: none of the machine's settings.

    The process environment without its ``RELAIS_*`` and ``SLACK_*`` variables, a database
    in ``tmp_path``, no SMTP listener, and ``settings`` on top (``RELAIS_LOCALE="en"``…).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "SLACK_"))}
    env.update(RELAIS_DATABASE=str(tmp_path / database), RELAIS_SMTP_ENABLED="false")
    env.update(settings)
    return env


def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: str) -> Path:
    """The environment an in-process command (``run_cli``) runs in; returns ``tmp_path``.

    None of the machine's ``RELAIS_*`` and ``SLACK_*`` variables, the database
    ``tmp_path/cli.db``, the configuration folder ``tmp_path/config`` (not created: a
    test that wants files makes it), warnings only in the logs, and ``settings`` on top
    (``RELAIS_TIMEZONE="Europe/Paris"``…).
    """
    for name in list(os.environ):
        if name.startswith(("RELAIS_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return tmp_path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test's own environment (:func:`isolate`): its database and folder in ``tmp_path``."""
    return isolate(tmp_path, monkeypatch)


@pytest.fixture
def config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    """An empty configuration folder of the test's own, beside the test's database (a
    PostgreSQL one under ``RELAIS_TEST_POSTGRES``); returns the folder, not ``tmp_path``."""
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=str(db_path))
    (tmp_path / "config").mkdir()
    return tmp_path / "config"


def colon(lang: str) -> str:
    """What ``config check`` puts between a file, a path and a reason: French spaces it."""
    return " : " if lang == "fr" else ": "


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def assert_in_one_language(
    lines: list[str],
    lang: str,
    words: tuple[re.Pattern[str], re.Pattern[str]],
    reason_of: Callable[[str], str] = lambda line: line,
) -> None:
    """No ``{placeholder}`` left in a line, no word of the other language in its reason.

    ``words`` is a test file's (English, French) words of the reasons it checks;
    ``reason_of`` picks the part of a line whose words count (all of it by default).
    """
    other = words[0] if lang == "fr" else words[1]
    for line in lines:
        assert not PLACEHOLDER.search(line), line
        assert not other.search(reason_of(line)), line


def on_engine(folder: Path, work: Callable[[Engine], Awaitable[None]]) -> None:
    """Run ``work`` on the engine of the test's database (``folder/cli.db``), then close it."""

    async def run() -> None:
        engine = await Engine.open(folder / "cli.db")
        try:
            await work(engine)
        finally:
            await engine.close()

    asyncio.run(run())
