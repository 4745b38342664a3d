"""Real ``run.py serve`` processes on one scratch PostgreSQL database, for multi-instance tests.

The tests in :mod:`tests.scaling.test_instances` run two engines in one process;
these run whole instances as an operator does (``docs/scaling.md``, "Several
instances"): each its own process, its own ports, its own ``RELAIS_INSTANCE``
name, all on one database that :func:`scratch_database` creates and drops. An
instance can be stopped (SIGTERM) or killed (SIGKILL) at any moment, and its
log (stdout and stderr, in a file) is kept so that a failing test shows what
each instance said.

Ports are chosen by the system (``0``) and read back from the instance's own
log lines (``smtp_listening … port=``, ``started … http=host:port``): no port is
guessed free and then lost to another process. Every wait has a deadline and
polls a condition; nothing sleeps a fixed time to let something happen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg

from tests.conftest import until

ROOT = Path(__file__).resolve().parents[2]
START_WITHIN = 90.0  # seconds for three instances to start on a loaded 2-CPU machine
STOP_WITHIN = 30.0
SMTP_PORT = re.compile(r"event=smtp_listening .*?port=(\d+)")
HTTP_PORT = re.compile(r"event=started .*?http=[^ ]*:(\d+)")
_numbers = itertools.count(1)


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A new empty database on ``server`` (C collation, as docs/scaling.md asks), dropped after."""
    name = f"relais_procs_{os.getpid()}_{next(_numbers)}"
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE 'C'")
    try:
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _clean_environment() -> dict[str, str]:
    """This process's environment without any Relais or Slack setting (the test sets its own)."""
    return {
        key: value for key, value in os.environ.items() if not key.startswith(("RELAIS_", "SLACK_"))
    }


class Instance:
    """One ``run.py serve`` process; its ports are known once it has started."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.smtp_port = 0
        self.http_port = 0
        self._log_from = 0  # where this start's lines begin in the log

    # -- life -----------------------------------------------------------------------

    def launch(self) -> None:
        """Start the process (it writes its log to ``log_path``); :meth:`ready` waits for it."""
        assert self.process is None or self.process.poll() is not None, f"{self.name} runs"
        self.log_path.touch()
        self._log_from = self.log_path.stat().st_size
        self.smtp_port = self.http_port = 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "run.py", "serve"], cwd=ROOT, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def ready(self, within: float = START_WITHIN) -> None:
        """Wait until the instance says where it listens and ``/healthz`` answers ``ok``."""

        async def started() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited ({self.process.returncode}):\n{self.tail()}"
                )
            text = self.log()
            smtp, http = SMTP_PORT.search(text), HTTP_PORT.search(text)
            if smtp is None or http is None:
                return False
            self.smtp_port, self.http_port = int(smtp.group(1)), int(http.group(1))
            return True

        await until(started, within, f"{self.name} started")
        await until(self._healthy, within, f"{self.name} healthy")

    async def _healthy(self) -> bool:
        try:
            status, body = await self.get("/healthz")
        except (aiohttp.ClientError, OSError):
            return False
        answer = json.loads(body) if status in (200, 503) else {}
        return status == 200 and answer.get("instance") == self.name

    def kill(self) -> None:
        """SIGKILL: the instance dies at once, whatever it was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_WITHIN)

    def stop(self) -> None:
        """SIGTERM, as systemd stops it; SIGKILL if it has not stopped within the deadline."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- talking to it ----------------------------------------------------------------

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/slack/events"

    async def get(self, path: str) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(total=5)
        url = f"http://127.0.0.1:{self.http_port}{path}"
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            return response.status, await response.text()

    def log(self) -> str:
        """What this start of the instance has logged so far."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_from)
            return log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 40) -> str:
        with self.log_path.open("rb") as log:
            text = log.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def errors(self) -> list[str]:
        """Every line this instance logged at level error, over all its starts."""
        with self.log_path.open("rb") as log:
            text = log.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if " level=error " in line]


