"""The engine benches' figures as text: a Markdown table that also reads well in a terminal.

Shared by ``bench/engine.py`` and ``bench/pg_engine.py`` (and the read latencies),
so both databases' reports have the same columns and verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def shown_runs(values: Sequence[float]) -> str:
    return "/".join(f"{v:,.0f}" for v in values)


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    engine: float
    baseline: float
    unit: str  # "rate" (per second) or "ms"
    target: str = ""
    passed: bool | None = None

    def cells(self) -> list[str]:
        shown = "{:,.0f}" if self.unit == "rate" else "{:.2f}"
        verdict = "—" if self.passed is None else ("OK" if self.passed else "MISSED")
        return [
            self.measure,
            shown.format(self.engine),
            shown.format(self.baseline),
            f"{self.engine / self.baseline:.2f}" if self.baseline else "—",
            self.target or "—",
            verdict,
        ]


HEADER = ["measure", "engine", "baseline", "ratio", "target", "verdict"]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned so that it also reads well in a terminal."""
    cells = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]

    def line(values: list[str]) -> str:
        padded = [
            v.ljust(w) if i in (0, 4, 5) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + (":" if i in (1, 2, 3) else "-") for i, w in enumerate(widths)
    ) + "|"  # fmt: skip
    return "\n".join([line(HEADER), rule, *(line(c) for c in cells[1:])])


def report(
    rows: Sequence[Row], legend: str, notes: Sequence[str], seeding: str, breakdown: str = ""
) -> list[str]:
    """The lines of an engine bench's report, alike on either database: the table, its
    legend, a note on each write figure, how the read database was seeded (``seeding``,
    "100,000 deals seeded in 4.2 s") and that the reads matched it, then the breakdown
    (``--breakdown``), if one was made."""
    return [
        table(rows),
        "",
        legend,
        *(f"  {note}" for note in notes),
        f"  {seeding}; every read through the engine matched the sums computed while seeding,"
        " to the cent.",
        *(["", breakdown] if breakdown else []),
    ]
