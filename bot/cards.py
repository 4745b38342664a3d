"""Compact cards read from the engine: for unfurls, ``D-42`` replies, shares and search.

Each function reads what one compact card needs through the engine facade
and hands it to :mod:`bot.blocks.compact`; a record that does not exist (any
more) is ``None``, so a reference to it is skipped rather than answered with
an error in a channel.
"""

from __future__ import annotations

from bot import refs, screens
from bot.blocks import compact
from bot.blocks.common import Block
from engine.api import Engine, NotFound

KINDS = ("deal", "lead", "quote")


async def blocks_of(
    engine: Engine, kind: str, record_id: int, locale: str, base: str = ""
) -> list[Block] | None:
    """The compact card of a deal, a lead or a quote; None when there is no such record."""
    try:
        if kind == "deal":
            card = await screens.deal_card_data(engine, None, record_id)
            return compact.deal_card(card, locale, refs.link(base, refs.Ref("deal", record_id)))
        if kind == "lead":
            view = await screens.lead_view(engine, await engine.leads.get(record_id))
            return compact.lead_card(view, locale, refs.link(base, refs.Ref("lead", record_id)))
        if kind == "quote":
            return compact.quote_card(await engine.quotes.get(record_id), locale)
    except NotFound:
        return None
    return None


def plain_text(blocks: list[Block]) -> str:
    """The first section's text: what a notification or a screen reader says of a card."""
    for block in blocks:
        text = (block.get("text") or {}).get("text")
        if text:
            return str(text)[:3000]
    return ""
