"""``run.py report``: the forecast chart, written as a PNG file.

``run.py report --png forecast.png`` draws what ``/crm forecast`` posts in Slack —
the weighted pipeline by stage and by expected close month, won and lost over the
last weeks — from the same engine read and the same drawing (:mod:`charts.forecast`),
in ``--lang`` (default ``RELAIS_LOCALE``) with amounts in that language's format.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from charts.forecast import HEIGHT, WIDTH, forecast_png
from cli.context import Context
from cli.listing import fail_file, say
from engine.api import clock
from engine.api.reports import MONTHS, WEEKS


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="the forecast chart (weighted pipeline, won and lost) as a PNG file",
        description="Draw the forecast chart of a pipeline: weighted open deals by stage "
        "and by expected close month, won and lost deals over the last weeks.",
    )
    parser.add_argument("--png", required=True, metavar="FILE", help="write the chart to FILE")
    parser.add_argument("--pipeline", metavar="KEY", help="a pipeline (default: the default)")
    parser.add_argument(
        "--months", type=int, default=MONTHS, metavar="N", help=f"months ahead (default {MONTHS})"
    )
    parser.add_argument(
        "--weeks", type=int, default=WEEKS, metavar="N", help=f"weeks back (default {WEEKS})"
    )
    parser.add_argument("--lang", choices=("fr", "en"), help="language (default: RELAIS_LOCALE)")
    parser.set_defaults(handler=report)


async def report(args: argparse.Namespace, ctx: Context) -> int:
    locale = str(args.lang or ctx.settings.locale)
    engine = await ctx.engine()
    months, weeks = max(1, min(args.months, 24)), max(1, min(args.weeks, 52))
    found = await engine.reports.forecast(args.pipeline, clock.utcnow(), months, weeks)
    png = await asyncio.to_thread(forecast_png, found, locale)
    try:
        await asyncio.to_thread(Path(args.png).write_bytes, png)
    except OSError as exc:
        fail_file(ctx, exc, locale)
        return 1
    ctx.print(say("report_written", locale, path=args.png, width=WIDTH, height=HEIGHT))
    return 0
