"""My pipeline: open deals grouped by stage, with counts and weighted revenue."""

from __future__ import annotations

from decimal import Decimal

from bot import i18n
from bot.blocks.common import Block, Message, button, context, escape, header, section
from bot.blocks.values import pack
from bot.i18n import t
from engine.records import Deal, StageSummary

MAX_DEALS_PER_STAGE = 5


def summary_lines(summaries: list[StageSummary], currency: str, locale: str) -> list[str]:
    return [
        t(
            locale,
            "pipeline_stage",
            stage=escape(s.stage),
            count=s.count,
            amount=i18n.money(s.revenue, currency, locale),
            weighted=i18n.money(s.weighted, currency, locale),
        )
        for s in summaries
        if s.count
    ]


def total_line(summaries: list[StageSummary], currency: str, locale: str) -> str:
    count = sum(s.count for s in summaries)
    amount = sum((s.revenue for s in summaries), Decimal(0))
    weighted = sum((s.weighted for s in summaries), Decimal(0))
    return t(
        locale, "pipeline_total", count=count, amount=i18n.money(amount, currency, locale),
        weighted=i18n.money(weighted, currency, locale),
    )  # fmt: skip


def _deal_line(deal: Deal, locale: str) -> str:
    amount = i18n.money(deal.expected_revenue, deal.currency, locale)
    return f"#{deal.id} {escape(deal.title)} — {amount} · {i18n.percent(deal.probability, locale)}"


def _stage_blocks(
    summary: StageSummary, deals: list[Deal], currency: str, locale: str
) -> list[Block]:
    (line,) = summary_lines([summary], currency, locale)
    blocks: list[Block] = [section(line)]
    for deal in deals[:MAX_DEALS_PER_STAGE]:
        blocks.append(
            section(
                _deal_line(deal, locale), button("deal_show", t(locale, "deal_open"), pack(deal.id))
            )
        )
    if len(deals) > MAX_DEALS_PER_STAGE:
        blocks.append(context(t(locale, "pipeline_more", count=len(deals) - MAX_DEALS_PER_STAGE)))
    return blocks


def my_pipeline(
    summaries: list[StageSummary], deals: list[Deal], currency: str, locale: str
) -> Message:
    title = t(locale, "pipeline_title")
    if not any(s.count for s in summaries):
        return Message(title, [header(title), section(t(locale, "pipeline_empty"))])
    blocks: list[Block] = [header(title)]
    for summary in summaries:
        if summary.count:
            in_stage = [d for d in deals if d.stage_id == summary.stage_id]
            blocks.extend(_stage_blocks(summary, in_stage, currency, locale))
    blocks.append(section(total_line(summaries, currency, locale)))
    return Message(f"{title}: {total_line(summaries, currency, locale)}", blocks[:50])
