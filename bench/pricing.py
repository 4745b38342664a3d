"""Pricing a large quote against a large rule book, against a bare multiply loop.

Issue 6's target: a quote of 1,000 lines priced against 10,000 price rules
and 1,000 configurator rules in under 50 ms — which holds only because rules
are indexed by product code, never scanned.

What each side does:

pricing   ``engine.pricing.price_quote``: resolve each line in the catalogue,
          run the configurator (adds, suggestions, field updates, dynamic
          quantities), try the product's price rules in order with their
          conditions and tiers, round, trace every step, total by tax rate.
baseline  a loop over the same 1,000 lines that looks each product up and
          multiplies its unit price by the quantity, rounded to the cent, then
          sums: the least any pricing must do.

Each figure is the median of ``--rounds`` timed runs (baseline and pricing
interleaved) after one warm-up. Read the ratio, not the absolute numbers: the
machines are noisy.

    .venv/bin/python bench/pricing.py [--quick] [--lines 1000] [--rules 10000]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder heads sys.path and bench/engine.py would
# shadow the ``engine`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from engine.catalogue import Product  # noqa: E402
from engine.configurator import (  # noqa: E402
    Action,
    ConfiguratorRule,
    QuantityFormat,
    QuantityOp,
    QuantitySpec,
)
from engine.cpq_conditions import Condition, Op, PricingContext  # noqa: E402
from engine.pricing import (  # noqa: E402
    PriceRule,
    RuleBook,
    RuleKind,
    Tier,
    TierModel,
    ValueUnit,
    price_quote,
)
from engine.quote_lines import LineInput, QuoteDraft  # noqa: E402

TARGET_MS = 50.0
CENT = Decimal("0.01")
REGIONS = ("nord", "sud", "est", "ouest")


@dataclass(frozen=True)
class Sizes:
    products: int
    lines: int
    price_rules: int
    configurator_rules: int
    rounds: int


def catalogue(rng: random.Random, count: int) -> dict[str, Product]:
    return {
        f"P{i:05d}": Product(
            f"P{i:05d}",
            f"Product {i}",
            Decimal(rng.randint(100, 500_000)) / 100,
            "EUR",
            rng.choice((Decimal("5.5"), Decimal(10), Decimal(20))),
            fields={"set_of": Decimal(rng.randint(1, 4))},
        )
        for i in range(count)
    }


def conditions(rng: random.Random) -> tuple[Condition, ...]:
    pool = [
        Condition("deal.region", Op.IN, tuple(rng.sample(REGIONS, 2))),
        Condition("deal.origin", Op.EQ, "employee_referral"),
        Condition("date", Op.GTE, date(2026, rng.randint(1, 12), 1)),
        Condition("quote.list_total", Op.GTE, Decimal(rng.randint(1, 500) * 1000)),
    ]
    return tuple(rng.sample(pool, rng.randint(0, 2)))


def tiers(rng: random.Random, kind: RuleKind) -> tuple[Tier, ...]:
    step = rng.randint(5, 20)
    values = sorted(rng.sample(range(1, 60), 3), reverse=not kind.discount)
    bounds: list[Decimal | None] = [Decimal(step), Decimal(2 * step), None]
    if kind is RuleKind.VOLUME_LIST_PRICE:
        values = [100 - v for v in sorted(values)]
    return tuple(Tier(b, Decimal(v)) for b, v in zip(bounds, values, strict=True))


def price_rule(rng: random.Random, number: int, codes: list[str]) -> PriceRule:
    kind = rng.choice(list(RuleKind))
    unit = ValueUnit.PERCENT if rng.random() < 0.8 else ValueUnit.AMOUNT
    value = Decimal(rng.randint(1, 40)) if unit is ValueUnit.PERCENT else Decimal(rng.randint(1, 9))
    if kind is RuleKind.DIRECT_LIST_PRICE and unit is ValueUnit.PERCENT:
        value = 100 - value
    return PriceRule(
        f"PR{number:05d}",
        tuple(rng.sample(codes, rng.randint(1, 3))),
        kind,
        unit,
        None if kind.volume else value,
        tiers(rng, kind) if kind.volume else (),
        rng.choice(list(TierModel)),
        conditions(rng),
        rng.randint(1, 1_000_000),
    )


def configurator_rule(rng: random.Random, number: int, codes: list[str]) -> ConfiguratorRule:
    action = rng.choice([Action.ADD, Action.ADD, Action.SUGGEST, Action.SET_FIELD])
    any_product = number % 200 == 0
    op = None if any_product else rng.choice([None, *QuantityOp])
    quantity = QuantitySpec(
        Decimal(rng.randint(1, 3)),
        op,
        None if op is None or rng.random() < 0.5 else "set_of",
        rng.choice(list(QuantityFormat)),
    )
    return ConfiguratorRule(
        f"CR{number:04d}",
        action,
        () if any_product else tuple(rng.sample(codes, rng.randint(1, 2))),
        rng.choice(codes) if action is not Action.SET_FIELD else None,
        quantity,
        free=action is Action.ADD and rng.random() < 0.3,
        description="CPQ rules applied" if action is Action.SET_FIELD else None,
        conditions=conditions(rng),
        priority=rng.randint(1, 1000),
    )


def build(sizes: Sizes, seed: int = 6) -> tuple[dict[str, Product], RuleBook, QuoteDraft]:
    rng = random.Random(seed)
    products = catalogue(rng, sizes.products)
    codes = list(products)
    book = RuleBook.build(
        [configurator_rule(rng, i, codes) for i in range(sizes.configurator_rules)],
        [price_rule(rng, i, codes) for i in range(sizes.price_rules)],
    )
    lines = tuple(
        LineInput(rng.choice(codes), Decimal(rng.randint(1, 40))) for _ in range(sizes.lines)
    )
    return products, book, QuoteDraft(lines)


def baseline(products: dict[str, Product], draft: QuoteDraft) -> Decimal:
    total = Decimal(0)
    for line in draft.lines:
        assert line.code is not None
        amount = products[line.code].unit_price * line.quantity
        total += amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def run(sizes: Sizes) -> dict[str, list[float]]:
    products, book, draft = build(sizes)
    ctx = PricingContext(
        date(2026, 6, 15), {"deal.region": "nord", "deal.origin": "employee_referral"}
    )
    quote = price_quote(draft, products, book, ctx)  # warm-up, and the figures below
    baseline(products, draft)
    samples: dict[str, list[float]] = {"pricing": [], "baseline": []}
    for _ in range(sizes.rounds):
        samples["baseline"].append(timed(lambda: baseline(products, draft)))
        samples["pricing"].append(timed(lambda: price_quote(draft, products, book, ctx)))
    describe(sizes, quote.lines, quote.suggestions)
    return samples


def describe(sizes: Sizes, lines: tuple[object, ...], suggestions: tuple[object, ...]) -> None:
    print(
        f"catalogue {sizes.products:,} products · {sizes.price_rules:,} price rules · "
        f"{sizes.configurator_rules:,} configurator rules"
    )
    print(
        f"quote of {sizes.lines:,} lines → {len(lines):,} lines after the configurator, "
        f"{len(suggestions):,} suggestions · {sizes.rounds} timed rounds"
    )
    print(f"python {platform.python_version()} on {platform.machine()}")
    print()


def table(samples: dict[str, list[float]]) -> str:
    pricing = statistics.median(samples["pricing"])
    base = statistics.median(samples["baseline"])
    worst = max(samples["pricing"])
    verdict = "ok" if pricing < TARGET_MS else "MISSED"
    rows = [
        "| measure | engine | baseline | ratio | target | verdict |",
        "|---|---:|---:|---:|---:|---|",
        f"| price a quote (median) | {pricing:.1f} ms | {base:.2f} ms | "
        f"×{pricing / base:.0f} | < {TARGET_MS:.0f} ms | {verdict} |",
        f"| price a quote (slowest) | {worst:.1f} ms | {max(samples['baseline']):.2f} ms | "
        f"×{worst / max(samples['baseline']):.0f} | — | — |",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of --rounds")
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=10_000, help="price rules")
    parser.add_argument("--configurator-rules", type=int, default=1000)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    sizes = Sizes(
        args.products,
        args.lines,
        args.rules,
        args.configurator_rules,
        5 if args.quick else args.rounds,
    )
    samples = run(sizes)
    print(table(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
