"""The reports part: the figures a chart draws, each in one read."""

from __future__ import annotations

from datetime import datetime

from engine.crm import forecast as forecasts
from engine.crm.forecast import Forecast
from engine.facade.base import Part


class Reports(Part):
    """Reads across deals for the team: the forecast (``/crm forecast``, ``run.py report``)."""

    async def forecast(
        self, pipeline: str | int | None, now: datetime,
        months: int = forecasts.MONTHS, weeks: int = forecasts.WEEKS,
    ) -> Forecast:  # fmt: skip
        """Weighted open pipeline by stage and close month, won and lost per week until ``now``."""
        return await self._read(lambda c: forecasts.forecast(c, pipeline, now, months, weeks))
