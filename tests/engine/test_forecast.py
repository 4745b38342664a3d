"""``engine.reports.forecast``: weighted sums exact to the cent, by stage and close month,
won and lost counted per week — one read, portable SQL grouped in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.forecast import add_months, week_start


async def test_the_forecast_weighs_by_stage_and_month_and_counts_outcomes_by_week(
    engine: Engine, alice: Actor
) -> None:
    now = datetime.now(UTC)
    this_month = now.date().replace(day=1)

    async def deal(title: str, amount: str, stage: str, close: date | None) -> int:
        draft = DealDraft(title, expected_revenue=amount, stage=stage, expected_close=close)
        return (await engine.deals.create(draft, alice)).id

    await deal("A", "333.33", "nouveau", this_month - timedelta(days=40))  # late: this month
    await deal("B", "0.10", "nouveau", add_months(this_month, 1))
    await deal("C", "1000", "devis", add_months(this_month, 1))
    await deal("D", "999.99", "devis", add_months(this_month, 9))  # past the horizon
    await deal("E", "50", "visite_technique", None)  # no date
    won = await deal("F", "700", "devis", None)
    lost = await deal("G", "800", "devis", None)
    await engine.deals.move(won, "gagne", alice)
    await engine.deals.move(lost, "perdu", alice, lost_reason="prix")

    found = await engine.reports.forecast(None, now)

    # 333.33 × 10 % = 33.333 → 33.33; 0.10 × 10 % = 0.01; 1000 × 60 % + 999.99 × 60 % = 1199.994
    by_stage = {s.stage: (s.count, s.weighted) for s in found.by_stage}
    assert by_stage == {
        "Nouveau": (2, Decimal("33.34")),  # (33333 + 10) cents×% / 10 000, rounded once
        "Visite Technique": (1, Decimal("20.00")),
        "Devis": (2, Decimal("1199.99")),
    }
    assert found.total == Decimal("1253.33")
    assert [m.month for m in found.by_month] == [add_months(this_month, n) for n in range(6)]
    assert found.by_month[0].weighted == Decimal("33.33") and found.by_month[0].count == 1
    assert found.by_month[1].weighted == Decimal("600.01") and found.by_month[1].count == 2
    assert found.later == Decimal("599.99") and found.undated == Decimal("20.00")
    assert all(isinstance(m.weighted, Decimal) for m in found.by_month)
    assert len(found.weeks) == 8 and found.weeks[-1].week == week_start(now.date())
    assert (found.weeks[-1].won, found.weeks[-1].lost) == (1, 1)
    assert sum(w.won + w.lost for w in found.weeks[:-1]) == 0
    assert found.currency == "EUR" and found.pipeline
