"""Sharing a card with the channel, opening a compact card, and ``/crm search``.

* **Share in channel** (``share_card``, on a deal card, a quote, a lead found
  or created from a message — every card answered privately): the record's
  compact card, as it is now, is posted for everyone in the conversation with
  "Shared by @someone" under it, through the ``response_url`` of the click
  (``response_type: in_channel``; the private card stays). Without one (or
  refused), ``chat.postMessage`` in the channel. The card is in the sharer's
  language; a record deleted meanwhile is answered privately as not found.
* **Open** on a lead's compact card (``card_open``): the card privately, with
  the lead's buttons and **Share**.
* ``/crm search <text>``: deals, leads, contacts and organisations in one
  read (``engine.search.find``), as compact cards; a contact's or an
  organisation's **Deals and leads** (``search_again``) searches its e-mail or
  name.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.async_app import AsyncApp

from bot import cards, hooks, refs, screens
from bot.blocks import compact
from bot.blocks import search as search_blocks
from bot.blocks.common import Message, actions
from bot.blocks.leads import lead_buttons
from bot.blocks.share import SHARE, share_button
from bot.blocks.values import number, unpack
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.people import Who
from bot.runtime import runtime_of
from engine.api import Engine, NotFound

log = logging.getLogger("relais.slack")


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action(SHARE)(deferred(runtime, SHARE))  # posts in the channel: once, journaled
    for action_id in (compact.OPEN_REF, compact.SEARCH_AGAIN):  # only read
        app.action(action_id)(deferred(runtime, action_id, reads=True))


def _record(ctx: JobContext) -> tuple[str, int]:
    kind, value = unpack(ctx.action_value, 2)
    record_id = number(value)
    if kind not in cards.KINDS or record_id is None:
        raise NotFound("record", ctx.action_value)
    return kind, record_id


async def share_card(ctx: JobContext) -> None:
    who = await ctx.who()
    kind, record_id = _record(ctx)
    base = ctx.rt.settings.public_url
    blocks = await cards.blocks_of(ctx.engine, kind, record_id, who.locale, base)
    if blocks is None:
        raise NotFound(kind, record_id)
    message = compact.shared(blocks, who.slack_id or ctx.slack_user, who.locale)
    if await _in_channel(ctx, message):
        log.info("event=slack_card_shared kind=%s id=%s", kind, record_id)
        return
    await ctx.say(Message(t(who.locale, "share_not_here")))


async def _in_channel(ctx: JobContext, message: Message) -> bool:
    """Post ``message`` for everyone where the card was: response_url, else the channel."""
    url = ctx.response_url
    if url:
        status = await hooks.send(ctx.rt.http, url, message, response_type="in_channel")
        if status == 200:
            return True
        log.warning("event=slack_share_refused status=%s", status)
    channel = ctx.channel
    if not channel:
        return False
    await ctx.rt.client.chat_postMessage(
        channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
    )
    return True


async def card_open(ctx: JobContext) -> None:
    who = await ctx.who()
    kind, record_id = _record(ctx)
    base = ctx.rt.settings.public_url
    blocks = await cards.blocks_of(ctx.engine, kind, record_id, who.locale, base)
    if blocks is None:
        raise NotFound(kind, record_id)
    elements = [share_button(kind, record_id, who.locale)]
    if kind == "lead":
        blocks[0].pop("accessory", None)
        lead = await ctx.engine.leads.get(record_id)
        elements = lead_buttons(lead, who.locale, "l") + elements
    await ctx.say(Message(cards.plain_text(blocks), [*blocks, actions(elements)]))


# -- /crm search -------------------------------------------------------------------


async def command(ctx: JobContext, who: Who, rest: str) -> None:
    """``/crm search dupont``: every kind of record at once."""
    if not rest.strip():
        await ctx.say(Message(t(who.locale, "usage_search")))
        return
    await ctx.say(await found(ctx.engine, who, rest, ctx.rt.settings.public_url))


async def search_again(ctx: JobContext) -> None:
    who = await ctx.who()
    await ctx.say(await found(ctx.engine, who, ctx.action_value, ctx.rt.settings.public_url))


async def found(engine: Engine, who: Who, text: str, base: str) -> Message:
    hits = await engine.search.find(text, search_blocks.PER_KIND)
    deals = await asyncio.gather(*(screens.deal_card_data(engine, None, d.id) for d in hits.deals))
    leads = await asyncio.gather(*(screens.lead_view(engine, lead) for lead in hits.leads))
    links = {f"deal:{d.id}": refs.link(base, refs.Ref("deal", d.id)) for d in hits.deals}
    links.update({f"lead:{x.id}": refs.link(base, refs.Ref("lead", x.id)) for x in hits.leads})
    return search_blocks.results(hits, list(deals), list(leads), who.locale, links)


JOBS: dict[str, JobSpec] = {
    SHARE: JobSpec(share_card), compact.OPEN_REF: JobSpec(card_open),
    compact.SEARCH_AGAIN: JobSpec(search_again),
}  # fmt: skip
