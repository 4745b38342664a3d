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
import sys
import tempfile
import time
from collections.abc import Sequence
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
from bench.ingest_smtp import SIZE, Figure, percentile, run_load  # noqa: E402
from bench.smtp_load import Server, Settings, measure, ms, table  # noqa: E402

# -- the servers --------------------------------------------------------------------


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


# -- the report ------------------------------------------------------------------------


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
