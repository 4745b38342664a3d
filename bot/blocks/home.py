"""The App Home tab: my pipeline at a glance and what is due, with shortcuts."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.activities import activity_blocks
from bot.blocks.common import (
    Block,
    actions,
    button,
    divider,
    escape,
    header,
    section,
    text_sections,
)
from bot.blocks.pipeline import summary_lines, total_line
from bot.i18n import t
from engine.api.crm import Activity, StageSummary

MAX_DUE = 10


def home_view(
    name: str,
    summaries: list[StageSummary],
    currency: str,
    due: list[Activity],
    locale: str,
    tz: str,
    now: datetime,
) -> Block:
    blocks: list[Block] = [
        header(t(locale, "home_hello", name=name)),
        actions([
            button("home_new_deal", t(locale, "home_new_deal"), style="primary"),
            button("home_refresh", t(locale, "home_refresh")),
        ], block_id="home_shortcuts"),
        divider(),
        section(f"*{t(locale, 'home_pipeline')}*"),
    ]  # fmt: skip
    lines = summary_lines(summaries, currency, locale)
    blocks += text_sections(lines) if lines else [section(t(locale, "pipeline_empty"))]
    if lines:
        blocks.append(section(total_line(summaries, currency, locale)))
    blocks += [divider(), section(f"*{t(locale, 'home_due')}*")]
    if due:
        blocks += activity_blocks(due, locale, tz, now, limit=MAX_DUE)
    else:
        blocks.append(section(escape(t(locale, "activities_empty"))))
    return {"type": "home", "blocks": blocks[:100]}
