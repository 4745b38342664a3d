"""SIGKILL mid-stream: every message answered 250 is in the database, exactly once."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Daemon:
    """``run.py smtp`` in its own process, on a temporary database."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.database = tmp_path / "crash.db"
        self.env = {
            **os.environ,
            "RELAIS_DATABASE": str(self.database),
            "RELAIS_CONFIG_DIR": str(tmp_path),
            "RELAIS_SMTP_PORT": str(self.port),
            "RELAIS_SMTP_RATE_LIMIT": "0",
            "RELAIS_MAIL_PARSE_WORKERS": "0",
            "RELAIS_LOG_LEVEL": "WARNING",
            "RELAIS_LOCALE": "en",  # start() waits for "listening on"
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "smtp"], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith(b"listening on"), line

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=30)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def message(n: int) -> bytes:
    return (
        f"From: Prospect {n} <prospect{n}@client{n}.fr>\r\nTo: leads@relais.example\r\n"
        f"Subject: Demande {n}\r\nMessage-ID: <crash-{n}@test>\r\n\r\nBonjour {n}\r\n"
    ).encode()


class Stream:
    """Sends messages in order; remembers which were answered 250."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.acknowledged: set[int] = set()
        self.next = 0

    def run(self, until: int, stop: threading.Event | None = None) -> None:
        while self.next < until and not (stop and stop.is_set()):
            try:
                self._session(until)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)  # the daemon is down: like a real MTA, retry the same message

    def _session(self, until: int) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as client:
            while self.next < until:
                client.sendmail(
                    f"prospect{self.next}@client{self.next}.fr",
                    ["leads@relais.example"],
                    message(self.next),
                )
                self.acknowledged.add(self.next)
                self.next += 1


@pytest.mark.slow
def test_sigkill_mid_stream_loses_no_acknowledged_message(daemon: Daemon) -> None:
    daemon.start()
    stream = Stream(daemon.port)
    sender = threading.Thread(target=stream.run, args=(MESSAGES,))
    sender.start()
    while stream.next < MESSAGES // 3:
        time.sleep(0.005)
    daemon.kill()
    killed_at = stream.next
    time.sleep(0.3)
    daemon.start()
    sender.join(timeout=120)
    assert not sender.is_alive()
    assert killed_at < MESSAGES and stream.acknowledged == set(range(MESSAGES))
    wait_until_processed(daemon.database)
    daemon.stop()
    check_exactly_once(daemon.database)


def wait_until_processed(database: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as conn:
            waiting = conn.execute(
                "SELECT count(*) FROM mails WHERE status = 'received'"
            ).fetchone()
        if waiting[0] == 0:
            return
        time.sleep(0.1)
    raise AssertionError("messages still waiting to be processed")


def check_exactly_once(database: Path) -> None:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT message_id, status, outcome, lead_id FROM mails").fetchall()
        leads = conn.execute("SELECT count(*), count(DISTINCT title) FROM leads").fetchone()
    ids = sorted(int(r[0].split("-")[1].split("@")[0]) for r in rows)
    assert ids == list(range(MESSAGES))  # every message once: none lost, none twice
    assert {(r[1], r[2]) for r in rows} == {("processed", "lead")}
    assert tuple(leads) == (MESSAGES, MESSAGES)
