"""``kill -9`` of ``serve`` leaves no process behind: the parse worker dies with it.

Every process the service starts inherits its environment, so a marker put in
the service's environment finds them all through ``/proc``, even once they have
been re-parented to PID 1 (as the spawned pool worker and multiprocessing's
resource tracker used to be, at every crash).
"""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ingest.test_crash import ROOT, free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")


def marked(mark: bytes) -> set[int]:
    """Live (not zombie) processes whose environment carries ``mark``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _has(entry, mark) and not _zombie(entry):
            found.add(int(entry.name))
    return found


def _has(entry: Path, mark: bytes) -> bool:
    try:
        return mark in (entry / "environ").read_bytes()
    except OSError:  # gone, or not ours
        return False


def _zombie(entry: Path) -> bool:
    try:
        return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def wait_until(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not true after {within} s")
        time.sleep(0.05)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path, bytes]]:
    mark = f"RELAIS_TEST_MARK={uuid.uuid4().hex}"
    port, database = free_port(), tmp_path / "orphans.db"
    env = {
        **os.environ, "RELAIS_DATABASE": str(database), "RELAIS_CONFIG_DIR": str(tmp_path),
        "RELAIS_SMTP_PORT": str(port), "RELAIS_HTTP_PORT": str(free_port()),
        "RELAIS_MAIL_PARSE_WORKERS": "1", "RELAIS_LOG_LEVEL": "WARNING",
        mark.split("=")[0]: mark.split("=")[1],
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "run.py", "serve"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process, port, database, mark.encode()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        for pid in marked(mark.encode()):  # never leave one behind, even when the test fails
            os.kill(pid, signal.SIGKILL)


def send(port: int) -> bool:
    raw = b"From: jo@acme.fr\r\nSubject: Orphans\r\nMessage-ID: <orphans@t>\r\n\r\nBonjour\r\n"
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail("jo@acme.fr", ["leads@relais.example"], raw)
        return True
    except (OSError, smtplib.SMTPException):
        return False  # not listening yet


def processed(database: Path) -> bool:
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT status FROM mails").fetchone()
    return row is not None and row[0] == "processed"


@pytest.mark.slow
def test_kill_9_of_serve_leaves_no_process_behind(
    serve: tuple[subprocess.Popen[bytes], int, Path, bytes],
) -> None:
    process, port, database, mark = serve
    wait_until(lambda: send(port), 30.0, "the service accepts mail")
    wait_until(lambda: processed(database), 30.0, "the mail is processed")
    children = marked(mark) - {process.pid}
    assert children, "the service runs its parse worker in a process of its own"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    wait_until(lambda: not marked(mark), 10.0, "no process of the service survives")
