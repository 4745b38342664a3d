"""Blueprint transitions per second through the engine, against plain stage moves.

Issue 3's target: a transition with three mandatory fields and two
after-actions runs at least half as fast as a plain stage update, both
through the engine, in the same run, on the same database.

What each side does:

plain        ``Engine.deals.move`` on a pipeline without a blueprint: the deal
             row, the gate's look-up (no blueprint), the stage update, its
             timeline entry, the group commit, the deal read back.
transition   ``Engine.blueprints.perform`` on a governed pipeline: version
             check, owners and criteria, three typed inputs (an amount, a
             date, a choice) validated, the stage move, the values saved, a
             field update and a webhook (written to the outbox, not sent),
             the transition log, the timeline, the group commit.

Each side runs ``--deals`` operations with ``C`` concurrent callers (asyncio
tasks), for each ``C`` of ``--concurrency``; the best of ``--rounds`` rounds
counts, the two sides interleaved. Read the ratios, not the absolute figures.

    .venv/bin/python bench/blueprint.py [--quick] [--deals 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder heads sys.path and would shadow ``engine``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from config.blueprint_schema import parse_blueprint  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.core import Engine  # noqa: E402
from engine.crm import pipelines  # noqa: E402
from engine.crm.deals import DealDraft  # noqa: E402
from engine.crm.users import UserDraft  # noqa: E402

TARGET = 0.5
BLUEPRINT = {
    "pipeline": "governed",
    "name": "Bench",
    "transitions": [
        {
            "key": "qualifier",
            "name": "Qualifier",
            "from": ["nouveau"],
            "to": "estimation",
            "during": {
                "fields": [
                    {"key": "budget", "label": "Budget", "type": "money", "field": "budget",
                     "min": 1},
                    {"key": "visit_date", "label": "Visite", "type": "date",
                     "field": "custom.visit_date"},
                    {"key": "kind", "label": "Type", "type": "choice",
                     "options": ["Insert", "Poêle à bois", "Poêle à granulés"],
                     "field": "custom.installation_type"},
                ]
            },
            "after": [
                {"action": "set_field", "field": "priority", "value": 2},
                {"action": "webhook", "url": "http://127.0.0.1:9/bench"},
            ],
        },
        {"key": "suite", "name": "Suite", "from": ["estimation"], "to": "visite_technique"},
        {"key": "devis", "name": "Devis", "from": ["visite_technique"], "to": "devis"},
        {"key": "gagner", "name": "Gagner", "from": ["devis"], "to": "gagne"},
        {"key": "perdre", "name": "Perdre", "from": "*", "to": "perdu",
         "during": {"fields": [{"key": "why", "label": "Pourquoi", "type": "text",
                                "field": "lost_reason"}]}},
    ],
}  # fmt: skip
VALUES = {"budget": "8 500", "visit_date": "2026-03-12", "kind": "insert"}


@dataclass(frozen=True, slots=True)
class Figure:
    concurrency: int
    plain: float
    transition: float

    @property
    def ratio(self) -> float:
        return self.transition / self.plain


async def set_up(engine: Engine) -> Actor:
    admin = Actor.cli("bench")
    await engine.db.write(lambda tx: pipelines.create_pipeline(tx, "governed", "Governed"), admin)
    await engine.blueprints.save(parse_blueprint(BLUEPRINT, "bench"), admin)
    await engine.users.upsert(UserDraft("Rep", "rep@example.com", "U_REP"), admin)
    return await engine.users.actor_for("rep@example.com", "bench")


async def fresh_deals(engine: Engine, actor: Actor, pipeline: str, count: int) -> list[int]:
    made = await asyncio.gather(
        *(
            engine.deals.create(DealDraft(f"Deal {i}", pipeline=pipeline), actor)
            for i in range(count)
        )
    )
    return [deal.id for deal in made]


async def timed(ids: list[int], concurrency: int, op: Callable[[int], Awaitable[object]]) -> float:
    """Operations per second with ``concurrency`` callers sharing the work."""
    queue = list(reversed(ids))

    async def caller() -> None:
        while queue:
            await op(queue.pop())

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return len(ids) / (time.perf_counter() - started)


async def measure(
    engine: Engine, actor: Actor, concurrency: int, deals: int, rounds: int
) -> Figure:
    best_plain = best_transition = 0.0
    for _ in range(rounds):
        plain_ids = await fresh_deals(engine, actor, "default", deals)
        governed_ids = await fresh_deals(engine, actor, "governed", deals)
        plain = await timed(
            plain_ids, concurrency, lambda d: engine.deals.move(d, "estimation", actor)
        )
        transition = await timed(
            governed_ids,
            concurrency,
            lambda d: engine.blueprints.perform(d, "qualifier", dict(VALUES), actor),
        )
        best_plain, best_transition = max(best_plain, plain), max(best_transition, transition)
    return Figure(concurrency, best_plain, best_transition)


def table(figures: list[Figure]) -> str:
    lines = [
        "| callers | plain moves/s | transitions/s | ratio | target | verdict |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        verdict = "ok" if f.ratio >= TARGET else "BELOW TARGET"
        lines.append(
            f"| {f.concurrency} | {f.plain:,.0f} | {f.transition:,.0f} | {f.ratio:.2f}"
            f" | ≥ {TARGET} | {verdict} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        engine = await Engine.open(Path(folder) / "bench.db")
        try:
            actor = await set_up(engine)
            figures = [
                await measure(engine, actor, c, args.deals, args.rounds) for c in args.concurrency
            ]
        finally:
            await engine.close()
    print(f"Blueprint transitions vs plain stage moves — {platform.python_version()},"
          f" {args.deals} operations per side, best of {args.rounds}\n")  # fmt: skip
    print(table(figures))
    print(
        "\ntransition = 3 mandatory inputs (money, date, choice) saved to the deal, "
        "2 after-actions (field update, webhook to the outbox), transition log, timeline"
    )
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=2000, help="operations per side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 32], help="callers at once"
    )
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.deals, args.rounds = 200, 1
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
