"""run.py as a user runs it: a subprocess, with its exit code and its output."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.conftest import command_env

ROOT = Path(__file__).resolve().parents[2]


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """``run.py``'s environment: the database ``tmp_path/cli.db`` and ``extra`` settings."""
    return command_env(tmp_path, **extra)


def run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        env=env_for(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    assert "serve" in result.stdout and "migrate" in result.stdout


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    first = run(tmp_path, "migrate", "--lang", "en")
    assert first.returncode == 0 and "applied migrations 1" in first.stdout
    second = run(tmp_path, "migrate", "--lang", "en")
    assert second.returncode == 0 and "up to date" in second.stdout


def test_a_bad_setting_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", RELAIS_HTTP_PORT="http")
    assert result.returncode == 2
    assert "RELAIS_HTTP_PORT" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_healthz_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=env_for(tmp_path, RELAIS_HTTP_PORT=str(port), SLACK_BOT_TOKEN="xoxb-not-logged"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = wait_for_health(port)
        assert health["status"] == "ok"
    finally:
        process.send_signal(signal.SIGTERM)
        _, logs = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "event=stopped" in logs
    assert "SLACK_BOT_TOKEN" in logs  # the hint says how to enable Slack…
    assert "xoxb-not-logged" not in logs  # …and never prints a secret


def wait_for_health(port: int) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                result: dict[str, object] = json.loads(reply.read())
                return result
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def with_reader_gone(tmp_path: Path, *args: str, **extra: str) -> tuple[int, str]:
    """Run ``run.py args`` with its output pipe closed before it writes (`… | head`)."""
    with subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, env=env_for(tmp_path, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        errors = process.stderr.read().decode()
        return process.wait(timeout=60), errors


def test_a_command_whose_reader_goes_away_stops_quietly(tmp_path: Path) -> None:
    catalogue = str(ROOT / "config" / "catalogue.yaml")
    assert run(tmp_path, "products", "import", catalogue).returncode == 0
    code, errors = with_reader_gone(
        tmp_path, "products", "search", RELAIS_CONFIG_PATH=str(ROOT / "config")
    )
    assert code in (0, 141) and "Traceback" not in errors, errors


def test_backup_copies_the_database_and_will_not_overwrite_it(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    first = run(tmp_path, "backup", str(tmp_path / "copy.db"), RELAIS_LOCALE="en")
    assert first.returncode == 0, first.stderr
    assert "integrity ok" in first.stdout and (tmp_path / "copy.db").exists()
    again = run(tmp_path, "backup", str(tmp_path / "copy.db"), RELAIS_LOCALE="en")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert run(tmp_path, "backup", str(tmp_path / "copy.db"), "--force").returncode == 0
