"""Reports: the forecast's figures (weighted pipeline by stage and month, outcomes by week).

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.crm.forecast import MONTHS, WEEKS, Forecast, MonthAmount, StageAmount, WeekOutcome
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Forecast": "engine.crm.forecast",
            "MONTHS": "engine.crm.forecast",
            "MonthAmount": "engine.crm.forecast",
            "StageAmount": "engine.crm.forecast",
            "WEEKS": "engine.crm.forecast",
            "WeekOutcome": "engine.crm.forecast",
        },
    )

__all__ = ["MONTHS", "WEEKS", "Forecast", "MonthAmount", "StageAmount", "WeekOutcome"]
