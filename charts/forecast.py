"""The forecast chart: weighted pipeline by stage and by expected close month, won and lost.

:func:`forecast_png` draws a :class:`~engine.api.reports.Forecast` as one PNG of
``WIDTH`` × ``HEIGHT`` pixels, in the reader's language with amounts in their
currency format (``12 500,00 €``, ``€12,500.00``). Three panels, each bar labelled
with its value, so no axis needs reading. Pillow is imported when a chart is drawn,
not before: a command that draws nothing pays nothing. Drawing takes tens of
milliseconds; callers in the event loop run it in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from engine.api import formats, text
from engine.api.reports import Forecast

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont, ImageFont

WIDTH = 1200
HEIGHT = 900
MARGIN = 40
LABELS = 260  # the left column of the stage panel
INK = (33, 37, 41)
MUTED = (108, 117, 125)
GRID = (222, 226, 230)
BAR = (46, 110, 196)
LATER = (140, 170, 215)
WON = (40, 160, 90)
LOST = (210, 70, 60)
BACKGROUND = (255, 255, 255)
MAX_STAGES = 12


@dataclass(frozen=True, slots=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int


@cache
def _font(size: int, bold: bool = False) -> FreeTypeFont | ImageFont:
    """DejaVu Sans (shipped with Relais for the quote PDF); Pillow's own font otherwise."""
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        path = resources.files("engine").joinpath("cpq", "fonts", name)
        with resources.as_file(path) as file:
            return ImageFont.truetype(str(file), size)
    except OSError:
        return ImageFont.load_default(size)


def _month(day: date, locale: str) -> str:
    from babel.dates import format_skeleton

    return str(format_skeleton("yMMM", day, locale=formats.babel_locale(locale)))


def _week(day: date, locale: str) -> str:
    from babel.dates import format_skeleton

    return str(format_skeleton("MMMd", day, locale=formats.babel_locale(locale)))


def _fit(draw: ImageDraw, words: str, width: int, size: int) -> str:
    """``words`` shortened with an ellipsis to fit ``width`` pixels."""
    font = _font(size)
    if draw.textlength(words, font=font) <= width:
        return words
    while words and draw.textlength(words + "…", font=font) > width:
        words = words[:-1]
    return words + "…"


def _scale(values: Sequence[Decimal | int]) -> Decimal:
    top = max((Decimal(v) for v in values), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def _heading(draw: ImageDraw, box: Box, title: str) -> None:
    draw.text((box.left, box.top), title, fill=INK, font=_font(18, bold=True))


def _stages(draw: ImageDraw, box: Box, forecast: Forecast, locale: str) -> None:
    _heading(draw, box, text(locale, "chart.by_stage"))
    rows = forecast.by_stage[:MAX_STAGES]
    top = box.top + 32
    if not rows:
        draw.text((box.left, top), text(locale, "chart.empty"), fill=MUTED, font=_font(15))
        return
    height = (box.bottom - top) // len(rows)
    bar = max(6, min(26, height - 6))
    scale = _scale([r.weighted for r in rows])
    span = box.right - box.left - LABELS - 170
    for n, row in enumerate(rows):
        y = top + n * height
        label = _fit(draw, row.stage, LABELS - 60, 15) + f" ({row.count})"
        draw.text((box.left, y + bar // 2), label, fill=INK, font=_font(15), anchor="lm")
        length = int(span * row.weighted / scale)
        x0 = box.left + LABELS
        draw.rectangle((x0, y, x0 + max(length, 1), y + bar), fill=BAR)
        shown = formats.money(row.weighted, forecast.currency, locale)
        draw.text((x0 + length + 8, y + bar // 2), shown, fill=INK, font=_font(14), anchor="lm")


@dataclass(frozen=True, slots=True)
class Bar:
    value: Decimal | int
    colour: tuple[int, int, int]
    shown: str


def _columns(draw: ImageDraw, box: Box, labels: Sequence[str], groups: Sequence[list[Bar]]) -> None:
    """Vertical bars on one scale: a group per label, side by side, each value above its bar."""
    top, bottom = box.top + 56, box.bottom - 26
    draw.line((box.left, bottom, box.right, bottom), fill=GRID, width=2)
    scale = _scale([bar.value for group in groups for bar in group])
    slot = (box.right - box.left) // max(len(labels), 1)
    per = max((len(group) for group in groups), default=1)
    width = max(4, min(72 // per, (slot - 16) // per))
    for n, label in enumerate(labels):
        middle = box.left + n * slot + slot // 2
        left = middle - width * len(groups[n]) // 2
        for k, bar in enumerate(groups[n]):
            x0 = left + k * width
            y0 = bottom - int((bottom - top) * Decimal(bar.value) / scale)
            draw.rectangle((x0, min(y0, bottom - 1), x0 + width - 2, bottom), fill=bar.colour)
            words = _fit(draw, bar.shown, slot - 4 if per == 1 else width + 16, 12)
            draw.text((x0 + width // 2, y0 - 4), words, fill=INK, font=_font(12), anchor="md")
        words = _fit(draw, label, slot - 4, 13)
        draw.text((middle, bottom + 6), words, fill=MUTED, font=_font(13), anchor="mt")


def _months(draw: ImageDraw, box: Box, forecast: Forecast, locale: str) -> None:
    _heading(draw, box, text(locale, "chart.by_month"))
    columns = [(_month(m.month, locale), m.weighted, BAR) for m in forecast.by_month]
    if forecast.later:
        columns.append((text(locale, "chart.later"), forecast.later, LATER))
    if forecast.undated:
        columns.append((text(locale, "chart.undated"), forecast.undated, LATER))
    groups = [
        [Bar(value, colour, formats.money(value, forecast.currency, locale))]
        for _, value, colour in columns
    ]
    _columns(draw, box, [label for label, _, _ in columns], groups)


def _outcomes(draw: ImageDraw, box: Box, forecast: Forecast, locale: str) -> None:
    _heading(draw, box, text(locale, "chart.outcomes"))
    legend_y = box.top + 30
    x = box.left
    for colour, words in ((WON, text(locale, "chart.won")), (LOST, text(locale, "chart.lost"))):
        draw.rectangle((x, legend_y, x + 14, legend_y + 14), fill=colour)
        draw.text((x + 20, legend_y + 7), words, fill=INK, font=_font(14), anchor="lm")
        x += 40 + int(draw.textlength(words, font=_font(14)))
    labels = [_week(w.week, locale) for w in forecast.weeks]
    groups = [
        [
            Bar(w.won, WON, formats.number(w.won, locale)),
            Bar(w.lost, LOST, formats.number(w.lost, locale)),
        ]
        for w in forecast.weeks
    ]
    _columns(draw, box, labels, groups)


def forecast_png(forecast: Forecast, locale: str) -> bytes:
    """The chart, ``WIDTH`` × ``HEIGHT`` PNG bytes, titled and labelled in ``locale``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title = text(locale, "chart.title", pipeline=forecast.pipeline)
    total = text(
        locale, "chart.total", amount=formats.money(forecast.total, forecast.currency, locale)
    )
    draw.text((MARGIN, 24), title, fill=INK, font=_font(24, bold=True))
    draw.text((WIDTH - MARGIN, 28), total, fill=INK, font=_font(18), anchor="ra")
    inner = WIDTH - MARGIN
    _stages(draw, Box(MARGIN, 80, inner, 360), forecast, locale)
    _months(draw, Box(MARGIN, 380, inner, 630), forecast, locale)
    _outcomes(draw, Box(MARGIN, 650, inner, HEIGHT - 20), forecast, locale)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
