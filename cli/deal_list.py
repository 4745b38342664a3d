"""``run.py deal list`` and ``run.py board``: open deals as a table or JSON.

Reads only: the list shows the deals a filter picks with the totals of every
match, the board the open deals per stage; a filter the engine refuses is
named as the option the user typed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cli.context import Context
from cli.listing import (
    clip,
    counted,
    day,
    explain,
    named_json,
    option_error,
    option_errors,
    person,
    print_json,
    say,
    table,
)
from engine.api import NotFound, ValidationFailed, formats, plural, text
from engine.api.crm import Amounts, DealFilters, DealListing, ListedDeal, Pipeline, StageSummary


async def list_deals(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    filters = DealFilters(
        args.pipeline, args.stage, args.owner, args.search, args.include_closed, args.limit
    )
    try:
        found = await engine.deals.listing(filters)
    except ValidationFailed as exc:
        return option_errors(ctx, exc, locale)
    if args.json:
        print_json(ctx, _listing_json(found))
    elif not found.deals:
        ctx.print(say("no_deal" if args.include_closed else "no_open_deal", locale))
    else:
        for line in _deal_lines(found, ctx, locale):
            ctx.print(line)
    return 0


def _deal_lines(found: DealListing, ctx: Context, locale: str) -> list[str]:
    head = ("#", *(say(f"head_{c}", locale) for c in ("title", "stage", "amount", "owner")))
    rows = [(*head, say("head_contact", locale), say("head_changed", locale))]
    rows += [_deal_row(item, ctx, locale) for item in found.deals]
    lines = table(rows, right=frozenset({3}))
    amounts, weighted = _sums(found.totals, locale)
    count = counted("deals", found.count, len(found.deals), locale)
    total, part = say("total", locale, amount=amounts), say("weighted", locale, amount=weighted)
    return [*lines, f"{count} · {total} · {part}"]


def _deal_row(item: ListedDeal, ctx: Context, locale: str) -> tuple[str, ...]:
    deal = item.deal
    stage = item.stage + (f" ({say('archived', locale)})" if deal.archived else "")
    amount = deal.expected_revenue
    return (
        f"#{deal.id}",
        clip(deal.title),
        stage,
        "—" if amount is None else formats.money(amount, deal.currency, locale),
        item.owner.name if item.owner else say("unassigned", locale),
        clip(person(item.contact), 48),
        day(deal.updated_at, ctx, locale),
    )


def _sums(totals: Sequence[Amounts], locale: str) -> tuple[str, str]:
    """Amounts and weighted amounts, one per currency (``1 000,00 € + $200.00``)."""
    amounts = " + ".join(formats.money(t.amount, t.currency, locale) for t in totals)
    weighted = " + ".join(formats.money(t.weighted, t.currency, locale) for t in totals)
    return amounts, weighted


def _decimal(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _listing_json(found: DealListing) -> dict[str, Any]:
    return {
        "deals": [_deal_json(item) for item in found.deals],
        "count": found.count,
        "shown": len(found.deals),
        "totals": [
            {"currency": t.currency, "count": t.count, "amount": str(t.amount),
             "weighted": str(t.weighted)}
            for t in found.totals
        ],
    }  # fmt: skip


def _deal_json(item: ListedDeal) -> dict[str, Any]:
    deal = item.deal
    return {
        "id": deal.id, "title": deal.title, "pipeline": item.pipeline,
        "stage": item.stage_key, "stage_name": item.stage, "status": deal.status,
        "archived": deal.archived, "amount": _decimal(deal.expected_revenue),
        "currency": deal.currency, "probability": deal.probability,
        "weighted": _decimal(deal.weighted_revenue),
        "owner": named_json(item.owner), "contact": named_json(item.contact),
        "updated_at": deal.updated_at.isoformat(),
    }  # fmt: skip


async def show_board(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    try:
        pipeline = await engine.pipelines.get(args.pipeline)
    except NotFound as exc:
        ctx.fail(option_error("--pipeline", explain(exc, locale), locale))
        return 1
    summaries = await engine.deals.board(pipeline.key)
    if args.json:
        print_json(ctx, _board_json(pipeline, summaries))
        return 0
    ctx.print(say("board", locale, pipeline=f"{pipeline.name} ({pipeline.key})"))
    # As in Slack, a folded stage is out of sight: hidden and named below, or with
    # --folded shown and marked; the totals add up the rows shown.
    folded = [s for s in summaries if s.folded]
    shown = summaries if args.folded else [s for s in summaries if not s.folded]
    for line in _board_lines(pipeline, shown, locale):
        ctx.print(line)
    if folded and not args.folded:
        names = ", ".join(s.stage for s in folded)
        ctx.print(plural(locale, "cli.board_folded_hidden", len(folded), count=len(folded),
                         stages=names))  # fmt: skip
    return 0


def _board_lines(pipeline: Pipeline, summaries: list[StageSummary], locale: str) -> list[str]:
    def money(amount: Decimal) -> str:
        return formats.money(amount, pipeline.currency, locale)

    def name(s: StageSummary) -> str:
        return text(locale, "cli.board_folded_stage", stage=s.stage) if s.folded else s.stage

    head = [say(f"head_{c}", locale) for c in ("stage", "deals", "amount", "weighted")]
    rows = [head]
    rows += [[name(s), str(s.count), money(s.revenue), money(s.weighted)] for s in summaries]
    count, revenue, weighted = _board_total(summaries)
    rows.append([say("total_row", locale), str(count), money(revenue), money(weighted)])
    return table(rows, right=frozenset({1, 2, 3}))


def _board_total(summaries: list[StageSummary]) -> tuple[int, Decimal, Decimal]:
    """The columns' sums: what the rows shown add up to."""
    return (
        sum(s.count for s in summaries),
        sum((s.revenue for s in summaries), Decimal(0)),
        sum((s.weighted for s in summaries), Decimal(0)),
    )


def _board_json(pipeline: Pipeline, summaries: list[StageSummary]) -> dict[str, Any]:
    keys = {stage.id: stage.key for stage in pipeline.stages}
    count, revenue, weighted = _board_total(summaries)
    return {
        "pipeline": pipeline.key, "name": pipeline.name, "currency": pipeline.currency,
        "stages": [
            {"stage": keys.get(s.stage_id), "name": s.stage, "folded": s.folded,
             "count": s.count, "amount": str(s.revenue), "weighted": str(s.weighted)}
            for s in summaries
        ],
        "totals": {"count": count, "amount": str(revenue), "weighted": str(weighted)},
    }  # fmt: skip
