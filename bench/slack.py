"""Slack: Relais against a minimal Bolt app making the same Slack calls (issue #16).

Targets, at 16 concurrent signed requests, for both scenarios: Relais' p99
ack latency at most 1.5x the baseline's, and at least 0.7x its requests per
second. Also reported, per scenario: end to end ("command → card posted",
"click → modal open": until the fake Slack receives the call), p50 and p99,
and CPU per request on both sides.

What each side does:

baseline  a minimal Bolt ``AsyncApp`` (same slack-bolt, same aiohttp server,
          Bolt's own signing check, ``process_before_response=True``) whose
          listeners ack, then make the same Slack call Relais makes, with
          canned content of the same bytes: the deal card posted to the
          ``response_url``; the transition's form opened with ``views.open``.
          The canned content is what Relais sent in the warm-up of this run.
relais    the real bot (``bot.app.SlackBot``) over a real engine with the
          default blueprint: each request acked, then the card read and
          posted, or the form read and opened (in one ``views.open`` when it
          is ready within 1.5 s; past that, a loading modal then
          ``views.update``). Both only read: no journal write.

Scenarios:

deal card        ``/crm deal <id>`` → ack → card posted to ``response_url``.
move with modal  a click on a transition that asks for fields → ack →
                 ``views.open`` of its form (the trigger lives 3 s).

Each server runs in its own process; the load generator and the fake Slack
(one process, its clock the system's monotonic clock) are shared. Every
request is signed like Slack signs it. Between two measurements each server
finishes all the work it acknowledged. CPU: all the server's threads, from
``/proc`` on Linux, while the load runs and while it finishes after it.
Read the ratios, not the absolute numbers.

    .venv/bin/python bench/slack.py [--quick] [--seconds 3] [--levels 1,16,64]
    .venv/bin/python bench/slack.py --card 2000 [--profile]   # CPU of one deal card
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import platform
import pstats
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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
# What the fake Slack receives at the end of each scenario, and what it is called.
CALL = {"deal card": "response_url", "move with modal": "views.open"}
END_TO_END = {"deal card": "command → card posted", "move with modal": "click → modal open"}
SIDES = ("baseline", "relais")
TARGET_P99 = 1.5
TARGET_RATE = 0.7
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


class BenchFake(FakeSlack):
    """The recording fake Slack, which also tells when each call arrived and what it said.

    ``/calls/<method>`` counts as before; ``?from=N`` lists ``[key, arrival]`` of the
    calls from the N-th on (key: the response_url's hook, or the trigger id);
    ``?last=1`` gives the last call's parameters. A ``views.open`` Slack would have
    refused (its trigger expired) is not counted: no modal opened.
    """

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()  # triggers whose views.open came too late

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(params)
        if not answer.get("ok"):
            self.refused.add(str(params.get("trigger_id")))
        return answer

    async def _count(self, request: web.Request) -> web.Response:
        calls = [
            c for c in self.of(request.match_info["method"]) if _key(c.params) not in self.refused
        ]
        if "last" in request.query:
            return web.json_response(calls[-1].params if calls else None)
        if "from" in request.query:
            start = int(request.query["from"])
            return web.json_response([[_key(c.params), c.at] for c in calls[start:]])
        return web.json_response(len(calls))


def _key(params: dict[str, Any]) -> str:
    return str(params.get("hook") or params.get("trigger_id") or "")


def _baseline(settings: Any, canned: dict[str, Any]) -> web.Application:
    """Bolt, acking and then making Relais' Slack call with the same bytes; nothing else."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.context.ack.async_ack import AsyncAck
    from slack_sdk.web.async_client import AsyncWebClient
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    client = AsyncWebClient(token=TOKEN, base_url=settings.slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=SECRET, process_before_response=True)
    running: set[asyncio.Task[Any]] = set()

    def later(work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        running.add(task)
        task.add_done_callback(running.discard)

    async def post_card(url: str) -> None:
        card = canned["card"]
        await AsyncWebhookClient(url, session=client.session).send(
            text=card["text"], blocks=card["blocks"], response_type="ephemeral",
            replace_original=card.get("replace_original", False),
        )  # fmt: skip

    async def card(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        later(post_card(body["response_url"]))

    async def form(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        later(client.views_open(trigger_id=body["trigger_id"], view=canned["modal"]))

    bolt.command("/crm")(card)
    bolt.action(re.compile("^deal_move_"))(form)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def idle(request: web.Request) -> web.Response:
        while running:
            await asyncio.wait(set(running))
        return web.Response(text="idle")

    async def session(app: web.Application) -> Any:
        client.session = aiohttp.ClientSession()
        yield
        await client.session.close()

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    app.router.add_get("/bench/idle", idle)
    app.cleanup_ctx.append(session)
    return app


async def _relais(settings: Any) -> web.Application:
    from bot.app import SlackBot
    from engine.core import Engine
    from service import wiring

    engine = await Engine.open(settings.database)
    bot = SlackBot(engine, settings)
    if backlog := os.environ.get("RELAIS_BENCH_BACKLOG"):  # another bound, to compare
        bot.runtime.acks.bound = int(backlog)
    if patience := os.environ.get("RELAIS_BENCH_PATIENCE"):  # another patience, to compare
        bot.runtime.acks.patience = float(patience)
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


async def serve(mode: str, database: str, fake_url: str, canned: str | None) -> None:
    if mode == "fake":
        fake = BenchFake()
        await fake.start()
        print(fake.port, flush=True)
        await _until_terminated()
        await fake.stop()
        return
    settings = _settings(database, fake_url)
    if mode == "relais":
        app = await _relais(settings)
    else:
        app = _baseline(settings, _read_json(canned or ""))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await _until_terminated()
    await runner.cleanup()


def _read_json(path: str) -> Any:
    return json.loads(Path(path).read_text())


async def _until_terminated() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


def _serve(mode: str, database: str, fake_url: str, canned: str | None) -> None:
    """``RELAIS_BENCH_PROFILE=file`` writes the server's cProfile statistics there."""
    target = os.environ.get("RELAIS_BENCH_PROFILE")
    profile = cProfile.Profile() if target and mode == "relais" else None
    if profile is not None:
        profile.enable()
    asyncio.run(serve(mode, database, fake_url, canned))
    if profile is not None and target:
        profile.disable()
        profile.dump_stats(target)


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


def _percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


@dataclass
class Result:
    latencies: list[float]
    seconds: float
    sent: dict[str, float] = field(default_factory=dict)  # key → monotonic send time
    end_to_end: list[float] = field(default_factory=list)  # until the fake got the call
    fallbacks: int = 0  # loading modals filled by views.update (the form was late)
    cpu_window: float | None = None  # the server's CPU seconds while the load ran
    cpu_after: float | None = None  # and while it finished the work it acknowledged

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies, p)

    def cpu_per_request(self, *parts: float | None) -> str:
        if any(part is None for part in parts) or not self.latencies:
            return "—"
        return f"{sum(p for p in parts if p is not None) / len(self.latencies) * 1000:.2f}"


class Load:
    def __init__(self, fake_url: str, deal: tuple[int, int]) -> None:
        self.hooks = fake_url.replace("/api/", "/hooks/")
        self.deal_id, self.version = deal
        self.signer = SignatureVerifier(SECRET)
        self.numbers = itertools.count(1)

    def body(self, scenario: str) -> tuple[str, str]:
        """A signed request's body and its key (the hook, or the trigger id)."""
        number = next(self.numbers)
        hook = f"r{number}"
        trigger = f"t{number}@{int(time.time() * 1000)}"  # the fake refuses it after 3 s
        if scenario == "deal card":
            return urlencode({
                "command": "/crm", "text": f"deal {self.deal_id}", "user_id": "U_ALICE",
                "team_id": TEAM, "channel_id": "C_BENCH", "response_url": self.hooks + hook,
                "trigger_id": trigger,
            }), hook  # fmt: skip
        value = f"{self.deal_id}|estimer|{self.version}|f"
        payload = {
            "type": "block_actions", "user": {"id": "U_ALICE"}, "team": {"id": TEAM},
            "trigger_id": trigger, "channel": {"id": "C_BENCH"},
            "response_url": self.hooks + hook, "container": {"type": "message"},
            "actions": [{"action_id": "deal_move_0", "value": value, "type": "button"}],
        }  # fmt: skip
        return urlencode({"payload": json.dumps(payload)}), trigger

    def headers(self, body: str) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(self.signer.generate_signature(timestamp=stamp, body=body)),
            "Content-Type": "application/x-www-form-urlencoded",
        }

    async def warm_up(self, url: str, scenario: str, seconds: float = 0.2) -> None:
        async with aiohttp.ClientSession() as http:
            await self._worker(http, url, scenario, time.perf_counter() + seconds, Result([], 0))

    async def run(self, url: str, scenario: str, level: int, seconds: float) -> Result:
        result = Result([], seconds)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.perf_counter()
            end = started + seconds
            await asyncio.gather(
                *(self._worker(http, url, scenario, end, result) for _ in range(level))
            )
            result.seconds = time.perf_counter() - started
            return result

    async def _worker(
        self, http: aiohttp.ClientSession, url: str, scenario: str, end: float, out: Result
    ) -> None:
        while time.perf_counter() < end:
            body, key = self.body(scenario)
            headers = self.headers(body)
            out.sent[key] = time.monotonic()  # the fake stamps arrivals on the same clock
            began = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{scenario}: HTTP {response.status}")
            out.latencies.append(time.perf_counter() - began)


# -- orchestration ---------------------------------------------------------------------


class Server:
    """A server process; it prints its port once listening (the fake keeps answering)."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/slack/events"

    @classmethod
    async def start(
        cls, mode: str, database: str = "", fake_url: str = "", canned: str = ""
    ) -> Server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", mode, "--database", database,
            "--fake-url", fake_url, "--canned", canned, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        return cls(process, int(await process.stdout.readline()))

    async def get(self, path: str) -> Any:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{self.port}{path}") as response,
        ):
            text = await response.text()
            return json.loads(text) if path.startswith("/calls/") else text

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


async def _canned(load: Load, fake: Server, relais: Server, folder: Path) -> str:
    """What Relais sends for each scenario (its card, its form), for the baseline to send."""
    for scenario in SCENARIOS:
        await load.warm_up(relais.url, scenario, seconds=0.5)
    await relais.idle()
    card = await fake.get("/calls/response_url?last=1")
    modal = await fake.get("/calls/views.open?last=1")
    card.pop("hook", None)
    path = folder / "canned.json"
    path.write_text(json.dumps({"card": card, "modal": modal["view"]}, ensure_ascii=False))
    return str(path)


async def _cell(
    load: Load, fake: Server, server: Server, scenario: str, level: int, seconds: float
) -> Result:
    """One measurement, from a server that has finished all the work it acknowledged."""
    await load.warm_up(server.url, scenario)
    await server.idle()
    method = CALL[scenario]
    before = await fake.get(f"/calls/{method}")
    updates = await fake.get("/calls/views.update")
    started = server.cpu()
    result = await load.run(server.url, scenario, level, seconds)
    loaded = server.cpu()
    await server.idle()
    settled = server.cpu()
    arrived = dict(await fake.get(f"/calls/{method}?from={before}"))
    result.end_to_end = [arrived[k] - t for k, t in result.sent.items() if k in arrived]
    result.fallbacks = await fake.get("/calls/views.update") - updates
    if started is not None and loaded is not None and settled is not None:
        result.cpu_window, result.cpu_after = loaded - started, settled - loaded
    return result


async def measure(args: argparse.Namespace) -> dict[tuple[str, int, str], Result]:
    fake = await Server.start("fake")
    fake_url = f"http://127.0.0.1:{fake.port}/api/"
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    database = str(folder / "bench.db")
    deal = await seed(database)
    load = Load(fake_url, deal)
    relais = await Server.start("relais", database, fake_url)
    servers = {"relais": relais}
    results: dict[tuple[str, int, str], Result] = {}
    try:
        canned = await _canned(load, fake, relais, folder)
        servers["baseline"] = await Server.start(
            "baseline", str(folder / "baseline.db"), fake_url, canned
        )
        for _ in range(args.rounds):
            for scenario in SCENARIOS:
                for level in args.levels:
                    for name in SIDES:
                        result = await _cell(
                            load, fake, servers[name], scenario, level, args.seconds
                        )
                        key = (scenario, level, name)
                        if key not in results or result.rate > results[key].rate:
                            results[key] = result
    finally:
        for server in (*servers.values(), fake):
            await server.stop()
    return results


# -- one deal card's CPU ----------------------------------------------------------------


async def card_cpu(count: int, profile: bool) -> None:
    """CPU per deal card after the ack (read + Block Kit), the way the job renders it."""
    from bot import screens
    from bot.people import People
    from engine.core import Engine

    database = str(Path(tempfile.mkdtemp(prefix="relais-card-")) / "card.db")
    deal_id, _ = await seed(database)
    engine = await Engine.open(database)
    try:
        who = await People(engine, None, "fr", "Europe/Paris").who("U_ALICE")  # type: ignore[arg-type]
        for _ in range(50):  # warm caches, as a running service has them
            await screens.deal_card(engine, who, deal_id)
        profiler = cProfile.Profile() if profile else None
        started = time.process_time()
        if profiler is not None:
            profiler.enable()
        for _ in range(count):
            await screens.deal_card(engine, who, deal_id)
        if profiler is not None:
            profiler.disable()
        spent = time.process_time() - started
    finally:
        await engine.close()
    print(f"deal card: {spent / count * 1000:.2f} ms of CPU per card (all threads), {count} cards")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# -- the report ------------------------------------------------------------------------


def _verdict(p99_ratio: float, rate_ratio: float, level: int) -> str:
    if level != TARGET_LEVEL:
        return ""
    ok = p99_ratio <= TARGET_P99 and rate_ratio >= TARGET_RATE
    return "meets target" if ok else "MISSES target"


def _pair(
    results: dict[tuple[str, int, str], Result], scenario: str, level: int
) -> tuple[Result, Result]:
    return results[(scenario, level, "baseline")], results[(scenario, level, "relais")]


def table(results: dict[tuple[str, int, str], Result], levels: Sequence[int]) -> str:
    """Acks: latency and throughput, and their ratios Relais / baseline."""
    lines = [
        "| scenario | concurrent | baseline p50 / p99 ms | baseline req/s | Relais p50 / p99 ms"
        " | Relais req/s | p50 ratio | p99 ratio | req/s ratio | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        for level in levels:
            base, ours = _pair(results, scenario, level)
            p50 = ours.percentile(50) / base.percentile(50)
            p99 = ours.percentile(99) / base.percentile(99)
            rate = ours.rate / base.rate
            lines.append(
                f"| {scenario} | {level} | {base.percentile(50):.1f} / {base.percentile(99):.1f}"
                f" | {base.rate:,.0f} | {ours.percentile(50):.1f} / {ours.percentile(99):.1f}"
                f" | {ours.rate:,.0f} | {p50:.2f} | {p99:.2f} | {rate:.2f}"
                f" | {_verdict(p99, rate, level)} |"
            )
    return "\n".join(lines)


def _spread(values: Sequence[float]) -> str:
    return f"{_percentile(values, 50):.1f} / {_percentile(values, 99):.1f}"


def end_to_end_table(results: dict[tuple[str, int, str], Result], levels: Sequence[int]) -> str:
    """From the request sent to the fake Slack receiving the card or the modal."""
    lines = [
        "| scenario | concurrent | measure | baseline p50 / p99 ms | Relais p50 / p99 ms"
        " | Relais done / acked | Relais loading modals |",
        "|---|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        for level in levels:
            base, ours = _pair(results, scenario, level)
            lines.append(
                f"| {scenario} | {level} | {END_TO_END[scenario]}"
                f" | {_spread(base.end_to_end)} | {_spread(ours.end_to_end)}"
                f" | {len(ours.end_to_end)}/{len(ours.latencies)} | {ours.fallbacks} |"
            )
    return "\n".join(lines)


def cpu_table(results: dict[tuple[str, int, str], Result], levels: Sequence[int]) -> str:
    """Where the servers' CPU goes, per request: during the load, and finishing after it."""
    lines = [
        "| scenario | concurrent | baseline ms/request | Relais ms/request while acking"
        " | Relais ms/request after | Relais ms/request in all |",
        "|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        for level in levels:
            base, ours = _pair(results, scenario, level)
            lines.append(
                f"| {scenario} | {level} | {base.cpu_per_request(base.cpu_window, base.cpu_after)}"
                f" | {ours.cpu_per_request(ours.cpu_window)}"
                f" | {ours.cpu_per_request(ours.cpu_after)}"
                f" | {ours.cpu_per_request(ours.cpu_window, ours.cpu_after)} |"
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
    parser.add_argument("--serve", choices=("relais", "baseline", "fake"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", help=argparse.SUPPRESS)
    parser.add_argument("--canned", help=argparse.SUPPRESS)
    parser.add_argument("--card", type=int, help="only the CPU of this many deal cards")
    parser.add_argument("--profile", action="store_true", help="with --card: cProfile's top")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.database, args.fake_url, args.canned)
        return 0
    if args.card:
        asyncio.run(card_cpu(args.card, args.profile))
        return 0
    if args.quick:
        args.seconds, args.levels, args.rounds = 0.5, [1, 16], 1
    results = asyncio.run(measure(args))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Slack — Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{load} as the run ended, best of {args.rounds} runs of "
          f"{args.seconds:g} s per cell\n")  # fmt: skip
    print("Acks (ratio = Relais / baseline; target at 16: p99 ratio ≤ 1.5, req/s ratio ≥ 0.7):\n")
    print(table(results, args.levels))
    print("\nEnd to end, until the fake Slack receives the call:\n")
    print(end_to_end_table(results, args.levels))
    print("\nServer CPU per request (all threads; 1 s of one core = 1,000 ms):\n")
    print(cpu_table(results, args.levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
