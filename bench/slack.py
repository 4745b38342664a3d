"""Slack acknowledgement latency and throughput: Relais against an ack-only Bolt app.

Issue 5's targets, at 16 concurrent signed requests: Relais' p99 ack latency
within 2x the ack-only app's p99, and at least 0.5 of its requests per second.

What each side does:

ack-only  a Bolt ``AsyncApp`` whose listeners only call ``ack()``, with
          ``process_before_response=True`` (the fastest acknowledgement: no
          10 ms polling), behind the same aiohttp adapter.
relais    the real bot (``bot.app.SlackBot``) over a real engine with the
          default blueprint: each request is journaled (one group-committed
          write) and acknowledged; the work runs after the ack.

Scenarios:

deal card        ``/crm deal <id>``: after the ack the card (stage, moves
                 available to the user, activities…) is read and posted to the
                 ``response_url``.
move with modal  a click on a transition that asks for fields: after the ack a
                 loading modal is opened (``views.open``, the trigger lives 3 s)
                 and filled with the blueprint's form (``views.update``).

Each server runs in its own process; the load generator and the fake Slack
Web API share this one. Every request is signed like Slack signs it. Between
two measurements the Relais server finishes all the work it acknowledged
(``done`` counts that work). Read the ratios, not the absolute numbers.

A second table gives each server's CPU per request (all its threads, read
from ``/proc`` on Linux): the ack-only app's, Relais' while the load runs
(acks, journal commits, and the loading modals, whose trigger cannot wait),
and Relais' after it (the deferred work: cards, forms, answers).

    .venv/bin/python bench/slack.py [--quick] [--seconds 3] [--levels 1,16,64]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder heads sys.path: put the repository root there.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from tests.fakes.slack import SECRET, TEAM, TOKEN, FakeSlack  # noqa: E402

SCENARIOS = ("deal card", "move with modal")
TARGET_P99 = 2.0
TARGET_RATE = 0.5
TARGET_LEVEL = 16


# -- the servers (each in its own process) ----------------------------------------


def _settings(database: str, fake_url: str) -> Any:
    from config.settings import load_settings

    return load_settings(
        {
            "RELAIS_DATABASE": database, "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_url,
            "RELAIS_LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )  # fmt: skip


def _ack_only(settings: Any) -> web.Application:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.context.ack.async_ack import AsyncAck
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=TOKEN, base_url=settings.slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=SECRET, process_before_response=True)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/crm")(only_ack)
    bolt.action(re.compile(".*"))(only_ack)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


async def _relais(settings: Any) -> web.Application:
    from bot.app import SlackBot
    from engine.core import Engine
    from service import wiring

    engine = await Engine.open(settings.database)
    bot = SlackBot(engine, settings)
    wiring.apply(engine.bus, wiring.slack_listeners(bot.runtime))

    async def close(app: web.Application) -> None:
        await bot.stop()
        await engine.close()

    app = web.Application()
    bot.mount(app)
    await bot.start()

    async def idle(request: web.Request) -> web.Response:
        await bot.runtime.settle(120)
        return web.Response(text="idle")

    app.router.add_get("/bench/idle", idle)
    app.on_cleanup.append(close)
    return app


async def serve(mode: str, database: str, fake_url: str) -> None:
    if mode == "fake":
        fake = FakeSlack()
        await fake.start()
        print(fake.port, flush=True)
        await _until_terminated()
        await fake.stop()
        return
    settings = _settings(database, fake_url)
    app = await _relais(settings) if mode == "relais" else _ack_only(settings)
    if mode != "relais":
        app.router.add_get("/bench/idle", lambda r: _ok())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await _until_terminated()
    await runner.cleanup()


async def _until_terminated() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


def _serve(mode: str, database: str, fake_url: str) -> None:
    """``RELAIS_BENCH_PROFILE=file`` writes the server's cProfile statistics there."""
    target = os.environ.get("RELAIS_BENCH_PROFILE")
    profile = cProfile.Profile() if target and mode == "relais" else None
    if profile is not None:
        profile.enable()
    asyncio.run(serve(mode, database, fake_url))
    if profile is not None and target:
        profile.disable()
        profile.dump_stats(target)


async def _ok() -> web.Response:
    return web.Response(text="idle")


# -- seeding -------------------------------------------------------------------------


