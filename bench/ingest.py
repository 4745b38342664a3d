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
Lead visibility is measured twice: for sporadic messages on an otherwise idle
server (the bench polls the database until the lead appears), and under the 8-session
load (the database's own received/processed timestamps), with the time the
backlog took to drain once the load stopped. Read the ratios: the machine is
small and noisy.

    .venv/bin/python bench/ingest.py [--quick] [--seconds 4] [--rounds 3] [--sessions 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

CAPTURE = b"leads@relais.example"
BODY_LINE = b"Bonjour, nous souhaitons un devis pour l'installation d'un poele a granules.\r\n"
SIZE = 3000
SPORADIC = 0.1  # seconds between two messages of the lead-visibility run on an idle server


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
    database: Path | None
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


# -- the clients ----------------------------------------------------------------------


RUN = f"{os.getpid()}.{time.time_ns()}"


def message_id(n: int) -> str:
    return f"bench-{n}-{RUN}@bench"


def message(n: int) -> bytes:
    head = (
        f"From: Prospect {n} <prospect{n}@client{n % 50}.fr>\r\nTo: leads@relais.example\r\n"
        f"Subject: Demande de devis {n}\r\nMessage-ID: <{message_id(n)}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode()
    lines = (SIZE - len(head)) // len(BODY_LINE) + 1
    return head + BODY_LINE * lines


async def reply(reader: asyncio.StreamReader) -> int:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("server closed the session")
        if line[3:4] != b"-":
            return int(line[:3])


@dataclass
class Load:
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


async def transaction(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int
) -> tuple[int, float]:
    for command, expected in (
        (b"MAIL FROM:<prospect%d@client%d.fr>\r\n" % (n, n % 50), 250),
        (b"RCPT TO:<" + CAPTURE + b">\r\n", 250),
        (b"DATA\r\n", 354),
    ):
        writer.write(command)
        code = await reply(reader)
        if code != expected:
            return code, 0.0
    writer.write(message(n) + b".\r\n")
    started = time.perf_counter()
    code = await reply(reader)
    return code, time.perf_counter() - started


async def session(port: int, until: float, numbers: Iterator[int], load: Load) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader)
    writer.write(b"EHLO bench\r\n")
    await reply(reader)
    while time.perf_counter() < until:
        code, elapsed = await transaction(reader, writer, next(numbers))
        if code == 250:
            load.sent += 1
            load.latencies.append(elapsed)
        else:
            load.errors += 1
            writer.write(b"RSET\r\n")
            await reply(reader)
    writer.write(b"QUIT\r\n")
    await reply(reader)
    writer.close()


async def run_load(port: int, sessions: int, seconds: float, numbers: Iterator[int]) -> Load:
    load = Load()
    until = time.perf_counter() + seconds
    await asyncio.gather(*(session(port, until, numbers, load) for _ in range(sessions)))
    return load


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Figure:
    rate: float
    p50: float
    p99: float


def figure(loads: list[Load], seconds: float) -> Figure:
    ranked = sorted(loads, key=lambda x: x.sent)
    middle = ranked[len(ranked) // 2]
    return Figure(
        middle.sent / seconds, percentile(middle.latencies, 0.5), percentile(middle.latencies, 0.99)
    )


# -- lead visibility ------------------------------------------------------------------


async def visibility_idle(server: Server, count: int, numbers: Iterator[int]) -> list[float]:
    """Sporadic messages: from each one's 250 until the bench sees its lead."""
    assert server.database is not None
    conn = sqlite3.connect(server.database, isolation_level=None)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    await reply(reader)
    writer.write(b"EHLO bench\r\n")
    await reply(reader)
    delays = []
    for _ in range(count):
        n = next(numbers)
        code, _ = await transaction(reader, writer, n)
        acknowledged = time.perf_counter()
        if code == 250:
            await wait_for_lead(conn, message_id(n))
            delays.append(time.perf_counter() - acknowledged)
        await asyncio.sleep(SPORADIC)
    writer.close()
    conn.close()
    return delays


async def wait_for_lead(conn: sqlite3.Connection, mid: str) -> None:
    sql = "SELECT lead_id FROM mails WHERE message_id = ? AND lead_id IS NOT NULL"
    while True:
        if conn.execute(sql, (mid,)).fetchone() is not None:
            return
        await asyncio.sleep(0.0005)


def visibility_under_load(database: Path, since: str) -> tuple[list[float], int]:
    conn = sqlite3.connect(database)
    rows = conn.execute(
        "SELECT (julianday(processed_at) - julianday(received_at)) * 86400.0 FROM mails"
        " WHERE received_at >= ? AND processed_at IS NOT NULL",
        (since,),
    ).fetchall()
    waiting = conn.execute("SELECT count(*) FROM mails WHERE status = 'received'").fetchone()[0]
    conn.close()
    return [r[0] for r in rows], int(waiting)


async def drain_time(database: Path, limit: float = 300.0) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(database)
    while conn.execute("SELECT count(*) FROM mails WHERE status = 'received'").fetchone()[0]:
        if time.perf_counter() - started > limit:
            break
        await asyncio.sleep(0.05)
    conn.close()
    return time.perf_counter() - started


# -- the report ------------------------------------------------------------------------


@dataclass
class Settings:
    seconds: float
    rounds: int
    sessions: tuple[int, ...]
    visibility: int


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
    figures: dict[int, Figure] = {}
    await run_load(server.port, 4, 0.5, numbers)  # warm-up
    for n in settings.sessions:
        loads = [
            await run_load(server.port, n, settings.seconds, numbers)
            for _ in range(settings.rounds)
        ]
        figures[n] = figure(loads, settings.seconds)
        print(
            f"  {kind:>6} {n:>2} sessions: {figures[n].rate:,.0f} msg/s, p99 {ms(figures[n].p99)}",
            flush=True,
        )
        if server.database is not None:
            await drain_time(server.database)
    return figures, server


async def lead_visibility(server: Server, settings: Settings) -> list[str]:
    assert server.database is not None
    idle = await visibility_idle(server, settings.visibility, itertools.count(5_000_000))
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    load = await run_load(server.port, 8, settings.seconds, itertools.count(6_000_000))
    drained = await drain_time(server.database)
    delays, waiting = visibility_under_load(server.database, since)
    return [
        f"250 → lead visible, sporadic mail ({len(idle)} messages {SPORADIC:g} s apart):"
        f" p50 {ms(percentile(idle, 0.5))}, p99 {ms(percentile(idle, 0.99))}",
        f"250 → lead created, under 8 sessions ({load.sent / settings.seconds:,.0f} msg/s for"
        f" {settings.seconds:g} s, {len(delays)} messages): p50 {ms(percentile(delays, 0.5))},"
        f" p99 {ms(percentile(delays, 0.99))}; backlog drained {drained:.1f} s after the load"
        f" stopped ({waiting} left)",
    ]


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
    parser.add_argument("--serve-sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_sink:
        serve_sink(args.serve_sink)
        return 0
    return Settings(
        seconds=args.seconds or (0.5 if args.quick else 4.0),
        rounds=args.rounds or (1 if args.quick else 3),
        sessions=tuple(int(n) for n in args.sessions.split(",")),
        visibility=20 if args.quick else 200,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse(argv)
    if isinstance(settings, int):
        return settings
    return asyncio.run(bench(settings))


if __name__ == "__main__":
    sys.exit(main())
