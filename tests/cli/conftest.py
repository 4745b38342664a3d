"""What the command-line tests share: ``run_cli``, which runs ``run.py``'s ``main`` in-process.

A test asks for ``run_cli`` and calls ``run_cli("deal", "list", "--lang", "fr")``: the
command runs through the real parser, engine and database the environment names, and the
call returns its exit code, standard output and standard error.
"""

from __future__ import annotations

from typing import Protocol

import pytest

from cli.main import main


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
