"""SMTP ingestion throughput and time-to-250, against an aiosmtpd sink in the same run.

Issue 4's targets:

* with 32 concurrent SMTP sessions Relais accepts at least half as many
  messages per second as an aiosmtpd handler that answers ``250`` at once
  without storing anything (Relais answers only once the message is committed
  with ``synchronous=FULL``);
* p99 time-to-250 under 50 ms with 8 sessions;
* and how long after its ``250`` a message's lead is visible in the database.

What each side does:

sink      ``aiosmtpd``'s ``SMTP`` with a handler whose ``handle_DATA`` returns
          ``250`` (RCPT accepts anything), served in its own process.
relais    ``run.py smtp`` in its own process: recipient policy, sender check,
          durable group-committed store, then (after the 250) parsing in a
          worker process and the lead created — all of it competing for the
          same two cores while the clients run.

Clients are raw asyncio sockets in this process, one persistent session each,
sending ~3 KB messages from distinct senders one transaction after another.
Time-to-250 is measured from the end of the data (the final dot) to the
reply. A figure is the median of ``--rounds`` runs of ``--seconds`` each.
Lead visibility is measured three ways (:mod:`bench.ingest_leads`): for
sporadic messages on an otherwise idle server (the bench polls the database
until the lead appears), under the 8-session load (the database's own
received/processed timestamps), with the time the backlog took to drain once
the load stopped, and for a plain mail sent right after a hostile HTML mail
(issue 11: target under 2 s). The clients live in :mod:`bench.ingest_smtp`.
Read the ratios: the machine is small and noisy.

    .venv/bin/python bench/ingest.py [--quick] [--seconds 4] [--rounds 3] [--sessions 1,8,32]
    .venv/bin/python bench/ingest.py --database postgresql://user@host:5432/postgres

With ``--database`` Relais runs on PostgreSQL (issue 13, :mod:`bench.pg_ingest`):
one ``run.py serve``, then three on the same database, against the same sink.
"""

from __future__ import annotations

import argparse
import asyncio
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

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.ingest_leads import (  # noqa: E402 (the path above first)
    HOSTILE_TARGET,
    SPORADIC,
    after_hostile,
    drain_time,
    visibility_idle,
    visibility_under_load,
)
from bench.ingest_smtp import (  # noqa: E402
    SIZE,
    Figure,
    figure,
    percentile,
    run_load,
    run_spread,
)

# -- the servers --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_sink(port: int) -> None:
    """The ceiling: aiosmtpd answering 250 to everything, storing nothing."""
    from aiosmtpd.smtp import SMTP, Envelope, Session

    class Sink:
        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            return "250 2.0.0 OK"

    async def run() -> None:
        loop = asyncio.get_running_loop()
        handler = Sink()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink", enable_SMTPUTF8=True, loop=loop),
            host="127.0.0.1",
            port=port,
        )
        print("listening", flush=True)
        await server.serve_forever()

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    asyncio.run(run())


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
    port = free_port()
    if kind == "sink":
        argv = [sys.executable, str(Path(__file__).resolve()), "--serve-sink", str(port)]
        env, database = dict(os.environ), None
    else:
        database = work / f"relais-{port}.db"
        argv = [sys.executable, "run.py", "smtp"]
        env = {
            **os.environ, "RELAIS_DATABASE": str(database), "RELAIS_CONFIG_DIR": str(work),
            "RELAIS_SMTP_PORT": str(port), "RELAIS_SMTP_RATE_LIMIT": "0",
            "RELAIS_SMTP_MAX_CONNECTIONS": "0", "RELAIS_LOG_LEVEL": "WARNING",
            "RELAIS_SMTP_HOSTNAME": "relais",
        }  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(b"listening"):
        process.kill()
        raise RuntimeError(f"{kind} server did not start: {line!r}")
    return Server(kind, port, database, process)


# -- the report ------------------------------------------------------------------------


@dataclass
class Settings:
    seconds: float
    rounds: int
    sessions: tuple[int, ...]
    visibility: int
    hostile: int  # hostile-then-plain pairs
    database: str | None = None  # a postgresql:// server: the PostgreSQL bench (bench/pg_ingest.py)


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