async def seed(database: str) -> tuple[int, int]:
    """A governed pipeline, Alice (known by her Slack id), one deal with some history."""
    from datetime import timedelta

    from config.blueprint_schema import load_blueprint_file
    from engine import clock
    from engine.actors import Actor
    from engine.core import Engine
    from engine.crm.activities import ActivityDraft
    from engine.crm.contacts import ContactDraft
    from engine.crm.deals import DealDraft
    from engine.crm.users import UserDraft

    engine = await Engine.open(database)
    admin = Actor.cli("bench")
    await engine.blueprints.save(
        load_blueprint_file(ROOT / "config/blueprints/default.yaml"), admin
    )
    await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
    alice = await engine.users.actor_for("U_ALICE", "slack")
    contact = ContactDraft("Jean Dupont", "jean@dupont.fr")
    deal = await engine.deals.create(
        DealDraft("Poêle Dupont", contact, expected_revenue="8000"), alice
    )
    for days in (1, 3):
        due = clock.utcnow() + timedelta(days=days)
        draft = ActivityDraft("call", f"Rappel J+{days}", due_at=due, deal_id=deal.id)
        await engine.activities.create(draft, alice)
    await engine.close()
    return deal.id, deal.version


# -- the load --------------------------------------------------------------------------


@dataclass
class Result:
    latencies: list[float]
    seconds: float
    done: int = 0
    cpu_window: float | None = None  # the server's CPU seconds while the load ran
    cpu_after: float | None = None  # and while it finished the work it acknowledged

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def cpu_per_request(self, seconds: float | None) -> str:
        if seconds is None or not self.latencies:
            return "—"
        return f"{seconds / len(self.latencies) * 1000:.3f}"

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


class Load:
    def __init__(self, fake_url: str, deal: tuple[int, int]) -> None:
        self.hooks = fake_url.replace("/api/", "/hooks/")
        self.deal_id, self.version = deal
        self.signer = SignatureVerifier(SECRET)
        self.triggers = itertools.count(1)

    def trigger(self) -> str:
        """Unique, stamped with its issue time: the fake refuses it after 3 s, like Slack."""
        return f"t{next(self.triggers)}@{int(time.time() * 1000)}"

    def hook(self) -> str:
        return f"{self.hooks}r{next(self.triggers)}"

    def body(self, scenario: str) -> str:
        if scenario == "deal card":
            return urlencode({
                "command": "/crm", "text": f"deal {self.deal_id}", "user_id": "U_ALICE",
                "team_id": TEAM, "channel_id": "C_BENCH", "response_url": self.hook(),
                "trigger_id": self.trigger(),
            })  # fmt: skip
        value = f"{self.deal_id}|estimer|{self.version}|f"
        payload = {
            "type": "block_actions", "user": {"id": "U_ALICE"}, "team": {"id": TEAM},
            "trigger_id": self.trigger(), "channel": {"id": "C_BENCH"},
            "response_url": self.hook(), "container": {"type": "message"},
            "actions": [{"action_id": "deal_move_0", "value": value, "type": "button"}],
        }  # fmt: skip
        return urlencode({"payload": json.dumps(payload)})

    def headers(self, body: str) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(self.signer.generate_signature(timestamp=stamp, body=body)),
            "Content-Type": "application/x-www-form-urlencoded",
        }

    async def warm_up(self, url: str, scenario: str) -> None:
        async with aiohttp.ClientSession() as http:
            await self._worker(http, url, scenario, time.perf_counter() + 0.2, [])

    async def run(self, url: str, scenario: str, level: int, seconds: float) -> Result:
        latencies: list[float] = []
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.perf_counter()
            end = started + seconds
            await asyncio.gather(
                *(self._worker(http, url, scenario, end, latencies) for _ in range(level))
            )
            return Result(latencies, time.perf_counter() - started)

    async def _worker(
        self, http: aiohttp.ClientSession, url: str, scenario: str, end: float, out: list[float]
    ) -> None:
        while time.perf_counter() < end:
            body = self.body(scenario)
            headers = self.headers(body)
            began = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{scenario}: HTTP {response.status}")
            out.append(time.perf_counter() - began)


# -- orchestration ---------------------------------------------------------------------


