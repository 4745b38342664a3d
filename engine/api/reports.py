"""Reports: the forecast's figures (weighted pipeline by stage and month, outcomes by week).

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.crm.forecast import MONTHS, WEEKS, Forecast, MonthAmount, StageAmount, WeekOutcome

__all__ = ["MONTHS", "WEEKS", "Forecast", "MonthAmount", "StageAmount", "WeekOutcome"]
