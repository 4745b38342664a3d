"""The App Home tab: my day, my open deals by stage, leads to claim, and a search entry.

Slack refuses a Home view of more than 100 blocks: each section is capped
(``MAX_DUE`` activities, ``DEAL_BLOCKS`` blocks of deals, ``MAX_LEADS`` leads)
and says how many more there are; whatever the data, the view stays within
``HOME_BLOCKS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks.activities import activity_blocks
from bot.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    section,
)
from bot.blocks.pipeline import _stages as stage_blocks
from bot.blocks.pipeline import total_line
from bot.blocks.values import pack
from bot.i18n import t
from engine.api.crm import Activity, Deal, ListedLead, StageSummary

HOME_BLOCKS = 100
MAX_DUE = 10
DEAL_BLOCKS = 30
MAX_LEADS = 10


@dataclass(frozen=True, slots=True)
class HomeData:
    """What the tab shows, read for one person (see :func:`bot.screens.home`)."""

    name: str
    summaries: list[StageSummary]
    deals: list[Deal]
    currency: str
    due: list[Activity]
    leads: list[ListedLead]
    unclaimed: int  # how many leads wait to be claimed in all (``leads`` are the first)


def _day(data: HomeData, locale: str, tz: str, now: datetime) -> list[Block]:
    blocks = [section(f"*{t(locale, 'home_day')}*")]
    if not data.due:
        return [*blocks, context(escape(t(locale, "home_day_empty")))]
    listed = activity_blocks(data.due[:MAX_DUE], locale, tz, now, limit=MAX_DUE)
    more = len(data.due) - MAX_DUE
    return blocks + listed + ([context(t(locale, "home_more", count=more))] if more > 0 else [])


def _deals(data: HomeData, locale: str) -> list[Block]:
    blocks = [section(f"*{t(locale, 'home_deals')}*")]
    if not any(s.count for s in data.summaries):
        return [*blocks, context(escape(t(locale, "pipeline_empty")))]
    body = stage_blocks(data.summaries, data.deals, data.currency, locale, DEAL_BLOCKS)
    return [*blocks, *body, section(total_line(data.summaries, data.currency, locale))]


def _lead_line(listed: ListedLead) -> str:
    lead = listed.lead
    who = (
        f" · {escape(clip(listed.contact.name or listed.contact.email or '', 80))}"
        if (listed.contact)
        else ""
    )
    return f"*#{lead.id}* {escape(clip(lead.title, 150))}{who}"


def _leads(data: HomeData, locale: str) -> list[Block]:
    blocks = [section(f"*{t(locale, 'home_leads')}*")]
    if not data.leads:
        return [*blocks, context(escape(t(locale, "home_leads_empty")))]
    for listed in data.leads[:MAX_LEADS]:
        claim = button(
            "home_claim", t(locale, "lead_claim"), pack(listed.lead.id, listed.lead.version),
            "primary",
        )  # fmt: skip
        blocks.append(section(_lead_line(listed), claim))
    more = data.unclaimed - min(len(data.leads), MAX_LEADS)
    return blocks + ([context(t(locale, "home_more", count=more))] if more > 0 else [])


def home_view(data: HomeData, locale: str, tz: str, now: datetime) -> Block:
    blocks: list[Block] = [
        header(t(locale, "home_hello", name=data.name)),
        actions([
            button("home_new_deal", t(locale, "home_new_deal"), style="primary"),
            button("home_refresh", t(locale, "home_refresh")),
        ], block_id="home_shortcuts"),
        context(t(locale, "home_search_hint")),
        divider(),
        *_day(data, locale, tz, now),
        divider(),
        *_deals(data, locale),
        divider(),
        *_leads(data, locale),
    ]  # fmt: skip
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}