class Server:
    """A server process; it prints its port once listening (the fake keeps answering)."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/slack/events"

    @classmethod
    async def start(cls, mode: str, database: str = "", fake_url: str = "") -> Server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", mode, "--database", database,
            "--fake-url", fake_url, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        return cls(process, int(await process.stdout.readline()))

    async def get(self, path: str) -> str:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{self.port}{path}") as response,
        ):
            return await response.text()

    async def idle(self) -> None:
        await self.get("/bench/idle")

    def cpu(self) -> float | None:
        """CPU seconds the process has used, all threads (Linux's /proc; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        self.process.terminate()
        await asyncio.wait_for(self.process.wait(), 10)


async def _work_done(fake: Server, scenario: str) -> int:
    method = "response_url" if scenario == "deal card" else "views.update"
    return int(json.loads(await fake.get(f"/calls/{method}")))


async def _cell(
    load: Load, fake: Server, server: Server, scenario: str, level: int, seconds: float
) -> Result:
    """One measurement, from a server that has finished all the work it acknowledged."""
    await load.warm_up(server.url, scenario)
    await server.idle()
    before = await _work_done(fake, scenario)
    started = server.cpu()
    result = await load.run(server.url, scenario, level, seconds)
    loaded = server.cpu()
    await server.idle()
    settled = server.cpu()
    result.done = await _work_done(fake, scenario) - before
    if started is not None and loaded is not None and settled is not None:
        result.cpu_window, result.cpu_after = loaded - started, settled - loaded
    return result


async def measure(args: argparse.Namespace) -> dict[tuple[str, int, str], Result]:
    fake = await Server.start("fake")
    fake_url = f"http://127.0.0.1:{fake.port}/api/"
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    database = str(folder / "bench.db")
    deal = await seed(database)
    servers = {
        "ack-only": await Server.start("ack-only", str(folder / "ack.db"), fake_url),
        "relais": await Server.start("relais", database, fake_url),
    }
    load = Load(fake_url, deal)
    results: dict[tuple[str, int, str], Result] = {}
    try:
        for _ in range(args.rounds):
            for scenario in SCENARIOS:
                for level in args.levels:
                    for name, server in servers.items():
                        result = await _cell(load, fake, server, scenario, level, args.seconds)
                        key = (scenario, level, name)
                        if key not in results or result.rate > results[key].rate:
                            results[key] = result
    finally:
        for server in (*servers.values(), fake):
            await server.stop()
    return results


def _verdict(p99_ratio: float, rate_ratio: float, level: int) -> str:
    if level != TARGET_LEVEL:
        return ""
    ok = p99_ratio <= TARGET_P99 and rate_ratio >= TARGET_RATE
    return "meets target" if ok else "MISSES target"


def table(results: dict[tuple[str, int, str], Result], levels: Sequence[int]) -> str:
    lines = [
        "| scenario | concurrent | ack-only p50 / p99 ms | ack-only req/s | Relais p50 / p99 ms"
        " | Relais req/s | work done | p99 ratio | req/s ratio | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        for level in levels:
            base, ours = (
                results[(scenario, level, "ack-only")],
                results[(scenario, level, "relais")],
            )
            p99 = ours.percentile(99) / base.percentile(99)
            rate = ours.rate / base.rate
            lines.append(
                f"| {scenario} | {level} | {base.percentile(50):.1f} / {base.percentile(99):.1f}"
                f" | {base.rate:,.0f} | {ours.percentile(50):.1f} / {ours.percentile(99):.1f}"
                f" | {ours.rate:,.0f} | {ours.done}/{len(ours.latencies)} | {p99:.2f}x"
                f" | {rate:.2f} | {_verdict(p99, rate, level)} |"
            )
    return "\n".join(lines)


def cpu_table(results: dict[tuple[str, int, str], Result], levels: Sequence[int]) -> str:
    """Where the servers' CPU goes, per request: acknowledging, then the work after."""
    lines = [
        "| scenario | concurrent | ack-only ms/request | Relais ms/request while acking"
        " | Relais ms/request after (the work) |",
        "|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        for level in levels:
            base, ours = (
                results[(scenario, level, "ack-only")],
                results[(scenario, level, "relais")],
            )
            lines.append(
                f"| {scenario} | {level} | {base.cpu_per_request(base.cpu_window)}"
                f" | {ours.cpu_per_request(ours.cpu_window)}"
                f" | {ours.cpu_per_request(ours.cpu_after)} |"
            )
    return "\n".join(lines)


def _levels(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: short, 1 and 16 only")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--levels", type=_levels, default=[1, 16, 64], help="e.g. 1,16,64")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs per cell")
    parser.add_argument("--serve", choices=("relais", "ack-only", "fake"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.database, args.fake_url)
        return 0
    if args.quick:
        args.seconds, args.levels, args.rounds = 0.5, [1, 16], 1
    results = asyncio.run(measure(args))
    print(f"Slack acks — Python {platform.python_version()}, {os.cpu_count()} CPUs, best of "
          f"{args.rounds} runs of {args.seconds:g} s per cell\n")  # fmt: skip
    print(table(results, args.levels))
    print("\nServer CPU per request (all threads; 1 s of one core = 1,000 ms):\n")
    print(cpu_table(results, args.levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
