"""The forecast: weighted pipeline by stage and by expected close month, won and lost by week.

One read (:func:`forecast`) gives everything the forecast chart draws. The SQL is
plain and portable (SQLite and PostgreSQL alike: no ``strftime``, no
``julianday``): rows are fetched with their stored ISO texts and grouped here, in
Python. Money stays exact: ``revenue × probability`` is summed in integer
cents × percent and divided once, into a :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from engine import clock
from engine.crm.pipelines import pipeline_row
from engine.crm.queries import board
from engine.money import quantize

MONTHS = 6
WEEKS = 8


@dataclass(frozen=True, slots=True)
class StageAmount:
    stage: str
    count: int
    weighted: Decimal


@dataclass(frozen=True, slots=True)
class MonthAmount:
    month: date  # its first day
    count: int
    weighted: Decimal


@dataclass(frozen=True, slots=True)
class WeekOutcome:
    week: date  # its Monday (UTC)
    won: int
    lost: int


@dataclass(frozen=True, slots=True)
class Forecast:
    """A pipeline's open deals weighted by their probability, and its recent outcomes.

    ``by_month`` holds ``MONTHS`` months from the current one; a deal expected
    before this month counts in this month (it is late, not gone); ``later`` and
    ``undated`` are the weighted amounts past the horizon and without a date.
    ``weeks`` are the last ``WEEKS`` weeks, oldest first, the current one last.
    """

    pipeline: str
    currency: str
    by_stage: tuple[StageAmount, ...]
    by_month: tuple[MonthAmount, ...]
    later: Decimal
    undated: Decimal
    weeks: tuple[WeekOutcome, ...]

    @property
    def total(self) -> Decimal:
        return sum((s.weighted for s in self.by_stage), Decimal("0.00"))


def _weighted(points: int) -> Decimal:
    """Cents × percent → the amount, exact."""
    return quantize(Decimal(points) / 10_000)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def forecast(
    conn: sqlite3.Connection, pipeline: str | int | None, now: datetime,
    months: int = MONTHS, weeks: int = WEEKS,
) -> Forecast:  # fmt: skip
    row = pipeline_row(conn, pipeline)
    stages = tuple(
        StageAmount(s.stage, s.count, s.weighted) for s in board(conn, row["id"]) if s.count
    )
    first = month_start(now.date())
    horizon = [add_months(first, n) for n in range(months)]
    points = dict.fromkeys(horizon, 0)
    counts = dict.fromkeys(horizon, 0)
    later = undated = 0
    for deal in conn.execute(
        "SELECT expected_close, expected_revenue_cents, probability FROM deals"
        " WHERE pipeline_id = ? AND status = 'open' AND archived = 0",
        (row["id"],),
    ).fetchall():
        value = (deal["expected_revenue_cents"] or 0) * deal["probability"]
        if not deal["expected_close"]:
            undated += value
            continue
        month = max(month_start(clock.parse_date(str(deal["expected_close"]))), first)
        if month in points:
            points[month] += value
            counts[month] += 1
        else:
            later += value
    by_month = tuple(MonthAmount(m, counts[m], _weighted(points[m])) for m in horizon)
    return Forecast(
        row["name"], row["currency"], stages, by_month, _weighted(later), _weighted(undated),
        _outcomes(conn, row["id"], now, weeks),
    )  # fmt: skip


def _outcomes(
    conn: sqlite3.Connection, pipeline_id: int, now: datetime, weeks: int
) -> tuple[WeekOutcome, ...]:
    this_week = week_start(now.date())
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=now.tzinfo)
    won = dict.fromkeys(starts, 0)
    lost = dict.fromkeys(starts, 0)
    for deal in conn.execute(
        "SELECT status, closed_at FROM deals WHERE pipeline_id = ?"
        " AND status IN ('won', 'lost') AND closed_at >= ?",
        (pipeline_id, clock.to_db(since)),
    ).fetchall():
        week = week_start(clock.from_db(str(deal["closed_at"])).date())
        if week in won:
            (won if deal["status"] == "won" else lost)[week] += 1
    return tuple(WeekOutcome(w, won[w], lost[w]) for w in starts)