class Cluster:
    """``count`` instances named ``relais-1`` … on one database, each with its own ports."""

    def __init__(
        self, database: str, folder: Path, count: int = 3, settings: dict[str, str] | None = None
    ) -> None:
        self.database = database
        common = {
            **_clean_environment(),
            "RELAIS_DATABASE": database,
            "RELAIS_CONFIG_DIR": str(ROOT / "config"),  # the shipped configuration
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_PORT": "0",
            "RELAIS_MAIL_PARSE_WORKERS": "0",  # a thread: 3 instances on 2 CPUs
            "RELAIS_SMTP_RATE_LIMIT": "0",
            "RELAIS_SMTP_MAX_CONNECTIONS": "0",
            "RELAIS_SCHEDULER_TICK": "1",
            "RELAIS_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(settings or {}),
        }
        self.instances = [
            Instance(
                f"relais-{n}",
                {**common, "RELAIS_INSTANCE": f"relais-{n}", "RELAIS_SMTP_HOSTNAME": f"mx{n}.test"},
                folder,
            )
            for n in range(1, count + 1)
        ]

    def __getitem__(self, index: int) -> Instance:
        return self.instances[index]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.instances)

    async def start(self) -> None:
        """Start every instance at once (they migrate the empty database together) and wait."""
        for instance in self.instances:
            instance.launch()
        await asyncio.gather(*(instance.ready() for instance in self.instances))

    def alive(self) -> list[Instance]:
        return [instance for instance in self.instances if instance.alive]

    def stop(self) -> None:
        """SIGTERM to every instance at once, then wait for each (SIGKILL past the deadline)."""
        for instance in self.instances:
            if instance.process is not None and instance.alive:
                instance.process.send_signal(signal.SIGTERM)
        for instance in self.instances:
            instance.stop()

    def unexpected_errors(self) -> list[str]:
        """Error lines of every instance but a write refused by a concurrent one and run again.

        On PostgreSQL a write that collides with another instance's (a serialisation
        failure, a unique key taken meanwhile) is logged, then done again in a new
        transaction (docs/scaling.md): expected here. Anything else is not.
        """
        expected = ("psycopg.errors.SerializationFailure", "psycopg.errors.UniqueViolation")
        return [
            line
            for instance in self.instances
            for line in instance.errors()
            if not ("event=write_job_failed" in line and any(e in line for e in expected))
        ]

    def report(self) -> str:
        """Each instance's errors and last lines: printed when a test fails."""
        parts = []
        for instance in self.instances:
            errors = "\n".join(instance.errors()[-10:]) or "(none)"
            parts.append(
                f"==== {instance.name} (errors) ====\n{errors}\n"
                f"==== {instance.name} (last lines) ====\n{instance.tail()}"
            )
        return "\n".join(parts)


def rows(database: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    """What a query returns, read by the test itself (the database as the instances left it)."""
    with psycopg.connect(database, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())


def execute(database: str, sql: str, *params: object) -> int:
    """Change the database as no instance would (a test's stand-in for time passing); rows."""
    with psycopg.connect(database, autocommit=True) as conn:
        return conn.execute(sql, params).rowcount


def count(database: str, sql: str, *params: object) -> int:
    found = rows(database, sql, *params)
    return int(str(found[0][0])) if found else 0


async def settled(
    database: str, sql: str, expected: int, within: float, what: str, *params: object
) -> None:
    """Wait until ``sql`` counts ``expected`` (polling the database with a deadline)."""

    async def reached() -> bool:
        return await asyncio.to_thread(count, database, sql, *params) == expected

    with suppress(AssertionError):
        await until(reached, within, what)
        return
    found = await asyncio.to_thread(count, database, sql, *params)
    raise AssertionError(f"{what}: {found}, expected {expected}, after {within:.0f} s")
