"""The ingest bench's SMTP clients: raw asyncio sockets, one persistent session each.

Split from ``bench/ingest.py`` (which starts the servers and prints the report)
so that :mod:`bench.ingest_leads` shares the same clients and message numbering.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

CAPTURE = b"leads@relais.example"
BODY_LINE = b"Bonjour, nous souhaitons un devis pour l'installation d'un poele a granules.\r\n"
SIZE = 3000

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
    accepted: list[int] = field(default_factory=list)  # the numbers of the messages answered 250


async def transaction(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int, data: bytes | None = None
) -> tuple[int, float]:
    """One mail (``data``, else the ~3 KB message ``n``); the reply code and the time to it."""
    for command, expected in (
        (b"MAIL FROM:<prospect%d@client%d.fr>\r\n" % (n, n % 50), 250),
        (b"RCPT TO:<" + CAPTURE + b">\r\n", 250),
        (b"DATA\r\n", 354),
    ):
        writer.write(command)
        code = await reply(reader)
        if code != expected:
            return code, 0.0
    writer.write((message(n) if data is None else data) + b".\r\n")
    started = time.perf_counter()
    code = await reply(reader)
    return code, time.perf_counter() - started


async def session(port: int, until: float, numbers: Iterator[int], load: Load) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader)
    writer.write(b"EHLO bench\r\n")
    await reply(reader)
    while time.perf_counter() < until:
        n = next(numbers)
        code, elapsed = await transaction(reader, writer, n)
        if code == 250:
            load.sent += 1
            load.latencies.append(elapsed)
            load.accepted.append(n)
        else:
            load.errors += 1
            writer.write(b"RSET\r\n")
            await reply(reader)
    writer.write(b"QUIT\r\n")
    await reply(reader)
    writer.close()


async def run_load(port: int, sessions: int, seconds: float, numbers: Iterator[int]) -> Load:
    return await run_spread([port], sessions, seconds, numbers)


async def run_spread(
    ports: Sequence[int], sessions: int, seconds: float, numbers: Iterator[int]
) -> Load:
    """``sessions`` sessions dealt over ``ports`` in turn (several instances), one load."""
    load = Load()
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(session(ports[i % len(ports)], until, numbers, load) for i in range(sessions))
    )
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