def report(results: dict[str, dict[int, Figure]], settings: Settings) -> str:
    rows = [
        [
            "sessions",
            "sink msg/s",
            "relais msg/s",
            "ratio",
            "sink p50/p99",
            "relais p50/p99",
            "verdict",
        ]
    ]
    for n in settings.sessions:
        sink, relais = results["sink"][n], results["relais"][n]
        ratio = relais.rate / sink.rate if sink.rate else float("nan")
        verdict = ""
        if n == 32:
            verdict = f"ratio ≥ 0.5: {'met' if ratio >= 0.5 else 'MISSED'}"
        if n == 8:
            verdict = f"p99 < 50 ms: {'met' if relais.p99 < 0.050 else 'MISSED'}"
        rows.append(
            [str(n), f"{sink.rate:,.0f}", f"{relais.rate:,.0f}", f"{ratio:.2f}",
             f"{ms(sink.p50)} / {ms(sink.p99)}", f"{ms(relais.p50)} / {ms(relais.p99)}", verdict]
        )  # fmt: skip
    return table(rows)


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


async def lead_visibility(server: Server, settings: Settings) -> list[str]:
    assert isinstance(server.database, Path), "lead visibility reads a SQLite file"
    port, database = server.port, server.database
    idle = await visibility_idle(port, database, settings.visibility, itertools.count(5_000_000))
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    load = await run_load(port, 8, settings.seconds, itertools.count(6_000_000))
    drained = await drain_time(database)
    delays, waiting = visibility_under_load(database, since)
    hostile = await after_hostile(port, database, settings.hostile, itertools.count(7_000_000))
    return [
        f"250 → lead visible, sporadic mail ({len(idle)} messages {SPORADIC:g} s apart):"
        f" p50 {ms(percentile(idle, 0.5))}, p99 {ms(percentile(idle, 0.99))}",
        f"250 → lead created, under 8 sessions ({load.sent / settings.seconds:,.0f} msg/s for"
        f" {settings.seconds:g} s, {len(delays)} messages): p50 {ms(percentile(delays, 0.5))},"
        f" p99 {ms(percentile(delays, 0.99))}; backlog drained {drained:.1f} s after the load"
        f" stopped ({waiting} left)",
        hostile_line(hostile, settings.hostile),
    ]


def hostile_line(delays: list[float], pairs: int) -> str:
    worst = max(delays, default=float("inf"))
    verdict = "met" if len(delays) == pairs and worst < HOSTILE_TARGET else "MISSED"
    return (
        f"250 → lead visible, plain mail right after a hostile HTML mail ({len(delays)} of"
        f" {pairs}; 100,000 table rows or nested blockquotes, ~2.5 MB): p50"
        f" {ms(percentile(delays, 0.5))}, max {ms(worst)}; < {HOSTILE_TARGET:g} s: {verdict}"
    )


async def bench(settings: Settings) -> int:
    print(
        f"Relais SMTP ingestion bench: Python {platform.python_version()}, {os.cpu_count()} CPUs,"
        f" ~{SIZE} B messages, median of {settings.rounds} × {settings.seconds:g} s per figure",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="relais-ingest-bench-") as tmp:
        work = Path(tmp)
        results: dict[str, dict[int, Figure]] = {}
        sink_figures, sink = await measure("sink", work, settings)
        sink.stop()
        results["sink"] = sink_figures
        relais_figures, relais = await measure("relais", work, settings)
        results["relais"] = relais_figures
        try:
            visibility = await lead_visibility(relais, settings)
        finally:
            relais.stop()
    print()
    print(report(results, settings))
    print()
    for line in visibility:
        print(line)
    return 0


def parse(argv: Sequence[str] | None) -> Settings | int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: short and single")
    parser.add_argument("--seconds", type=float, help="length of one run (default 4)")
    parser.add_argument("--rounds", type=int, help="runs per figure, median (default 3)")
    parser.add_argument("--sessions", default="1,8,32", help="concurrent sessions (default 1,8,32)")
    parser.add_argument(
        "--database",
        metavar="postgresql://…",
        help="bench PostgreSQL: one and three `run.py serve` on a database the bench creates there",
    )
    parser.add_argument("--serve-sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database and not args.database.startswith(("postgresql://", "postgres://")):
        parser.error("--database takes a postgresql:// URL (SQLite is the default)")
    if args.serve_sink:
        serve_sink(args.serve_sink)
        return 0
    return Settings(
        seconds=args.seconds or (0.5 if args.quick else 4.0),
        rounds=args.rounds or (1 if args.quick else 3),
        sessions=tuple(int(n) for n in args.sessions.split(",")),
        visibility=20 if args.quick else 200,
        hostile=2 if args.quick else 6,
        database=args.database,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse(argv)
    if isinstance(settings, int):
        return settings
    if settings.database:
        from bench.pg_ingest import bench_postgres  # psycopg only when PostgreSQL is asked for

        return asyncio.run(bench_postgres(settings))
    return asyncio.run(bench(settings))


if __name__ == "__main__":
    sys.exit(main())
