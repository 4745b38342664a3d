"""What the SMTP benches share: the servers they start, their settings, a figure per load.

``bench/ingest.py`` (SQLite, and the report) and ``bench/pg_ingest.py`` (PostgreSQL,
one and three instances) both import this module, and neither imports the other at
load time: the PostgreSQL bench is loaded by ``bench/ingest.py`` only when asked for.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.ingest_leads import drain_time
from bench.ingest_smtp import Figure, figure, run_spread

ROOT = Path(__file__).resolve().parent.parent
INGEST = ROOT / "bench" / "ingest.py"  # its ``--serve-sink PORT`` serves the sink


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Settings:
    seconds: float
    rounds: int
    sessions: tuple[int, ...]
    visibility: int
    hostile: int  # hostile-then-plain pairs
    database: str | None = None  # a postgresql:// server: the PostgreSQL bench (bench/pg_ingest.py)


@dataclass
class Server:
    kind: str
    port: int
    database: Path | str | None  # a SQLite file or a postgresql:// URL; None for the sink
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_server(kind: str, work: Path) -> Server:
    """The sink, or ``run.py smtp`` on a SQLite file in ``work``; returns once it listens."""
    port = free_port()
    if kind == "sink":
        argv = [sys.executable, str(INGEST), "--serve-sink", str(port)]
        env, database = dict(os.environ), None
    else:
        database = work / f"relais-{port}.db"
        argv = [sys.executable, "run.py", "smtp"]
        env = {
            **os.environ, "RELAIS_DATABASE": str(database), "RELAIS_CONFIG_DIR": str(work),
            "RELAIS_SMTP_PORT": str(port), "RELAIS_SMTP_RATE_LIMIT": "0",
            "RELAIS_SMTP_MAX_CONNECTIONS": "0", "RELAIS_LOG_LEVEL": "WARNING",
            "RELAIS_SMTP_HOSTNAME": "relais", "RELAIS_LOCALE": "en",  # "listening on …"
        }  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(b"listening"):
        process.kill()
        raise RuntimeError(f"{kind} server did not start: {line!r}")
    return Server(kind, port, database, process)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


async def measure(kind: str, work: Path, settings: Settings) -> tuple[dict[int, Figure], Server]:
    server = start_server(kind, work)
    numbers = itertools.count(1_000_000 if kind == "sink" else 0)
    return await measure_servers([server], kind, settings, numbers), server


async def measure_servers(
    servers: Sequence[Server],
    kind: str,
    settings: Settings,
    numbers: Iterator[int],
    accepted: list[int] | None = None,
) -> dict[int, Figure]:
    """A figure per session count, the sessions dealt over ``servers`` (one database).

    The numbers of the messages answered 250 are added to ``accepted``; the
    backlog is drained after each figure, so that the next starts even.
    """
    ports, database = [s.port for s in servers], servers[0].database
    figures: dict[int, Figure] = {}
    loads = [await run_spread(ports, 4, 0.5, numbers)]  # warm-up
    for n in settings.sessions:
        measured = [
            await run_spread(ports, n, settings.seconds, numbers) for _ in range(settings.rounds)
        ]
        loads += measured
        figures[n] = figure(measured, settings.seconds)
        print(
            f"  {kind:>6} {n:>2} sessions: {figures[n].rate:,.0f} msg/s, p99 {ms(figures[n].p99)}",
            flush=True,
        )
        if database is not None:
            await drain_time(database)
    if accepted is not None:
        accepted += [number for load in loads for number in load.accepted]
    return figures
