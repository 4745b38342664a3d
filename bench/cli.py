"""The command line's start-up, against a bare ``python -c pass`` in the same run.

Issue 15's targets: ``run.py --help`` and the simple commands answer in a few tenths of
a second (a command imports what it needs when it runs); ``quote price`` with a
10,000-rule price book within a second (the rules compiled once, then read from the
cache: ``config/cpq_cache.py``).

What each row runs, as a new process each time (what a person at a shell waits for):

baseline        ``python -c pass``: the interpreter's own start and exit
--help          ``run.py --help``
deal list       ``run.py deal list`` on a small SQLite database (20 deals)
quote price     ``run.py quote price --line P00007=3`` with a generated ``pricing.yaml``
(warm)          of ``--rules`` price rules (10,000) over the 2,000 products of the
                catalogue, the compiled book already in the cache
quote price     the same with the cache emptied before each run: YAML, validation and
(cold)          indexing of the whole book, then the cache written

Every round runs each row once, in turn (so a busy moment of the machine touches all
rows alike), after one warm-up round; the table gives the median and the 90th
percentile of the ``--rounds`` rounds and each against the baseline's same figure.
Read the ratios, not the milliseconds: the machines are noisy. The targets are ratios of
medians: the issue's 0.3 s (``--help``: a few tenths at most, here what importing no
command costs, 4×), 0.3 s for a simple command and 1 s for ``quote price``, over the
25 ms a bare interpreter takes on a quiet machine (12×, 40×). A cold ``quote price``
has none: it is what the cache saves.

    .venv/bin/python bench/cli.py [--quick] [--rounds 9] [--rules 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder heads sys.path and bench/engine.py would
# shadow the ``engine`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.price_book import catalogue, price_book  # noqa: E402

PRODUCTS = 2000
DEALS = 20


@dataclass(frozen=True)
class Row:
    name: str
    argv: tuple[str, ...]
    target: float | None  # the most the median may be, as a ratio to the baseline's
    cold: bool = False  # empty the price-book cache before each run


def rows() -> list[Row]:
    run = (sys.executable, str(ROOT / "run.py"))
    price = (*run, "quote", "price", "--line", "P00007=3", "--lang", "en")
    return [
        Row("baseline: python -c pass", (sys.executable, "-c", "pass"), None),
        Row("run.py --help", (*run, "--help"), 4.0),
        Row("run.py deal list", (*run, "deal", "list"), 12.0),
        Row("quote price, warm cache", price, 40.0),
        Row("quote price, cold cache", price, None, cold=True),
    ]


def prepare(work: Path, rules: int) -> dict[str, str]:
    """A configuration folder with the generated book, a database with its catalogue."""
    config = work / "config"
    shutil.copytree(ROOT / "config", config)
    (config / "pricing.yaml").write_text(price_book(rules, PRODUCTS), encoding="utf-8")
    (work / "catalogue.yaml").write_text(catalogue(PRODUCTS), encoding="utf-8")
    env = {
        **os.environ,
        "RELAIS_DATABASE": str(work / "var" / "relais.db"),
        "RELAIS_CONFIG_DIR": str(config),
        "RELAIS_CACHE_DIR": str(work / "cache"),
        "RELAIS_LOG_LEVEL": "WARNING",
    }
    asyncio.run(_seed(work / "var" / "relais.db"))
    _call(
        (sys.executable, str(ROOT / "run.py"), "products", "import", str(work / "catalogue.yaml")),
        env,
        work,
    )
    return env


async def _seed(path: Path) -> None:
    from engine.api import Actor, Engine
    from engine.crm.contacts import ContactDraft
    from engine.crm.deals import DealDraft

    path.parent.mkdir(parents=True, exist_ok=True)
    engine = await Engine.open(path)
    try:
        for n in range(DEALS):
            contact = ContactDraft(f"Client {n}", f"client{n}@example.com")
            draft = DealDraft(f"Deal {n}", contact, expected_revenue=str(1000 + n))
            await engine.deals.create(draft, Actor.cli("bench"))
    finally:
        await engine.close()


def _call(argv: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:])} failed ({done.returncode}):\n{done.stderr}")
    return elapsed * 1000


def measure(work: Path, env: dict[str, str], rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {row.name: [] for row in rows()}
    for n in range(rounds + 1):  # round 0 is the warm-up (disk cache, .pyc files)
        for row in rows():
            if row.cold:
                shutil.rmtree(work / "cache", ignore_errors=True)
            elapsed = _call(row.argv, env, work)
            if n:
                found[row.name].append(elapsed)
    return found


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def table(found: dict[str, list[float]]) -> str:
    base = found[rows()[0].name]
    base_median, base_p90 = statistics.median(base), p90(base)
    lines = [
        "| measure | median | p90 | ratio (median) | ratio (p90) | target | verdict |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows():
        values = found[row.name]
        median, high = statistics.median(values), p90(values)
        ratio = median / base_median
        target = "" if row.target is None else f"< {row.target:g}×"
        verdict = "" if row.target is None else "ok" if ratio < row.target else "MISSED"
        lines.append(
            f"| {row.name} | {median:,.0f} ms | {high:,.0f} ms | {ratio:.1f}× "
            f"| {high / base_p90:.1f}× | {target} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 9; quick 2)")
    parser.add_argument("--rules", type=int, help="price rules in the book (default 10,000)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 9)
    rules = args.rules or (2_000 if args.quick else 10_000)
    print(
        f"Relais CLI bench: Python {platform.python_version()}, {os.cpu_count()} CPUs;"
        f" {rounds} rounds after a warm-up, {rules:,} price rules over {PRODUCTS:,} products,"
        f" {DEALS} deals",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="relais-bench-cli-") as tmp:
        work = Path(tmp)
        env = prepare(work, rules)
        found = measure(work, env, rounds)
    print()
    print(table(found))
    print()
    print("ratio = the row's figure / the baseline's same figure, in this run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
