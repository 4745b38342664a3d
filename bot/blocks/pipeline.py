"""My pipeline: open deals grouped by stage, with counts and weighted revenue.

A message holds 50 blocks: with many busy stages, fewer deals are listed
under each (the rest counted), and past that the stages' lines are packed
into a few sections — every stage stays in the message, and the total too.
"""

from __future__ import annotations

from decimal import Decimal

from bot.blocks.common import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    button,
    context,
    escape,
    header,
    section,
    text_sections,
)
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats
from engine.api.crm import Deal, StageSummary

MAX_DEALS_PER_STAGE = 5


def summary_lines(summaries: list[StageSummary], currency: str, locale: str) -> list[str]:
    return [
        t(
            locale,
            "pipeline_stage",
            stage=escape(s.stage),
            count=s.count,
            amount=formats.money(s.revenue, currency, locale),
            weighted=formats.money(s.weighted, currency, locale),
        )
        for s in summaries
        if s.count
    ]


def total_line(summaries: list[StageSummary], currency: str, locale: str) -> str:
    count = sum(s.count for s in summaries)
    amount = sum((s.revenue for s in summaries), Decimal(0))
    weighted = sum((s.weighted for s in summaries), Decimal(0))
    return t(
        locale, "pipeline_total", count=count, amount=formats.money(amount, currency, locale),
        weighted=formats.money(weighted, currency, locale),
    )  # fmt: skip


def _deal_line(deal: Deal, locale: str) -> str:
    amount = formats.money(deal.expected_revenue, deal.currency, locale)
    probability = formats.percent(deal.probability, locale)
    return f"#{deal.id} {escape(deal.title)} — {amount} · {probability}"


def _stage_blocks(
    summary: StageSummary, deals: list[Deal], currency: str, locale: str, limit: int
) -> list[Block]:
    (line,) = summary_lines([summary], currency, locale)
    blocks: list[Block] = [section(line)]
    for deal in deals[:limit]:
        blocks.append(
            section(
                _deal_line(deal, locale), button("deal_show", t(locale, "deal_open"), pack(deal.id))
            )
        )
    if len(deals) > limit:
        blocks.append(context(t(locale, "pipeline_more", count=len(deals) - limit)))
    return blocks


def _stages(
    summaries: list[StageSummary], deals: list[Deal], currency: str, locale: str, room: int
) -> list[Block]:
    """The busy stages with as many deals each as ``room`` blocks allow."""
    busy = [s for s in summaries if s.count]
    for limit in range(MAX_DEALS_PER_STAGE, 0, -1):
        blocks = [
            block
            for s in busy
            for block in _stage_blocks(
                s, [d for d in deals if d.stage_id == s.stage_id], currency, locale, limit
            )
        ]
        if len(blocks) <= room:
            return blocks
    return text_sections(summary_lines(busy, currency, locale))[:room]


def my_pipeline(
    summaries: list[StageSummary], deals: list[Deal], currency: str, locale: str
) -> Message:
    title = t(locale, "pipeline_title")
    if not any(s.count for s in summaries):
        return Message(title, [header(title), section(t(locale, "pipeline_empty"))])
    total = total_line(summaries, currency, locale)
    body = _stages(summaries, deals, currency, locale, MESSAGE_BLOCKS - 2)
    return Message(f"{title}: {total}", [header(title), *body, section(total)])
