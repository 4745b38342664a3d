"""``bench/ingest.py --database postgresql://…``: SMTP ingest on PostgreSQL, 1 and 3 instances.

Issue 13's figures, in the same run:

* one ``run.py serve`` on PostgreSQL against the aiosmtpd sink, at 1, 8 and 32
  sessions (target at 32: at least 0.5 of the sink's messages per second);
* three ``run.py serve`` on the same database, each with its own SMTP port, the
  sessions dealt over the three in turn: their aggregate, against the same sink;
* and a count: every message answered ``250`` is exactly one stored mail (one
  row of ``mails`` with its Message-ID), none stored twice, none lost; and
  once the backlog has drained, every one of them processed.

The sink and the clients are :mod:`bench.smtp_load`'s and :mod:`bench.ingest_smtp`'s
(the same ~3 KB messages, one persistent session per client, time-to-250 from
the final dot). Every instance competes for the machine's cores with
PostgreSQL, the clients and each other: on a 2-core machine three instances
cannot add capacity, they show that the instances share the work correctly.
The database is ``relais_bench_<pid>`` on the URL's server, dropped at the end.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.ingest_smtp import SIZE, Figure, message_id
from bench.pg_scratch import scratch, server_version
from bench.smtp_load import (
    ROOT,
    Server,
    Settings,
    free_port,
    measure,
    measure_servers,
    ms,
    table,
)

INSTANCES = 3
START_TIMEOUT = 120.0  # seconds for an instance to migrate, apply its configuration and listen
RATIO_TARGET = 0.5


# -- the instances ------------------------------------------------------------------------


def start_serve(url: str, work: Path, instance: int) -> Server:
    """``run.py serve`` on ``url``, its own SMTP and HTTP ports; returns once it greets."""
    port = free_port()
    env = {
        **os.environ, "RELAIS_DATABASE": url, "RELAIS_CONFIG_DIR": str(work),
        "RELAIS_SMTP_PORT": str(port), "RELAIS_HTTP_PORT": str(free_port()),
        "RELAIS_INSTANCE": f"bench-{instance}", "RELAIS_SMTP_RATE_LIMIT": "0",
        "RELAIS_SMTP_MAX_CONNECTIONS": "0", "RELAIS_LOG_LEVEL": "WARNING",
        "RELAIS_SMTP_HOSTNAME": f"relais-{instance}",
    }  # fmt: skip
    argv = [sys.executable, "run.py", "serve"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    server = Server(f"relais-{instance}", port, url, process)
    try:
        wait_until_greeting(port, process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return server


def wait_until_greeting(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until the listener answers ``220`` (the deadline: ``START_TIMEOUT``)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"run.py serve exited ({process.returncode}) before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.settimeout(5)
            if s.recv(3) == b"220":
                s.sendall(b"QUIT\r\n")
                return
        time.sleep(0.05)  # polling a condition with a deadline, not timing anything
    raise RuntimeError(f"run.py serve did not listen on {port} within {START_TIMEOUT:g} s")


def stop_all(servers: Sequence[Server]) -> None:
    for server in servers:
        server.process.terminate()
    for server in servers:
        server.process.wait(timeout=60)


# -- the count ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    accepted: int  # messages answered 250
    processed: int  # of them, processed once the backlog drained
    problems: list[str]  # what is wrong with the stored mails; empty: each exactly once

    def line(self) -> str:
        verdict = "; ".join(self.problems) if self.problems else "each exactly once"
        return (
            f"{self.accepted:,} messages answered 250, stored: {verdict}; {self.processed:,}"
            " of them processed once the backlog drained."
        )


def count_stored(url: str, accepted: Sequence[int]) -> Count:
    """Each message answered 250 against the stored mails, by Message-ID."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT message_id, status FROM mails WHERE message_id LIKE 'bench-%'"
        ).fetchall()
    stored = collections.Counter(str(r[0]) for r in rows)
    wanted = collections.Counter(message_id(n) for n in accepted)
    problems = []
    if len(wanted) != len(accepted):
        problems.append(f"{len(accepted) - len(wanted)} message numbers sent twice")
    twice = sum(1 for mid, k in stored.items() if k > 1)
    lost = sum(1 for mid in wanted if mid not in stored)
    extra = sum(1 for mid in stored if mid not in wanted)
    if twice:
        problems.append(f"{twice} accepted messages stored more than once")
    if lost:
        problems.append(f"{lost} accepted messages not stored")
    if extra:
        problems.append(f"{extra} stored messages never answered 250")
    processed = sum(1 for r in rows if r[1] == "processed")
    return Count(len(accepted), processed, problems)


# -- the report --------------------------------------------------------------------------


def report(sink: dict[int, Figure], one: dict[int, Figure], three: dict[int, Figure]) -> str:
    rows = [
        ["sessions", "sink msg/s", "1 instance msg/s", "ratio", f"{INSTANCES} instances msg/s",
         "ratio", "sink p50/p99", "1 instance p50/p99", f"{INSTANCES} instances p50/p99",
         "verdict"],
    ]  # fmt: skip
    for n in sink:
        ratio = one[n].rate / sink[n].rate if sink[n].rate else float("nan")
        aggregate = three[n].rate / sink[n].rate if sink[n].rate else float("nan")
        verdict = ""
        if n == 32:
            verdict = f"ratio ≥ {RATIO_TARGET}: {'met' if ratio >= RATIO_TARGET else 'MISSED'}"
        rows.append(
            [str(n), f"{sink[n].rate:,.0f}", f"{one[n].rate:,.0f}", f"{ratio:.2f}",
             f"{three[n].rate:,.0f}", f"{aggregate:.2f}", _latency(sink[n]), _latency(one[n]),
             _latency(three[n]), verdict]
        )  # fmt: skip
    return table(rows)


def _latency(figure: Figure) -> str:
    return f"{ms(figure.p50)} / {ms(figure.p99)}"


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the run -----------------------------------------------------------------------------


async def relais_figures(
    url: str, work: Path, settings: Settings
) -> tuple[dict[int, Figure], dict[int, Figure], Count]:
    """One instance, then three on the same database; the count of what they stored."""
    numbers: Iterator[int] = itertools.count()
    accepted: list[int] = []
    servers = [start_serve(url, work, 1)]
    try:
        one = await measure_servers(servers, "×1", settings, numbers, accepted)
        # The first instance migrated the database: the others start at once on it.
        for k in range(2, INSTANCES + 1):
            servers.append(start_serve(url, work, k))  # one by one: each is stopped after
        three = await measure_servers(servers, f"×{INSTANCES}", settings, numbers, accepted)
    finally:
        stop_all(servers)
    return one, three, count_stored(url, accepted)


async def bench_postgres(settings: Settings) -> int:
    assert settings.database is not None
    print(
        f"Relais SMTP ingestion bench on PostgreSQL: Python {platform.python_version()},"
        f" PostgreSQL {server_version(settings.database)}, {os.cpu_count()} CPUs, load average"
        f" {loadavg()}; ~{SIZE} B messages, median of {settings.rounds} × {settings.seconds:g} s"
        " per figure",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="relais-ingest-bench-") as tmp:
        work = Path(tmp)
        sink_figures, sink = await measure("sink", work, settings)
        sink.stop()
        with scratch(settings.database) as databases:
            one, three, count = await relais_figures(databases.url, work, settings)
    print(f"  load average at the end: {loadavg()}")
    print()
    print(report(sink_figures, one, three))
    print()
    print(count.line())
    return 1 if count.problems else 0
